package validate

// KindReport compares one entity kind.
type KindReport struct {
	Turso      int `json:"turso"`
	Cache      int `json:"cache"`
	Expected   int `json:"expected"`
	Mismatched int `json:"mismatched"`
}

// Report is the result of a validation (the `validate --json` output).
type Report struct {
	Consistent       bool       `json:"consistent"`
	Stale            int        `json:"stale"`
	Diverged         int        `json:"diverged"`
	Episodes         KindReport `json:"episodes"`
	Patterns         KindReport `json:"patterns"`
	Embeddings       KindReport `json:"embeddings"`
	MissingLatest    []string   `json:"missing_latest"`
	OrphanEmbeddings int        `json:"orphan_embeddings"`
	MalformedRows    int        `json:"malformed_rows"`
	AppliedVersion   uint64     `json:"applied_version"`
	TursoHeadVersion uint64     `json:"turso_head_version"`
	Examples         []string   `json:"examples,omitempty"`
}

const maxListed = 20

func (r *Report) example(s string) {
	if len(r.Examples) < maxListed {
		r.Examples = append(r.Examples, s)
	}
}
