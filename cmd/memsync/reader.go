package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/retrieval"
	"github.com/memsync/memsync/internal/serve"
)

// readFlags are the flags of the read commands (get, recent, search, mcp):
// which cache to read and how to reach the process serving it.
type readFlags struct {
	cacheLocation
	socket   string
	endpoint endpointFlags
}

func (r *readFlags) register(cl *commandLine) {
	r.cacheLocation.register(cl, "worker whose cache to read; its cache is <data-dir>/cache/<NAME> unless --cache")
	cl.fs.StringVar(&r.socket, "socket", "", "unix socket of the serving worker (default: found through <data-dir>/serve)")
	r.endpoint.register(cl, endpointHelp{
		addr:      "reach the serving worker on this TCP address instead of its socket",
		token:     "bearer token for --serve-addr (env MEMSYNC_SERVE_TOKEN; never logged)",
		tokenFile: "file holding the bearer token for --serve-addr",
	})
}

func (r *readFlags) check() error { return r.endpoint.loadToken() }

// reader returns the read API of the cache: the running worker's endpoint
// when a process serves it, otherwise the cache itself opened read-only
// (its retrieval index built in memory when withIndex). close releases it.
func (r *readFlags) reader(withIndex bool) (svc query.Service, closeFn func(), err error) {
	return r.readerWith(func() (query.Service, func(), error) { return r.openLocal(withIndex) })
}

// readerWith is reader with the read-only open given.
func (r *readFlags) readerWith(openLocal func() (query.Service, func(), error)) (svc query.Service, closeFn func(), err error) {
	if r.endpoint.addr != "" || r.socket != "" {
		return dialed(serve.Dial(r.socket, &serve.ClientOptions{Addr: r.endpoint.addr, Token: r.endpoint.token}))
	}
	info, err := serve.Discover(*r.dataDir, r.worker)
	if err == nil {
		return dialed(serve.Dial(info.Socket, nil))
	}
	if !errors.Is(err, serve.ErrNoServer) && !errors.Is(err, serve.ErrStale) {
		return nil, nil, err
	}
	svc, closeFn, err = openLocal()
	// A worker that is starting holds the cache before it serves it.
	for deadline := time.Now().Add(unavailableWait); errors.Is(err, cachestore.ErrLocked) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		if info, derr := serve.Discover(*r.dataDir, r.worker); derr == nil {
			return dialed(serve.Dial(info.Socket, nil))
		}
		svc, closeFn, err = openLocal()
	}
	if errors.Is(err, cachestore.ErrLocked) {
		err = fmt.Errorf("%w; that process does not serve reads (was it started with --no-serve?)", err)
	}
	return svc, closeFn, err
}

// cacheOrWorker checks, without holding the cache, that there is something
// to read: a worker endpoint given or found, or a cache directory.
func (r *readFlags) cacheOrWorker() error {
	if r.endpoint.addr != "" || r.socket != "" {
		return nil
	}
	if _, err := serve.Discover(*r.dataDir, r.worker); err == nil {
		return nil
	}
	if _, err := os.Stat(r.path()); err != nil {
		return r.noCache()
	}
	return nil
}

// noCache is the error of a read with nothing to read.
func (r *readFlags) noCache() error {
	return fmt.Errorf("no cache at %s and no worker serving it (start `memsync run` first)", r.path())
}

// dialed is the read API of a serving worker.
func dialed(cl *serve.Client) (query.Service, func(), error) {
	return cl, func() { cl.Close() }, nil
}

// openLocal opens the cache read-only for one command.
func (r *readFlags) openLocal(withIndex bool) (query.Service, func(), error) {
	dir := r.path()
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, r.noCache()
	}
	opts := cachestore.Options{ReadOnly: true, SkipVerify: true}
	var cache *query.Cache
	var err error
	if withIndex {
		cache, err = query.OpenIndexed(dir, opts)
	} else {
		var store *cachestore.Store
		if store, err = cachestore.Open(dir, &opts); err == nil {
			cache = &query.Cache{Store: store, Index: retrieval.New(nil)}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	local := query.NewLocal(&query.LocalOptions{Worker: r.worker})
	local.Attach(cache)
	return local, func() { local.Detach(); cache.Close() }, nil
}

// readExit maps a read error to the CLI's exit codes: 1 for an id that is
// not in the cache, 2 for everything else (bad input, no cache, ...).
func readExit(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, query.ErrNotFound) {
		return &exitError{exitFailure, err}
	}
	return usageError(err)
}

// withReader runs fn against the cache's read API.
func (r *readFlags) withReader(ctx context.Context, withIndex bool, fn func(query.Service) error) error {
	svc, closeFn, err := r.reader(withIndex)
	if err != nil {
		return readExit(err)
	}
	defer closeFn()
	// A worker that is starting or swapping its cache answers "being
	// replaced": wait for it a little rather than fail the agent's read.
	deadline := time.Now().Add(unavailableWait)
	for {
		err = fn(svc)
		if !errors.Is(err, query.ErrUnavailable) || time.Now().After(deadline) {
			return readExit(err)
		}
		select {
		case <-ctx.Done():
			return readExit(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// unavailableWait bounds how long a read command waits for a worker that
// is opening or replacing its cache.
const unavailableWait = 10 * time.Second
