package retrieval

import "time"

// MaxLimit is the largest Query.Limit; DefaultLimit is used for 0.
const (
	MaxLimit     = 100
	DefaultLimit = 10
)

// Weights are the hybrid score weights (see doc.go). All zero means the
// defaults: 0.5 relevance, 0.25 recency, 0.15 reward, 0.10 context.
type Weights struct {
	Relevance, Recency, Reward, Context float64
}

// Options tune the index. Zero fields take the defaults.
type Options struct {
	K1       float64       // BM25 term-frequency saturation (1.2)
	B        float64       // BM25 length normalization (0.75)
	Weights  Weights       // hybrid weights
	HalfLife time.Duration // recency half-life (7 days)
	RRFK     float64       // reciprocal-rank-fusion constant (60)
}

// DefaultOptions returns the defaults New(nil) uses.
func DefaultOptions() Options {
	return Options{
		K1: 1.2, B: 0.75, HalfLife: 7 * 24 * time.Hour, RRFK: 60,
		Weights: Weights{Relevance: 0.5, Recency: 0.25, Reward: 0.15, Context: 0.10},
	}
}

// EnsureDefaults returns a copy of o (nil: DefaultOptions) with its zero
// (or negative) fields given their defaults; o itself is not changed.
func (o *Options) EnsureDefaults() *Options {
	d := DefaultOptions()
	if o == nil {
		return &d
	}
	out := *o
	if out.K1 <= 0 {
		out.K1 = d.K1
	}
	if out.B <= 0 || out.B > 1 {
		out.B = d.B
	}
	if out.HalfLife <= 0 {
		out.HalfLife = d.HalfLife
	}
	if out.RRFK <= 0 {
		out.RRFK = d.RRFK
	}
	if out.Weights == (Weights{}) {
		out.Weights = d.Weights
	}
	return &out
}
