package validate

import "github.com/memsync/memsync/internal/turso"

// KindReport compares one entity kind.
type KindReport struct {
	Turso      int `json:"turso"`
	Cache      int `json:"cache"`
	Expected   int `json:"expected"`
	Mismatched int `json:"mismatched"`
}

// UnsyncableReport counts the Turso rows no cache can hold (malformed, an id
// too long, too large for one message). They are parked by the changefeed,
// left out of every window, and are not differences.
type UnsyncableReport struct {
	Count int                `json:"count"`
	Rows  []turso.Unsyncable `json:"rows"` // the first few, with the reason
}

// Report is the result of a validation (the `validate --json` output).
type Report struct {
	Consistent       bool             `json:"consistent"`
	Stale            int              `json:"stale"`
	Diverged         int              `json:"diverged"`
	Episodes         KindReport       `json:"episodes"`
	Patterns         KindReport       `json:"patterns"`
	Embeddings       KindReport       `json:"embeddings"`
	MissingLatest    []string         `json:"missing_latest"`
	OrphanEmbeddings int              `json:"orphan_embeddings"`
	MalformedRows    int              `json:"malformed_rows"`
	Unsyncable       UnsyncableReport `json:"unsyncable"`
	AppliedVersion   uint64           `json:"applied_version"`
	TursoHeadVersion uint64           `json:"turso_head_version"`
	Examples         []string         `json:"examples,omitempty"`
}

const maxListed = 20

func (r *Report) example(s string) {
	if len(r.Examples) < maxListed {
		r.Examples = append(r.Examples, s)
	}
}

func (r *Report) unsyncable(u turso.Unsyncable) {
	r.Unsyncable.Count++
	if len(r.Unsyncable.Rows) < maxListed {
		r.Unsyncable.Rows = append(r.Unsyncable.Rows, u)
	}
}
