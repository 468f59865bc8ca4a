package cachestore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/memsync/memsync/protocol"
)

// TidyStats says what one Tidy step removed and what it left.
type TidyStats struct {
	Collected int // tombstones deleted at or below the floor
	Forgotten int // entries forgotten (far episodes, their and unowned embeddings)
	Beyond    int // episodes still known beyond the window and the reserve
}

// Removed reports a step that deleted something: the next one may too.
func (t TidyStats) Removed() bool { return t.Collected+t.Forgotten > 0 }

// Tidy is the idle worker's share of the collector: one step of budget
// catalog visits and forgets (collectStep), as a batch without changes
// does, in one synced batch. A cold sync, a catch-up or a rebuild from the
// stream leaves up to every entity of the database in the catalog
// (episodes known above the floor, their embeddings, tombstones), and an
// Apply of a few changes now collects only a step sized to it, so without
// Tidy a worker that is mostly idle would keep that garbage (a larger
// cache, a slower Open) for as long as it keeps the window.
//
// It does not move the position, the applied checkpoint or the last sync,
// and writes nothing when the step neither removed anything nor moved the
// collector's cursor. src is the worker's BodySource (a source that is not
// a Scanner forgets nothing, as in Apply). With Options.GCBudget < 0 (no
// collector) it does nothing. It is a write like Apply, and like Apply it
// must not run beside another write (doc.go: Apply and Tidy one at a time; the
// worker calls both from its loop).
func (s *Store) Tidy(ctx context.Context, src BodySource, budget int) (TidyStats, error) {
	release, err := s.acquireWrite()
	if err != nil {
		return TidyStats{}, err
	}
	defer release()
	if s.opts.GCBudget < 0 || budget <= 0 {
		return TidyStats{Beyond: s.beyond()}, nil
	}
	a := &applier{s: s, b: s.db.NewIndexedBatch(), st: s.State(), pending: map[string]Change{}}
	if sc, ok := src.(Scanner); ok {
		a.scan = func(e protocol.Entity, fn func(Change) error) error { return sc.Scan(ctx, e, fn) }
	}
	defer a.b.Close()
	defer a.closeIter()
	cursor := a.st.GCCursor
	if err := a.collectStep(budget, budget); err != nil {
		return TidyStats{Beyond: s.beyond()}, err
	}
	if err := a.closeIter(); err != nil {
		return TidyStats{Beyond: s.beyond()}, err
	}
	st := TidyStats{Collected: a.stats.Collected, Forgotten: a.stats.Forgotten}
	if !st.Removed() && bytes.Equal(cursor, a.st.GCCursor) {
		st.Beyond = s.beyond()
		return st, nil
	}
	if err := a.commitState(); err != nil {
		return TidyStats{Beyond: s.beyond()}, err
	}
	if invariantsOn {
		if err := s.checkInvariants(); err != nil {
			panic(fmt.Sprintf("cachestore: invariant broken after Tidy: %v", err))
		}
	}
	st.Beyond = s.beyond()
	return st, nil
}

// beyond is how many episodes are known beyond the window and the reserve.
func (s *Store) beyond() int {
	r := s.opts.reserve()
	if r < 0 {
		return 0
	}
	return max(0, s.State().Known-s.opts.MaxEpisodes-r)
}
