package retrieval

import (
	"fmt"
	"time"

	"github.com/memsync/memsync/protocol"
)

// plan is a validated Query.
type plan struct {
	mode   Mode
	kind   kind // 0 = both
	limit  int
	terms  []string  // distinct query tokens (keyword list, context overlap)
	vec    []float32 // unit query vector
	hashes []uint64  // hashes of terms (context overlap)
	now    time.Time
}

// planQuery validates q: kind, limit, mode, then the inputs the mode needs.
func planQuery(q *Query) (*plan, error) {
	p := &plan{now: q.Now}
	if p.now.IsZero() {
		p.now = time.Now()
	}
	if q.Kind != "" {
		if p.kind = docKind(q.Kind); p.kind == 0 {
			return nil, fmt.Errorf("%w: %q (want %q, %q or empty)", ErrBadKind, q.Kind, protocol.EntityEpisode, protocol.EntityPattern)
		}
	}
	switch p.limit = q.Limit; {
	case p.limit == 0:
		p.limit = DefaultLimit
	case p.limit < 0 || p.limit > MaxLimit:
		return nil, fmt.Errorf("%w: %d (the maximum is %d)", ErrLimit, q.Limit, MaxLimit)
	}
	hasText, hasVec := q.Text != "", len(q.Vector) > 0
	if !hasText && !hasVec {
		return nil, fmt.Errorf("%w: give text, a vector or both", ErrEmptyQuery)
	}
	var err error
	if p.mode, err = pickMode(q.Mode, hasText, hasVec); err != nil {
		return nil, err
	}
	if p.mode != ModeVector && hasText {
		p.terms = distinct(Tokenize(q.Text))
		p.hashes = queryHashes(p.terms)
	}
	if p.mode != ModeKeyword && hasVec {
		p.vec = make([]float32, len(q.Vector))
		if !unitVector(p.vec, q.Vector) {
			return nil, fmt.Errorf("%w: it is zero or has a NaN or infinite component", ErrBadVector)
		}
	}
	return p, nil
}

// pickMode resolves the mode and checks it has its input.
func pickMode(m Mode, hasText, hasVec bool) (Mode, error) {
	switch m {
	case "":
		switch {
		case hasText && hasVec:
			return ModeHybrid, nil
		case hasText:
			return ModeKeyword, nil
		}
		return ModeVector, nil
	case ModeHybrid:
		return m, nil
	case ModeKeyword:
		if !hasText {
			return "", fmt.Errorf("%w: keyword mode needs text", ErrEmptyQuery)
		}
		return m, nil
	case ModeVector:
		if !hasVec {
			return "", fmt.Errorf("%w: vector mode needs a non-empty vector", ErrBadVector)
		}
		return m, nil
	}
	return "", fmt.Errorf("%w: %q (want %q, %q or %q)", ErrBadMode, m, ModeHybrid, ModeKeyword, ModeVector)
}

// distinct returns the terms without repeats, in first-seen order.
func distinct(terms []string) []string {
	seen := make(map[string]struct{}, len(terms))
	out := terms[:0]
	for _, t := range terms {
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			out = append(out, t)
		}
	}
	return out
}
