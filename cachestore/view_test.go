package cachestore

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/protocol"
)

// Reads after Close fail with ErrClosed; they never reach a closed Pebble.
func TestReadsAfterCloseFail(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, nil, 1, episode("a", 1, 10))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{}
	_, _, checks["Episode"] = s.Episode("a")
	_, checks["RecentEpisodes"] = s.RecentEpisodes(10)
	_, checks["Counts"] = s.Counts()
	checks["View"] = s.View(func(*View) error { return nil })
	_, checks["Apply"] = s.Apply(t.Context(), Batch{Changes: []Change{episode("b", 2, 11)}, Position: 2}, nil)
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// Close waits for in-flight views; views racing with Close either complete
// or get ErrClosed, never a panic from a closed Pebble.
func TestCloseWaitsForReaders(t *testing.T) {
	s, err := Open(t.TempDir(), &Options{MaxEpisodes: 20})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		apply(t, s, nil, uint64(i+1), episode(fmt.Sprint("e", i), uint64(i+1), int64(i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for {
				eps, err := s.RecentEpisodes(20)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				if len(eps) != 20 {
					errs <- fmt.Errorf("short list: %d episodes", len(eps))
					return
				}
			}
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A read-only store serves reads, refuses writes and leaves no owner file.
func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, &Options{ReadOnly: true}); !errors.Is(err, ErrNoCache) {
		t.Fatalf("read-only open of an empty dir: %v, want ErrNoCache", err)
	}
	s, err := Open(dir, &Options{MaxEpisodes: 5})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, nil, 1, episode("a", 1, 10))
	s.Close()
	ro, err := Open(dir, &Options{ReadOnly: true, MaxEpisodes: 99})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ro.Options().MaxEpisodes != 5 {
		t.Fatalf("read-only store uses %d, want the stored 5", ro.Options().MaxEpisodes)
	}
	if _, _, err := ro.Episode("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Apply(t.Context(), Batch{Changes: []Change{episode("b", 2, 11)}, Position: 2}, nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Apply on read-only: %v", err)
	}
	if err := ro.Touch(time.Now()); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Touch on read-only: %v", err)
	}
}

// OnCommit reports exactly the data changes: a mirror built only from the
// reported changes equals the cache's data after random batches (the
// retrieval index follows the cache this way).
func TestOnCommitMirrorsData(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (replay with -seed=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, 1))
	mirror := map[string]string{}
	s := open(t, &Options{MaxEpisodes: 8, OnCommit: func(cs []DataChange) {
		for _, c := range cs {
			k := string(c.Entity) + "/" + c.ID
			if c.Data == nil {
				delete(mirror, k)
			} else {
				mirror[k] = string(c.Data)
			}
		}
	}})
	src := latestLog{}
	v := uint64(0)
	for b := range 200 {
		var cs []Change
		for range 1 + r.IntN(6) {
			v++
			id := fmt.Sprint("e", r.IntN(30))
			var c Change
			switch x := r.IntN(10); {
			case x < 2:
				c = del(protocol.EntityEpisode, id, v)
			case x < 4:
				c = embedding("m"+id[1:], v, protocol.EntityEpisode, id)
			default:
				c = episode(id, v, int64(r.IntN(100)))
			}
			src.record(c)
			cs = append(cs, c)
		}
		apply(t, s, src, uint64(b+1), cs...)
	}
	got := map[string]string{}
	err := s.View(func(v *View) error {
		for _, e := range []protocol.Entity{protocol.EntityEpisode, protocol.EntityPattern, protocol.EntityEmbedding} {
			if err := v.ScanData(e, func(id string, data []byte) error {
				got[string(e)+"/"+id] = string(data)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, mirror) {
		t.Fatalf("mirror from OnCommit (%d entities) differs from the cache (%d)", len(mirror), len(got))
	}
}

// A worker waits LockWait for a directory a read command holds briefly;
// without LockWait the lock error is immediate.
func TestLockWait(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, &Options{MaxEpisodes: DefaultMaxEpisodes}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open without LockWait: %v, want ErrLocked", err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.Close()
		close(released)
	}()
	s2, err := Open(dir, &Options{MaxEpisodes: DefaultMaxEpisodes, LockWait: time.Minute})
	if err != nil {
		t.Fatalf("open with LockWait while the holder lets go: %v", err)
	}
	<-released
	s2.Close()
}

func TestSortKeyStartTimeRoundTrip(t *testing.T) {
	for _, start := range []int64{0, 1, -1, 1767225600, -1 << 62, 1<<63 - 1, -1 << 63} {
		if got := startFromSortKey(sortKey(start, "id")); got != start {
			t.Errorf("start %d decoded as %d", start, got)
		}
	}
}

// A read nested inside another read's callback (validation calls IsCached
// inside ScanCatalog) does not deadlock behind a Close that waits for the
// outer one: the inner read gets ErrClosed or completes.
func TestNestedReadDuringClose(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, nil, 1, episode("a", 1, 10))
	closing := make(chan error, 1)
	err = s.ScanCatalog(protocol.EntityEpisode, func(Item) error {
		go func() { closing <- s.Close() }()
		time.Sleep(50 * time.Millisecond) // let Close start waiting
		inner := make(chan error, 1)
		go func() { _, err := s.IsCached(protocol.EntityEpisode, "a"); inner <- err }()
		select {
		case err := <-inner:
			if err != nil && !errors.Is(err, ErrClosed) {
				return err
			}
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("the nested read blocked behind Close: deadlock")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closing:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close never returned: the nested read deadlocked")
	}
}
