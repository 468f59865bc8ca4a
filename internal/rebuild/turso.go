package rebuild

import (
	"context"
	"database/sql"
	"errors"
	"os"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// FromTurso reads a consistent snapshot of Turso into a staging cache and
// swaps it in. Every entity gets the version of the stream checkpoint read
// before the snapshot (cursor C at sequence S): all changes <= C are in the
// stream and reflected in the snapshot or older than it, and consumption
// resumes at S+1, where every change > C was published. No stream scan is
// needed. Without a checkpoint the stream is replayed from its start (see
// stampFor). A killed Turso rebuild restarts cleanly.
func FromTurso(ctx context.Context, cfg Config, reason string) (Result, error) {
	if cfg.DB == nil {
		return Result{}, ErrNoTurso
	}
	cfg = *cfg.EnsureDefaults()
	cp, err := checkpointOfDB(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	staging := stagingDir(cfg.Dir)
	if err := os.RemoveAll(staging); err != nil {
		return Result{}, err
	}
	store, err := cachestore.Open(staging, &cfg.Options)
	if err != nil {
		return Result{}, err
	}
	n, err := loadSnapshot(ctx, cfg, store, cp)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return Result{}, err
	}
	return finish(cfg, Result{Source: "turso", Entities: n, Position: cp.seq}, reason)
}

func loadSnapshot(ctx context.Context, cfg Config, store *cachestore.Store, cp checkpoint) (int, error) {
	l := &snapshotLoader{cfg: cfg, window: map[string]bool{}, patterns: map[string]bool{}}
	var st stamp
	err := cfg.DB.Snapshot(ctx, func(tx *sql.Tx) error {
		var err error
		if st, err = stampFor(ctx, tx, cp); err != nil {
			return err
		}
		// INVARIANT 6.3: a cache built from Turso follows that database. Without
		// a checkpoint the stream cannot name it, and a lineage-less cache
		// would adopt whatever the first replayed message carries (leftovers
		// of a replaced database among them).
		if cp.lineage == "" {
			// not installed: no lineage, and st.check refuses uncaptured rows
			if cp.lineage, err = turso.LineageIn(ctx, tx); err != nil && !errors.Is(err, turso.ErrNotInstalled) {
				return err
			}
		}
		l.loader = store.NewLoader(st.version)
		return l.run(ctx, tx)
	})
	if err == nil {
		err = st.check(l.n)
	}
	if err != nil {
		return l.n, err
	}
	return l.n, l.loader.Finish(cachestore.Origin{Position: cp.seq, PositionTime: cp.time, Stream: cp.stream, Lineage: cp.lineage})
}

type snapshotLoader struct {
	cfg      Config
	loader   *cachestore.Loader
	window   map[string]bool
	patterns map[string]bool
	n        int
}

func (l *snapshotLoader) run(ctx context.Context, tx *sql.Tx) error {
	if err := l.episodes(ctx, tx); err != nil {
		return err
	}
	if err := l.loadPatterns(ctx, tx); err != nil {
		return err
	}
	return l.embeddings(ctx, tx)
}

func (l *snapshotLoader) add(it cachestore.Loaded) error {
	if err := l.loader.Add(it); err != nil {
		return err
	}
	l.n++
	if l.n%2000 == 0 {
		if l.cfg.Progress != nil {
			l.cfg.Progress(l.n, 0)
		}
		return l.loader.Flush()
	}
	return nil
}

// episodes loads the window (the MaxEpisodes most recent syncable
// episodes, with their data) and the keys of every other syncable episode.
func (l *snapshotLoader) episodes(ctx context.Context, tx *sql.Tx) error {
	w, err := turso.SyncableWindow(ctx, tx, l.cfg.Options.MaxEpisodes, l.cfg.MaxMessageBytes())
	if err != nil {
		return err
	}
	skip := make(map[string]bool, len(w.Unsyncable))
	for _, u := range w.Unsyncable {
		skip[u.ID] = true
	}
	for _, id := range w.IDs {
		l.window[id] = true
	}
	err = turso.ScanEpisodeKeys(ctx, tx, func(k turso.EpisodeKey) error {
		if l.window[k.ID] || skip[k.ID] {
			return nil
		}
		return l.add(cachestore.Loaded{Entity: protocol.EntityEpisode, ID: k.ID, StartTime: k.StartTime})
	})
	if err != nil {
		return err
	}
	return l.withData(ctx, tx, protocol.EntityEpisode, w.IDs)
}

// withData reads the rows of ids and adds them with their data.
func (l *snapshotLoader) withData(ctx context.Context, tx *sql.Tx, e protocol.Entity, ids []string) error {
	for start := 0; start < len(ids); start += 500 {
		rows, err := turso.ReadRows(ctx, tx, e, ids[start:min(start+500, len(ids))])
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := l.addRow(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *snapshotLoader) addRow(r turso.Row) error {
	if r.Syncable(l.cfg.MaxMessageBytes()) != nil {
		return nil // parked by the changefeed (a delete in the stream), not cached
	}
	it := cachestore.Loaded{Entity: r.Entity, ID: r.ID, Data: r.Data, Owner: r.Owner, OwnerID: r.OwnerID}
	if r.Entity == protocol.EntityEpisode {
		ep, err := protocol.DecodeEpisode(r.Data)
		if err != nil {
			return err
		}
		it.StartTime, it.InWindow = ep.StartTime, true
	}
	return l.add(it)
}

func (l *snapshotLoader) loadPatterns(ctx context.Context, tx *sql.Tx) error {
	if l.cfg.Options.NoPatterns {
		return nil
	}
	return turso.ScanAllRows(ctx, tx, protocol.EntityPattern, func(r turso.Row) error {
		if r.Syncable(l.cfg.MaxMessageBytes()) == nil {
			l.patterns[r.ID] = true
		}
		return l.addRow(r)
	})
}

func (l *snapshotLoader) embeddings(ctx context.Context, tx *sql.Tx) error {
	if l.cfg.Options.NoEmbeddings {
		return nil
	}
	var cached []string
	err := turso.ScanEmbeddingOwners(ctx, tx, func(o turso.EmbeddingOwner) error {
		if l.ownerCached(o) {
			cached = append(cached, o.ID)
			return nil
		}
		if o.OwnerKind != string(protocol.EntityEpisode) && o.OwnerKind != string(protocol.EntityPattern) {
			return nil // malformed: parked by the changefeed
		}
		return l.add(cachestore.Loaded{Entity: protocol.EntityEmbedding, ID: o.ID, Owner: protocol.Entity(o.OwnerKind), OwnerID: o.OwnerID})
	})
	if err != nil {
		return err
	}
	return l.withData(ctx, tx, protocol.EntityEmbedding, cached)
}

func (l *snapshotLoader) ownerCached(o turso.EmbeddingOwner) bool {
	switch protocol.Entity(o.OwnerKind) {
	case protocol.EntityEpisode:
		return l.window[o.OwnerID]
	case protocol.EntityPattern:
		return l.patterns[o.OwnerID]
	}
	return false
}
