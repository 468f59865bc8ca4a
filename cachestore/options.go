package cachestore

// DefaultMaxEpisodes is the default episode window.
const DefaultMaxEpisodes = 1000

// Options configure a Store. A nil *Options means DefaultOptions().
type Options struct {
	// MaxEpisodes bounds the cached episodes; 0 means unbounded.
	MaxEpisodes int
	// NoPatterns disables caching patterns (and so their embeddings).
	NoPatterns bool
	// NoEmbeddings disables caching embeddings.
	NoEmbeddings bool
	// UseStored opens an existing cache with the options it was built with
	// (read-only tools: validate, status) instead of refusing a mismatch.
	UseStored bool
	// SkipVerify skips the integrity scan on Open (every block is read, so
	// checksum errors surface as ErrCorrupt before the cache serves reads).
	SkipVerify bool
}

// DefaultOptions returns the defaults: 1000 episodes, patterns and embeddings on.
func DefaultOptions() *Options { return &Options{MaxEpisodes: DefaultMaxEpisodes} }

// config is what a cache was built with; it is persisted and checked on Open.
type config struct {
	Format       int  `json:"format"`
	MaxEpisodes  int  `json:"max_episodes"`
	NoPatterns   bool `json:"no_patterns"`
	NoEmbeddings bool `json:"no_embeddings"`
}

const layoutFormat = 1

func (o *Options) config() config {
	return config{Format: layoutFormat, MaxEpisodes: o.MaxEpisodes, NoPatterns: o.NoPatterns, NoEmbeddings: o.NoEmbeddings}
}
