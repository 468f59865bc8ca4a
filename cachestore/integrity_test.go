package cachestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Verify is the integrity scan of an open store (the supervisor opens with
// SkipVerify and verifies while the worker runs): damage that Open without
// the scan does not see is ErrCorrupt, a cancelled scan is the context's
// error (not damage), a closed store ErrClosed.
func TestVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	s, err := Open(dir, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cs []Change
	for i := range 300 {
		cs = append(cs, episode(fmt.Sprintf("ep-%03d", i), uint64(i+1), int64(i)))
	}
	apply(t, s, nil, 300, cs...)
	if err := s.Verify(t.Context()); err != nil {
		t.Fatalf("healthy cache: %v", err)
	}
	if st := s.IntegrityScan(); st.Keys < 300 || st.Bytes == 0 {
		t.Fatalf("scan of 300 episodes read %+v", st)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Verify(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("cancelled scan: %v, want context.Canceled and no ErrCorrupt", err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Verify(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed store: %v, want ErrClosed", err)
	}

	flipDataBlock(t, dir)
	s, err = Open(dir, &Options{SkipVerify: true})
	if err != nil {
		t.Fatalf("open without the scan should not read the damaged block: %v", err)
	}
	err = s.Verify(t.Context())
	s.Close()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged cache: Verify %v, want ErrCorrupt", err)
	}
	if s2, err := Open(dir, &Options{}); !errors.Is(err, ErrCorrupt) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("damaged cache: Open with the scan %v, want ErrCorrupt", err)
	}
}

// flipDataBlock damages a data block a third into the largest sstable:
// the episodes' bodies (data blocks come first, in key order: the catalog,
// which Open reads to fill its key filter, then the bodies; Open reads
// only the footer, the index, the filter and the catalog, owner and sort
// keys).
func flipDataBlock(t *testing.T, dir string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(m) == 0 {
		t.Fatal("no sstable after a flush")
	}
	var f string
	var size int64
	for _, p := range m {
		if st, _ := os.Stat(p); st.Size() > size {
			f, size = p, st.Size()
		}
	}
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 3; i < len(b)/3+64; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
