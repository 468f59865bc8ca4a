package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/memsync/memsync/cachestore"
)

// cacheLocation says which cache a command uses: --worker names it,
// <data-dir>/cache/<worker> unless --cache gives the directory.
type cacheLocation struct {
	worker  string
	dir     string
	dataDir *string
}

// register registers --worker (with the command's help for it) and --cache.
func (l *cacheLocation) register(cl *commandLine, workerHelp string) {
	l.dataDir = &cl.dataDir
	cl.fs.StringVar(&l.worker, "worker", "default", workerHelp)
	cl.fs.StringVar(&l.dir, "cache", "", "cache directory (default <data-dir>/cache/<worker>)")
}

// path is the cache directory.
func (l *cacheLocation) path() string {
	if l.dir != "" {
		return l.dir
	}
	return filepath.Join(*l.dataDir, "cache", l.worker)
}

// cacheFlags are the cache a command writes or inspects and what it holds:
// its location, --max-episodes, --no-patterns, --no-embeddings.
type cacheFlags struct {
	cacheLocation
	maxEpisodes  int
	noPatterns   bool
	noEmbeddings bool
}

func (c *cacheFlags) register(cl *commandLine) {
	c.cacheLocation.register(cl, "worker identity; its cache is <data-dir>/cache/<NAME> unless --cache")
	cl.fs.IntVar(&c.maxEpisodes, "max-episodes", 1000, "episodes kept in the cache, most recent first (0 = unbounded)")
	cl.fs.BoolVar(&c.noPatterns, "no-patterns", false, "do not cache patterns")
	cl.fs.BoolVar(&c.noEmbeddings, "no-embeddings", false, "do not cache embeddings")
}

func (c *cacheFlags) check() error {
	if c.maxEpisodes < 0 {
		return fmt.Errorf("--max-episodes %d: must be >= 0", c.maxEpisodes)
	}
	return nil
}

// storeOptions are the options of a cache this command writes; it waits a
// moment for a read command that holds the cache briefly.
func (c *cacheFlags) storeOptions() *cachestore.Options {
	return &cachestore.Options{MaxEpisodes: c.maxEpisodes, NoPatterns: c.noPatterns, NoEmbeddings: c.noEmbeddings, LockWait: lockWait}
}

// lockWait covers a read command's read-only open (milliseconds, seconds
// for a search that builds the index of a large cache).
const lockWait = 5 * time.Second

// open opens the cache for writing, creating it.
func (c *cacheFlags) open() (*cachestore.Store, error) {
	dir := c.path()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	return cachestore.Open(dir, c.storeOptions())
}

// openExisting opens an existing cache without creating one, checked
// against the options it was built with (status, validate).
func (c *cacheFlags) openExisting() (*cachestore.Store, error) {
	dir := c.path()
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("no cache at %s (run `memsync run` or `memsync worker` first)", dir)
	}
	o := c.storeOptions()
	o.UseStored = true // check the cache against the options it was built with
	// Skip the full integrity scan: status should be cheap, and validation
	// reads every entry anyway (a checksum error surfaces as ErrCorrupt).
	o.SkipVerify = true
	o.LockWait = 0 // a worker holds it for good: say so at once
	return cachestore.Open(dir, o)
}
