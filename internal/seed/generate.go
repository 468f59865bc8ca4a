package seed

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Episode is one episodes row as written by the agents.
type Episode struct {
	ID, TaskType, Description, Context string
	StartTime                          int64
	EndTime                            *int64
	Steps                              string
	Outcome, Reward, Reflection        *string
	Patterns, Heuristics, Checkpoints  string
	Metadata, Domain                   string
	Language                           *string
	CreatedAt                          int64
}

// Pattern is one patterns row.
type Pattern struct {
	ID, Type, Data                    string
	SuccessRate                       float64
	Domain, Language, Tags            *string
	Occurrences, CreatedAt, UpdatedAt int64
}

// Embedding is one embeddings row.
type Embedding struct {
	ID, ItemID, ItemType, Model string
	Vector                      []float32
	CreatedAt                   int64
}

// Generator produces deterministic rows.
type Generator struct {
	r    *rand.Rand
	Base int64 // unix seconds of the newest episode
	Dim  int
}

// NewGenerator seeds a generator.
func NewGenerator(seed uint64, dim int) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), Base: 1_767_225_600, Dim: dim}
}

var (
	taskTypes = []string{"code_generation", "debugging", "refactoring", "testing", "analysis", "documentation"}
	domains   = []string{"web-api", "cli", "data-pipeline", "ml-infra", "embedded", "frontend"}
	languages = []string{"rust", "go", "python", "typescript"}
	tools     = []string{"read_file", "grep", "edit_file", "run_tests", "cargo_build", "shell", "web_search"}
	verbs     = []string{"Implement", "Fix", "Refactor", "Add tests for", "Profile", "Document"}
	objects   = []string{"the retry loop in the HTTP client", "pagination in the list endpoint", "the cache eviction policy",
		"JWT validation middleware", "the CSV import job", "flaky integration tests", "the config loader"}
)

func (g *Generator) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *Generator) id(prefix string) string {
	return fmt.Sprintf("%s-%08x-%04x-%04x", prefix, g.r.Uint32(), g.r.Uint32()&0xffff, g.r.Uint32()&0xffff)
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func ptr[T any](v T) *T { return &v }

// Episode returns the i-th episode (start times go back from Base).
func (g *Generator) Episode(i int, patternIDs []string) Episode {
	lang := g.pick(languages)
	domain := g.pick(domains)
	start := g.Base - int64(i)*60 - int64(g.r.IntN(50))
	end := start + 30 + int64(g.r.IntN(1800))
	var pats []string
	if len(patternIDs) > 0 {
		pats = append(pats, patternIDs[g.r.IntN(len(patternIDs))])
	}
	return Episode{
		ID: g.id("ep"), TaskType: g.pick(taskTypes),
		Description: g.pick(verbs) + " " + g.pick(objects),
		Context:     js(map[string]any{"language": lang, "domain": domain, "complexity": []string{"Simple", "Moderate", "Complex"}[g.r.IntN(3)], "tags": []string{domain, lang}}),
		StartTime:   start, EndTime: &end, Steps: g.steps(start),
		Outcome:    ptr(js(map[string]any{"type": "Success", "verdict": "tests pass", "artifacts": []string{"src/lib." + lang}})),
		Reward:     ptr(js(map[string]any{"total": g.r.Float64(), "base": 1.0, "efficiency": g.r.Float64(), "complexity_bonus": 0.1})),
		Reflection: ptr(js(map[string]any{"successes": []string{"narrowed the failure quickly"}, "improvements": []string{"run the linter earlier"}, "insights": []string{"the bug was an off-by-one in the window"}})),
		Patterns:   js(nonNil(pats)), Heuristics: "[]", Checkpoints: "[]",
		Metadata: js(map[string]string{"agent": g.pick([]string{"claude-code", "codex", "cursor"})}),
		Domain:   domain, Language: &lang, CreatedAt: start,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// steps makes ~1.5 KB of execution steps.
func (g *Generator) steps(start int64) string {
	n := 4 + g.r.IntN(3)
	steps := make([]map[string]any, n)
	for i := range steps {
		steps[i] = map[string]any{
			"step_number": i + 1, "timestamp": start + int64(i*20), "tool": g.pick(tools),
			"action":     g.pick(verbs) + " " + g.pick(objects),
			"parameters": map[string]any{"path": "src/" + g.pick(domains) + ".rs", "line": g.r.IntN(400)},
			"result":     map[string]any{"type": "Success", "output": strings.Repeat("ok ", 20+g.r.IntN(20))},
			"latency_ms": g.r.IntN(3000), "tokens_used": g.r.IntN(4000),
		}
	}
	return js(steps)
}

// Pattern returns a pattern.
func (g *Generator) Pattern() Pattern {
	lang, domain := g.pick(languages), g.pick(domains)
	return Pattern{
		ID: g.id("pat"), Type: g.pick([]string{"ToolSequence", "DecisionPoint", "ErrorRecovery", "ContextPattern"}),
		Data:        js(map[string]any{"tools": []string{g.pick(tools), g.pick(tools)}, "context": domain}),
		SuccessRate: float64(g.r.IntN(1000)) / 1000, Domain: &domain, Language: &lang,
		Tags: ptr(js([]string{domain})), Occurrences: int64(1 + g.r.IntN(50)), CreatedAt: g.Base, UpdatedAt: g.Base,
	}
}

// Embedding returns an embedding of an owner.
func (g *Generator) Embedding(ownerKind, ownerID string) Embedding {
	v := make([]float32, g.Dim)
	for i := range v {
		v[i] = float32(g.r.NormFloat64() / 8)
	}
	return Embedding{ID: g.id("emb"), ItemID: ownerID, ItemType: ownerKind, Model: "all-MiniLM-L6-v2", Vector: v, CreatedAt: g.Base}
}
