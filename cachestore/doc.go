// Package cachestore owns one worker's Pebble cache directory: the cached
// episodes (a bounded window of the most recent), patterns and embeddings,
// a catalog of every entity version the worker has seen, and the worker's
// durable stream position.
//
// Lifecycle: Open(dir, opts) takes Pebble's directory lock (a second process
// gets ErrLocked naming the directory and the holder), Apply commits one
// batch of changes together with the stream position using a synced Pebble
// batch, Close releases everything. A Store is safe for concurrent readers;
// Apply and Tidy calls must not run concurrently with each other.
//
// Invariants upheld here (numbered as in docs/design.md, section 3;
// ARCHITECTURE.md names the code and tests of each):
//   - 3: the position, the applied checkpoint and the data of a batch are
//     committed in one Pebble batch with Sync; nothing is visible before.
//   - 4: every entity carries the version (change_id) that produced it; older
//     or equal versions are ignored and deletes leave version tombstones.
//     Tombstones are collected once they are at or below the floor (4.1: the
//     applied checkpoint, raised in the same batch); a change at or below
//     the floor for an entity the catalog does not know is ignored, so a
//     redelivered old change never resurrects anything (gc.go). The
//     collector and the horizon's forgets take a step per Apply sized to
//     its batch, and Tidy runs a step outside any batch for an idle worker
//     (tidy.go): it moves no position and writes nothing when idle.
//   - 5: at most MaxEpisodes episodes are cached, always the most recent by
//     (start_time DESC, episode_id ASC); an in-window episode that leaves is
//     replaced by the next most recent one; embeddings are stored only for
//     cached owners. Data a batch drops is re-admitted later in the batch,
//     when its version still matches, from the committed store or a body
//     the batch already has, so an update that keeps an owner cached
//     fetches nothing (stash.go).
//   - 5.4: the key filters never say "absent" for what is there: the
//     owner filter for an owner that has owner-index entries, the catalog
//     filter for a catalog entry (Apply skips the version read of a
//     change whose entity the catalog filter says it never held). Every
//     entry is added before it is written (Apply, Loader), and Open fills
//     both from the keys on disk (keyfilter.go). Only a false positive is
//     possible: the read it replaced.
//
// Key layout (documented in ARCHITECTURE.md):
//
//	m/<name>                      meta: position, applied version, floor, window state
//	c/<kind>/<id>                 catalog: version, deleted flag, start time or owner
//	                              (known entities: the window and the reserve
//	                              beyond it, horizon.go; tombstones until collected)
//	s/<^start_time BE8><id>       every known episode, most recent first
//	d/<kind>/<id>                 data (protocol JSON) of cached entities only
//	o/<owner kind><len16><owner id><embedding id>   embeddings by owner
//
// cachestore never imports NATS: bodies needed for a backfill come through
// the small BodySource interface that the worker implements.
package cachestore
