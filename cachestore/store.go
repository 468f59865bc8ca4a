package cachestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// Store is an open cache directory.
type Store struct {
	dir   string
	db    *pebble.DB
	lock  *pebble.Lock // the directory lock, released after db closes
	opts  Options
	mu    sync.RWMutex // guards state
	state State
	scan  atomic.Pointer[ScanStats] // what the last integrity scan read (Open's, or Verify's)
	// gate admits every read (View) and write for its whole duration until
	// Close, which waits for those in flight: anything after it gets
	// ErrClosed, never a closed Pebble.
	gate gate
	// owners: which owners may have owner-index entries (keyfilter.go);
	// nil for a read-only store, which never applies.
	owners *keyFilter
	// catalog: which catalog keys may exist (keyfilter.go); nil when
	// read-only.
	catalog *keyFilter
}

const ownerFile = "MEMSYNC-OWNER"

// Open opens (creating if needed) the cache in dir.
func Open(dir string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = DefaultOptions()
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	// Pebble's default reaction to on-disk corruption is Logger.Fatalf; a
	// cache must instead report ErrCorrupt so the worker can rebuild it.
	db, lock, err := openPebble(dir, opts)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, db: db, lock: lock, opts: *opts}
	if err := s.load(); err != nil {
		s.closePebble()
		return nil, err
	}
	if !opts.SkipVerify {
		if err := s.verify(context.Background()); err != nil {
			s.closePebble()
			return nil, err
		}
	}
	if !opts.ReadOnly {
		if err := s.openFilters(); err != nil {
			s.closePebble()
			return nil, err
		}
		writeOwner(dir)
	}
	return s, nil
}

// acquire enters the gate for one read; release leaves it.
func (s *Store) acquire() (release func(), err error) {
	if !s.gate.enter() {
		return nil, ErrClosed
	}
	return s.gate.leave, nil
}

// acquireWrite enters the gate for one write.
func (s *Store) acquireWrite() (release func(), err error) {
	if s.opts.ReadOnly {
		return nil, ErrReadOnly
	}
	return s.acquire()
}

func writeOwner(dir string) {
	host, _ := os.Hostname()
	exe := filepath.Base(os.Args[0])
	_ = os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "pid %d on %s (%s)\n", os.Getpid(), host, exe), 0o644)
}

func readOwner(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return "an unknown process"
	}
	return strings.TrimSpace(string(b))
}

func (s *Store) load() error {
	if err := s.checkConfig(); err != nil {
		return err
	}
	b, err := s.get(metaKey("state"))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.state, err = decodeState(b); err != nil {
		return err
	}
	s.state.Known, err = countKnown(s.db)
	return err
}

func (s *Store) checkConfig() error {
	want := s.opts.config()
	b, err := s.get(metaKey("config"))
	if errors.Is(err, ErrNotFound) && s.opts.ReadOnly {
		return nil
	}
	if errors.Is(err, ErrNotFound) {
		enc, _ := json.Marshal(want)
		return s.wrap(s.db.Set(metaKey("config"), enc, pebble.Sync))
	}
	if err != nil {
		return err
	}
	var have config
	if err := json.Unmarshal(b, &have); err != nil {
		return fmt.Errorf("%w: config: %v", ErrCorrupt, err)
	}
	if have != want && (s.opts.UseStored || s.opts.ReadOnly) {
		s.opts.MaxEpisodes, s.opts.NoPatterns, s.opts.NoEmbeddings = have.MaxEpisodes, have.NoPatterns, have.NoEmbeddings
		return nil
	}
	if have != want {
		return fmt.Errorf("%w: %s was built with %+v, opened with %+v; run `memsync rebuild`", ErrConfigChanged, s.dir, have, want)
	}
	return nil
}

// get reads one key outside any view (Open's own reads).
func (s *Store) get(key []byte) ([]byte, error) {
	return getFrom(s.db, key)
}

type getter interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

func getFrom(g getter, key []byte) ([]byte, error) {
	v, closer, err := g.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, wrapErr(err)
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, nil
}

func (s *Store) wrap(err error) error { return wrapErr(err) }

// wrapErr marks Pebble corruption with ErrCorrupt so callers can route it to
// a rebuild with errors.Is.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	if pebble.IsCorruptionError(err) || errors.Is(err, pebble.ErrCorruption) {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}

// Dir is the cache directory.
func (s *Store) Dir() string { return s.dir }

// Options returns the options the store was opened with.
func (s *Store) Options() Options { return s.opts }

// State returns the durable progress as of the last committed batch.
func (s *Store) State() State {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.state
}

// Close waits for in-flight reads and writes, then releases the
// directory; a second Close returns ErrClosed.
func (s *Store) Close() error {
	if !s.gate.close() {
		return ErrClosed
	}
	if !s.opts.ReadOnly {
		_ = os.Remove(filepath.Join(s.dir, ownerFile))
	}
	return s.closePebble()
}

func (s *Store) closePebble() error {
	err := wrapErr(s.db.Close())
	s.lock.Close()
	return err
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
