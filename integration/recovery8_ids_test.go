package integration

import (
	"path/filepath"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// Ids that are not valid UTF-8 (written by another system as TEXT) travel
// byte for byte: Turso -> stream -> cache, through deletes, backfills and a
// Turso rebuild. "\xff" and "\xfe" would both become U+FFFD in plain JSON.
var rawIDs = struct{ newest, middle, oldest, emb string }{
	newest: "ep-\xff", middle: "ep-\xfe", oldest: "ep-\xc3.old", emb: "emb-\xff\x00x",
}

func TestNonUTF8IDsEndToEnd(t *testing.T) {
	e := newEnv(t)
	putRawEpisode(t, e, rawIDs.oldest, 100)
	putRawEpisode(t, e, rawIDs.middle, 200)
	putRawEpisode(t, e, rawIDs.newest, 300)
	putRawEmbedding(t, e, rawIDs.emb, rawIDs.newest)
	cf := e.changefeed(changefeed.Options{})
	e.publishAll(cf)
	opts := cachestore.Options{MaxEpisodes: 2}
	dir := filepath.Join(t.TempDir(), "cache")
	c := e.openCache(dir, opts, worker.Options{})
	e.catchUp(c)
	wantRawWindow(t, c, rawIDs.newest, rawIDs.middle)
	wantRawEmbedding(t, c, rawIDs.emb, rawIDs.newest)
	e.mustConsistent(c)

	deleteRaw(t, e, "episodes", "episode_id", rawIDs.newest) // backfills the oldest
	e.publishAll(cf)
	e.catchUp(c)
	wantRawWindow(t, c, rawIDs.middle, rawIDs.oldest)
	if _, _, err := c.store.Embedding(rawIDs.emb); err != cachestore.ErrNotFound {
		t.Fatalf("embedding of a deleted owner still cached: %v", err)
	}
	e.mustConsistent(c)
	c.close(t)

	if _, err := rebuild.FromTurso(t.Context(), e.rebuildConfig(dir, opts), "test"); err != nil {
		t.Fatal(err)
	}
	putRawEpisode(t, e, rawIDs.newest, 400) // back, newest again: evicts the oldest
	e.publishAll(cf)
	c = e.openCache(dir, opts, worker.Options{})
	e.catchUp(c)
	wantRawWindow(t, c, rawIDs.newest, rawIDs.middle)
	wantRawEmbedding(t, c, rawIDs.emb, rawIDs.newest)
	e.mustConsistent(c)
	recaptureRaw(t, e, cf, c, rawIDs.middle)
}

// A dead-letter retry (Recapture) and validation's version lookup find a
// raw id in the change log.
func recaptureRaw(t *testing.T, e *env, cf *changefeed.Changefeed, c *cache, id string) {
	t.Helper()
	key := turso.EntityKey{Entity: protocol.EntityEpisode, ID: id}
	versions, err := e.db.VersionsAfter(t.Context(), 0, []turso.EntityKey{key})
	before := versions[key]
	if err != nil || before == 0 {
		t.Fatalf("change-log version of %q: %d %v", id, before, err)
	}
	mustDo(t, e.db.Recapture(t.Context(), protocol.EntityEpisode, id))
	e.publishAll(cf)
	e.catchUp(c)
	if _, v, err := c.store.Episode(id); err != nil || v <= before {
		t.Fatalf("recaptured %q: version %d (was %d), %v", id, v, before, err)
	}
}

// wantRawWindow checks the cached episodes are exactly ids, byte for byte.
func wantRawWindow(t *testing.T, c *cache, ids ...string) {
	t.Helper()
	wantEpisodes(t, c, len(ids))
	for _, id := range ids {
		ep, _, err := c.store.Episode(id)
		if err != nil {
			t.Fatalf("episode %q: %v", id, err)
		}
		// content is mirrored as JSON can carry it: invalid bytes become U+FFFD
		if ep.EpisodeID != id || ep.TaskDescription != "task "+jsonText(id) {
			t.Fatalf("episode %q came back as %q (%q)", id, ep.EpisodeID, ep.TaskDescription)
		}
	}
}

// jsonText is s as a JSON string carries it: each byte that is not valid
// UTF-8 replaced by U+FFFD (invariant 1.1 of docs/design.md: only ids
// travel byte-exact).
func jsonText(s string) string { return string([]rune(s)) }

func wantRawEmbedding(t *testing.T, c *cache, id, owner string) {
	t.Helper()
	m, _, err := c.store.Embedding(id)
	if err != nil {
		t.Fatalf("embedding %q: %v", id, err)
	}
	if m.EmbeddingID != id || m.ItemID != owner {
		t.Fatalf("embedding %q came back as %q owned by %q, want owner %q", id, m.EmbeddingID, m.ItemID, owner)
	}
}

// The id columns are bound as BLOBs cast to TEXT: go-libsql refuses a Go
// string that is not valid UTF-8.
func putRawEpisode(t *testing.T, e *env, id string, start int64) {
	t.Helper()
	_, err := e.db.SQL().ExecContext(t.Context(), `INSERT OR REPLACE INTO episodes (episode_id, task_type,
  task_description, context, start_time, steps, patterns, metadata, domain, created_at)
  VALUES (CAST(? AS TEXT), 'debugging', 'task ' || CAST(? AS TEXT), '{}', ?, '[]', '[]', '{}', 'web-api', ?)`,
		[]byte(id), []byte(id), 1767225600+start, 1767225600+start)
	mustDo(t, err)
}

func putRawEmbedding(t *testing.T, e *env, id, owner string) {
	t.Helper()
	_, err := e.db.SQL().ExecContext(t.Context(), `INSERT OR REPLACE INTO embeddings (embedding_id, item_id,
  item_type, embedding_data, dimension, model, created_at)
  VALUES (CAST(? AS TEXT), CAST(? AS TEXT), 'episode', '[0.5,-1,2,0.25]', 4, 'test-model', 1767225600)`,
		[]byte(id), []byte(owner))
	mustDo(t, err)
}

func deleteRaw(t *testing.T, e *env, table, col, id string) {
	t.Helper()
	_, err := e.db.SQL().ExecContext(t.Context(), "DELETE FROM "+table+" WHERE "+col+" = CAST(? AS TEXT)", []byte(id))
	mustDo(t, err)
}
