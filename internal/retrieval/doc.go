// Package retrieval owns the in-memory retrieval indexes of the cache
// process: a keyword index (BM25), an exact vector index (cosine) and their
// hybrid fusion, with filters. The cache feeds it every committed batch
// (Apply) and answers searches from it (Search); the rows themselves stay
// in the cache, hits name them by kind and id.
//
// # Lifecycle
//
// New returns an empty index. The cache applies its initial contents (or
// a rebuild) and then every committed batch, in commit order, as
// Mutations: the protocol row JSON exactly as stored, nil data for an
// entity that left. Entities are keyed by (Mutation.Kind, Mutation.ID), the
// cache key, and hits name them so; the index keeps no reference to the
// Data slices after Apply returns. Rows are decoded by a strict,
// allocation-free reader of the protocol.MarshalRow layout, which hands
// anything unusual (case-folded or escaped keys, ...) to the protocol
// package's decoder: encoding/json is the arbiter, and a fuzz test checks
// that the two never read a row differently.
//
// Apply never fails a batch: data that does not decode, or an embedding
// whose vector is zero, NaN or infinite, removes the entity from the index
// and is counted in Stats.Skipped (a gauge; a later good upsert or a
// delete clears it). Archived episodes are indexed like any other. The
// index holds no goroutines and needs no Close.
//
// # Keyword search
//
// Documents are episodes and patterns. Episode text: task_description,
// the string fields of each step of the steps JSON (action, tool: object
// members at depth <= 2, not the nested parameters and results), outcome,
// reflection, domain, task_type, language. Pattern text: pattern_type,
// pattern_data, context_domain, context_language, context_tags. A JSON
// column contributes its string values; a column that is not valid JSON
// contributes its raw text.
//
// The tokenizer lower-cases, splits on every rune that is not a Unicode
// letter or digit, keeps tokens of two runes or more, drops ~55 English
// function words and strips a trailing plural ("tests" -> "test",
// "retries" -> "retry"; words ending in ss, us, is are kept). There is no
// stemmer: agent memories are full of identifiers, tool names and error
// strings that a stemmer would conflate, while the plural rule, applied to
// text and query alike, catches the most common mismatch ("test" vs
// "tests", "error" vs "errors") at no cost.
//
// Scoring is BM25 with k1 = 1.2, b = 0.75 and the non-negative idf
// ln(1 + (N - df + 0.5) / (df + 0.5)); N, df and the average document length
// are over all indexed documents (both kinds), filters do not change them.
// Query terms are deduplicated; a term the index does not hold contributes
// nothing, and a query none of whose terms match returns no keyword hits.
//
// # Vector search
//
// Embeddings are grouped by (model, dimension); each group is one
// contiguous []float32 of unit-normalized vectors, so cosine is a dot
// product, computed exactly (brute force) over every admitted embedding.
// A query vector is compared only with groups of its dimension (and model,
// when Query.Model is set); if there is none the error is a
// *DimensionError (ErrDimension) naming the groups held. Hits are owners:
// an owner's score is the maximum over its embeddings. Index.Vector returns
// an owner's first embedding (by embedding id) as stored, unit-normalized. An embedding whose
// owner row is not (yet) indexed is still a hit (the caller fetches the
// row), but it has no metadata, so any metadata filter excludes it.
//
// # Filters
//
// Filters apply before ranking: a filtered-out entity never takes a top-k
// slot. Domain (episode domain / pattern context_domain), TaskType
// (episodes only: patterns never match one), Language (episode language /
// pattern context_language) match exactly; Since keeps episodes with
// start_time >= Since and patterns with updated_at >= Since. Kind keeps
// one kind; Exclude drops one entity.
//
// # Hybrid score (user-facing: --explain prints these components)
//
// Each list the query has input for (keyword when it has text, vector when
// it has a vector) is ranked to C = max(10*limit, 100) candidates under the
// same filters, and the union is scored:
//
//	relevance = sum over the lists of 1/(60 + rank)  /  (L/(60 + 1))
//	recency   = 0.5 ^ (age / 7 days)       age = now - start_time (episodes)
//	                                            or now - updated_at (patterns), >= 0
//	reward    = episode reward JSON "total" (or a bare number), pattern
//	            success_rate; clamped to [0,1], missing = 0
//	context   = fraction of the query's distinct tokens found in the
//	            document's context fields (episodes: domain, task_type,
//	            language, the context JSON; patterns: context_domain,
//	            context_language, context_tags)
//	score     = 0.5*relevance + 0.25*recency + 0.15*reward + 0.10*context
//
// rank is 1-based within a list; a candidate absent from a list gets
// nothing from it. L is the number of lists the query ran (1 or 2), so
// relevance is 1 for the top of every list and always in [0,1]; with two
// lists the normalizer is 2/61. An owner without an indexed row has
// recency, reward and context 0. The weights, the half-life, the RRF
// constant and BM25's k1 and b are Options. Keyword mode scores by BM25
// alone, vector mode by cosine alone. Every mode sorts by score
// descending, ties by kind then id ascending: results are deterministic.
//
// # Concurrency
//
// Index is safe for concurrent use. Search, Vector, Dimensions and Stats
// take the read lock; Apply decodes and tokenizes its batch first, without
// any lock, then takes the write lock once for the whole batch. Searches
// never see half a batch.
//
// # Memory
//
// Every (term, document) pair costs 16 bytes (an 8-byte posting, an 8-byte
// back reference for O(1) removal); every embedding 4 bytes per dimension
// plus ~60 bytes; every entity ~130 bytes plus its id and context set.
// Stats.ApproxBytes adds these up from slice capacities and estimated map
// entries. A document indexes at most 65535 distinct terms; term
// frequencies saturate at 65535.
package retrieval
