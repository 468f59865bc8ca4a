package worker

import (
	"context"
)

// DefaultTidyBudget is Options.TidyBudget when unset: an idle step's
// catalog visits and forgets.
const DefaultTidyBudget = 256

// tidy runs one step of the cache's collector when the worker is idle (a
// waiting fetch the server ended empty): an Apply of a few changes now
// collects only a step sized to it, so what a cold sync, a catch-up or a
// rebuild left in the catalog (every episode known above the floor, their
// embeddings, tombstones) is removed here, between live changes, instead
// of 1024 forgets at a time inside a live batch. It steps while steps
// remove something and rests after one that removed nothing, until the
// next applied batch. A cache that needs a rebuild says so here as in
// Apply; another failure waits for the next batch.
func (w *Worker) tidy(ctx context.Context) error {
	if w.tidied || w.opts.TidyBudget < 0 {
		return nil
	}
	st, err := w.store.Tidy(ctx, source{w}, w.opts.TidyBudget)
	if err != nil {
		if NeedsRebuild(err) {
			return err
		}
		w.tidied = true
		w.log.Debug("idle tidy step failed; trying again after the next batch", "error", err)
		return nil
	}
	w.tidied = !st.Removed()
	w.stats.forgotten.Add(uint64(st.Forgotten))
	if st.Removed() {
		w.log.Debug("idle tidy step", "collected", st.Collected, "forgotten", st.Forgotten, "beyond", st.Beyond)
	}
	return nil
}
