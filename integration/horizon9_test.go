package integration

import (
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/worker"
)

// Issue 9, item 6 (live entries). A cache with a 10-episode window and a
// reserve of 10 knows at most 20 of 200 episodes (with their embeddings);
// deleting the 15 most recent in Turso makes the window reach into the
// forgotten ones, which the worker finds again with a scan of the real
// stream; an old, forgotten episode moved to the top of the window comes
// back with its embedding (by the list its message carries). Validation
// against Turso is consistent at every stage.
func TestForgottenEpisodesComeBack(t *testing.T) {
	e, w := newEnvWriter(t, 96, 4)
	eps := recentFirst(w.episodes(200))
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 10, Reserve: 10}
	c := e.caughtUp("", opts, worker.Options{})
	e.publishAll(cf) // an idle checkpoint: a batch at the floor forgets the rest
	e.catchUp(c)
	if known := c.store.State().Known; known > 20 {
		t.Fatalf("%d episodes known after sync, want <= 20 (window 10 + reserve 10)", known)
	}
	wantWindow(t, c, eps[:10]...)
	e.mustConsistent(c)
	if st := c.w.Stats(); st.Forgotten < 2*180 {
		t.Fatalf("forgot %d entries, want >= 360 (180 episodes and their embeddings)", st.Forgotten)
	}

	for _, id := range eps[:15] {
		w.del("episodes", id)
	}
	e.publishAll(cf)
	e.catchUp(c)
	wantWindow(t, c, eps[15:25]...) // 5 of them were forgotten: recalled from the stream
	e.mustConsistent(c)
	if st := c.w.Stats(); st.Recalled == 0 {
		t.Fatalf("nothing recalled: %+v", st)
	}
	backfilled := c.w.Stats().Backfilled

	old := eps[150]
	_, err := e.db.SQL().ExecContext(t.Context(), `UPDATE episodes SET start_time = ? WHERE episode_id = ?`, w.g.Base+1_000_000, old)
	mustDo(t, err)
	e.publishAll(cf)
	e.catchUp(c)
	wantWindow(t, c, append([]string{old}, eps[15:24]...)...)
	if got := c.w.Stats().Backfilled - backfilled; got != 1 {
		t.Fatalf("%d bodies fetched for the returning episode, want 1 (its listed embedding)", got)
	}
	if r := e.mustConsistent(c); r.Embeddings.Cache != 10 {
		t.Fatalf("%d embeddings cached, want the window's 10: %+v", r.Embeddings.Cache, r)
	}
}
