package retrieval

import (
	"encoding/json"
	"testing"

	"github.com/memsync/memsync/protocol"
)

func TestMatch(t *testing.T) {
	x := New(nil)
	lang := "go"
	row, _ := json.Marshal(protocol.Episode{EpisodeID: "a", Domain: "web-api", TaskType: "debugging", Language: &lang, StartTime: 100,
		Context: "{}", Steps: "[]", Patterns: "[]", Heuristics: "[]", Checkpoints: "[]", Metadata: "{}"})
	x.Apply([]Mutation{{Kind: protocol.EntityEpisode, ID: "a", Data: row}})
	cases := []struct {
		f           Filter
		match, know bool
	}{
		{Filter{}, true, true},
		{Filter{Domain: "web-api"}, true, true},
		{Filter{Domain: "cli"}, false, true},
		{Filter{Domain: "nowhere"}, false, true},
		{Filter{TaskType: "debugging", Language: "go"}, true, true},
		{Filter{Language: "rust"}, false, true},
		{Filter{Since: 100}, true, true},
		{Filter{Since: 101}, false, true},
	}
	for _, c := range cases {
		m, k := x.Match(protocol.EntityEpisode, "a", c.f)
		if m != c.match || k != c.know {
			t.Errorf("Match(%+v) = %v, %v; want %v, %v", c.f, m, k, c.match, c.know)
		}
	}
	if _, k := x.Match(protocol.EntityEpisode, "missing", Filter{}); k {
		t.Error("an entity the index does not hold is known")
	}
}
