package cachestore

import (
	"bytes"
	"context"
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
	st, err := s.tidy(ctx, src, budget)
	st.Beyond = s.beyond()
	return st, err
}

func (s *Store) tidy(ctx context.Context, src BodySource, budget int) (TidyStats, error) {
	if s.opts.GCBudget < 0 || budget <= 0 {
		return TidyStats{}, nil
	}
	a := s.newApplier(ctx, src)
	defer a.b.Close()
	defer a.closeIter() // before the batch's Close
	cursor := a.st.GCCursor
	if err := a.collectStep(budget, budget); err != nil {
		return TidyStats{}, err
	}
	if err := a.closeIter(); err != nil {
		return TidyStats{}, err
	}
	st := TidyStats{Collected: a.stats.Collected, Forgotten: a.stats.Forgotten}
	if !st.Removed() && bytes.Equal(cursor, a.st.GCCursor) {
		return st, nil // nothing to write
	}
	if err := a.commitState(); err != nil {
		return TidyStats{}, err
	}
	s.mustHoldInvariants("Tidy")
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
