package validate

import (
	"testing"

	"github.com/memsync/memsync/protocol"
)

// TestClassify pins the stale/diverged decision: each case is a difference
// with its evidence and the verdict a correct validator must reach.
func TestClassify(t *testing.T) {
	// A cache that applied up to 100, a window of 10, 3 episodes changed since.
	base := facts{applied: 100, covered: true, window: 10, shift: 3}
	pruned := base
	pruned.covered = false
	unbounded := base
	unbounded.window, unbounded.shift = 0, 0
	quiet := base // no episode changed since the applied checkpoint
	quiet.shift = 0
	crowded := base // more episodes changed since than the window holds
	crowded.window, crowded.shift = 3, 5
	ep := func(d diff) *diff { d.entity = protocol.EntityEpisode; return &d }
	emb := func(d diff, owner *diff) *diff { d.entity = protocol.EntityEmbedding; d.owner = owner; return &d }
	pat := func(d diff) *diff { d.entity = protocol.EntityPattern; return &d }
	cases := []struct {
		name string
		f    facts
		d    *diff
		want verdict
	}{
		{"data differs, own change unapplied", base, ep(diff{want: true, have: true, version: 120, rankT: 2, rankC: 2}), stale},
		{"data differs, own change applied", base, ep(diff{want: true, have: true, version: 90, rankT: 2, rankC: 2}), diverged},
		{"data differs, change log pruned above applied", pruned, ep(diff{want: true, have: true, version: 0}), stale},
		{"data differs, pruned below applied only", base, ep(diff{want: true, have: true, version: 0}), diverged},
		{"lost delete deep in the window", base, ep(diff{have: true, gone: true, version: 90, rankC: 2}), diverged},
		{"lost delete at the window's edge", base, ep(diff{have: true, gone: true, version: 90, rankC: 10}), diverged},
		{"delete not applied yet", base, ep(diff{have: true, gone: true, version: 101, rankC: 2}), stale},
		{"missing deep in the window", base, ep(diff{want: true, version: 50, rankT: 3}), diverged},
		{"missing at the edge, newer episodes unapplied", base, ep(diff{want: true, version: 50, rankT: 9}), stale},
		{"missing exactly shift from the edge", base, ep(diff{want: true, version: 50, rankT: 8}), stale},
		{"missing one deeper than shift", base, ep(diff{want: true, version: 50, rankT: 7}), diverged},
		{"cached, ranked out by unapplied changes", base, ep(diff{have: true, version: 50, rankC: 10}), stale},
		{"cached, should have been ranked out long ago", base, ep(diff{have: true, version: 50, rankC: 4}), diverged},
		{"membership while pruning hides the shift", pruned, ep(diff{want: true, version: 50, rankT: 1}), stale},
		{"unbounded window: missing", unbounded, ep(diff{want: true, version: 50}), diverged},
		{"unbounded window: missing, not applied yet", unbounded, ep(diff{want: true, version: 150}), stale},
		{"pattern missing", base, pat(diff{want: true, version: 40}), diverged},
		{"pattern lost delete", base, pat(diff{have: true, gone: true, version: 40}), diverged},
		{"pattern new, unapplied", base, pat(diff{want: true, version: 140}), stale},
		{"embedding data differs", base, emb(diff{want: true, have: true, version: 30}, &diff{entity: protocol.EntityEpisode, rankT: 1, rankC: 1}), diverged},
		{"embedding missing, owner in both windows", base, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityEpisode, version: 20, rankT: 9, rankC: 9}), diverged},
		{"embedding missing, owner entering at the edge", base, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityEpisode, version: 20, rankT: 10}), stale},
		{"embedding missing, owner deep in Turso's window only", base, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityEpisode, version: 20, rankT: 2}), diverged},
		{"embedding cached, owner just changed", base, emb(diff{have: true, version: 30}, &diff{entity: protocol.EntityEpisode, version: 130, rankC: 2}), stale},
		{"embedding cached, owner deleted long ago", base, emb(diff{have: true, version: 30}, &diff{entity: protocol.EntityEpisode, gone: true, version: 60, rankC: 2}), diverged},
		{"embedding cached, itself deleted (applied)", base, emb(diff{have: true, gone: true, version: 95}, &diff{entity: protocol.EntityEpisode, rankC: 2}), diverged},
		{"embedding cached, itself deleted (unapplied)", base, emb(diff{have: true, gone: true, version: 105}, &diff{entity: protocol.EntityEpisode, rankC: 2}), stale},
		{"embedding of a pattern missing", base, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityPattern, version: 10}), diverged},
		{"embedding with unknown owner", base, emb(diff{have: true, version: 30}, nil), diverged},
		{"cached at the edge, no episode changed since", quiet, ep(diff{have: true, version: 50, rankC: 10}), diverged},
		{"in neither window, more changed than the window holds", crowded, ep(diff{have: true, version: 50}), diverged},
		{"embedding missing, owner in both windows, owner's history pruned", pruned, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityEpisode, rankT: 2, rankC: 2}), stale},
		{"embedding missing, owner entering while pruning hides the shift", pruned, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityEpisode, version: 20, rankT: 2}), stale},
		{"embedding missing, owner in neither window, log pruned", pruned, emb(diff{want: true, version: 30}, &diff{entity: protocol.EntityEpisode, version: 20}), diverged},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.classify(tc.d); got != tc.want {
				t.Fatalf("classify(%+v) under %+v = %v, want %v", *tc.d, tc.f, got, tc.want)
			}
		})
	}
}
