package retrieval

import "sync"

// Index is the in-memory retrieval index of the cached episodes, patterns
// and embeddings. It is safe for concurrent use (see doc.go).
type Index struct {
	mu      sync.RWMutex
	opts    Options
	docs    docTable
	inv     inverted
	vecs    vectorStore
	skipped map[Ref]struct{} // entities whose data is cached but not searchable
}

// New returns an empty index; nil opts means DefaultOptions.
func New(opts *Options) *Index {
	return &Index{opts: *opts.EnsureDefaults(), skipped: map[Ref]struct{}{}}
}
