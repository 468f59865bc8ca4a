package cachestore

import (
	"fmt"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// One batch that takes the known episodes far past the window and the
// reserve forgets the least recent ones, and only those, in one walk
// (horizon.go forgetFar): the known ones are exactly the window plus the
// reserve, most recent first. Fails if the walk skips a key.
func TestForgetFarForgetsTheLeastRecentInOneBatch(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 2, Reserve: 3, GCBudget: 100})
	src := &scanningLog{latestLog: latestLog{}}
	var batch []Change
	for i := range 12 {
		c := episode(fmt.Sprintf("e%02d", i), uint64(i+1), int64(100+i)) // e11 is the most recent
		c.Listed = true
		src.record(c)
		batch = append(batch, c)
	}
	applyCP(t, s, src, 1, 12, batch...)
	applyCP(t, s, src, 2, 12) // an idle pass: the collector's budget
	var known []string
	if err := s.ScanCatalog(protocol.EntityEpisode, func(it Item) error {
		if !it.Deleted {
			known = append(known, it.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"e07", "e08", "e09", "e10", "e11"}; fmt.Sprint(known) != fmt.Sprint(want) {
		t.Fatalf("known episodes %v, want the 5 most recent %v", known, want)
	}
}
