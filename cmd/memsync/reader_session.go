package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/serve"
)

// sessionReader is the read API of a long session (mcp): every call finds
// its reader again, as a read command does. It goes through the worker that
// serves the cache when one does, and otherwise opens the cache read-only
// for that call alone (query.Reopener: INVARIANT 7.5), keeping the
// retrieval index it built while the cache is unchanged. A worker that
// starts or stops during the session is found at the next call.
type sessionReader struct {
	flags  *readFlags
	reopen *query.Reopener
}

func newSessionReader(flags *readFlags) sessionReader {
	return sessionReader{flags: flags, reopen: query.NewReopener(flags.path(), cachestore.Options{SkipVerify: true})}
}

// within runs fn against this call's reader; on the cache opened read-only
// the index is built (or kept) only for the calls that need it (search,
// patterns, status). A worker that is swapping its cache, or that stopped
// after it was found, is waited for as a read command waits
// (unavailableWait), finding the reader again each time.
func within[R any](ctx context.Context, s sessionReader, withIndex bool, fn func(query.Service) (*R, error)) (*R, error) {
	deadline := time.Now().Add(unavailableWait)
	for {
		var resp *R
		err := s.once(withIndex, func(svc query.Service) (err error) {
			resp, err = fn(svc)
			return err
		})
		if !errors.Is(err, query.ErrUnavailable) && !errors.Is(err, serve.ErrNoServer) || time.Now().After(deadline) {
			return resp, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// once is one attempt of within.
func (s sessionReader) once(withIndex bool, fn func(query.Service) error) error {
	svc, closeFn, err := s.flags.readerWith(func() (query.Service, func(), error) { return s.openLocal(withIndex) })
	if err != nil {
		return err
	}
	defer closeFn()
	return fn(svc)
}

// openLocal opens the cache read-only for one call.
func (s sessionReader) openLocal(withIndex bool) (query.Service, func(), error) {
	if _, err := os.Stat(s.flags.path()); err != nil {
		return nil, nil, s.flags.noCache()
	}
	cache, err := s.reopen.Open(withIndex)
	if err != nil {
		return nil, nil, err
	}
	local := query.NewLocal(&query.LocalOptions{Worker: s.flags.worker})
	local.Attach(cache)
	return local, func() { local.Detach(); cache.Close() }, nil
}

func (s sessionReader) Get(ctx context.Context, r query.GetRequest) (*query.GetResponse, error) {
	return within(ctx, s, false, func(svc query.Service) (*query.GetResponse, error) { return svc.Get(ctx, r) })
}

func (s sessionReader) Recent(ctx context.Context, r query.RecentRequest) (*query.RecentResponse, error) {
	return within(ctx, s, false, func(svc query.Service) (*query.RecentResponse, error) { return svc.Recent(ctx, r) })
}

func (s sessionReader) Search(ctx context.Context, r query.SearchRequest) (*query.SearchResponse, error) {
	return within(ctx, s, true, func(svc query.Service) (*query.SearchResponse, error) { return svc.Search(ctx, r) })
}

func (s sessionReader) Patterns(ctx context.Context, r query.PatternsRequest) (*query.PatternsResponse, error) {
	return within(ctx, s, true, func(svc query.Service) (*query.PatternsResponse, error) { return svc.Patterns(ctx, r) })
}

func (s sessionReader) Embeddings(ctx context.Context, r query.EmbeddingsRequest) (*query.EmbeddingsResponse, error) {
	return within(ctx, s, false, func(svc query.Service) (*query.EmbeddingsResponse, error) { return svc.Embeddings(ctx, r) })
}

func (s sessionReader) Status(ctx context.Context) (*query.StatusResponse, error) {
	return within(ctx, s, true, func(svc query.Service) (*query.StatusResponse, error) { return svc.Status(ctx) })
}
