package main

import (
	"encoding/json"
	"testing"
)

// withWarnings adds the warnings to a worker's live status object and
// leaves everything else as it was.
func TestWithWarnings(t *testing.T) {
	tests := []struct {
		name, in string
		warnings []string
		want     string
	}{
		{"no warning", `{"worker":"w1"}`, nil, `{"worker":"w1"}`},
		{"object", `{"worker":"w1","lag":3}`, []string{"stale"}, `{"warnings":["stale"],"worker":"w1","lag":3}`},
		{"empty object", ` {} `, []string{"a", "b"}, `{"warnings":["a","b"]}`},
		{"indented", "{\n  \"worker\": \"w1\"\n}\n", []string{"x"}, `{"warnings":["x"],"worker": "w1"` + "\n}"},
		{"not an object", `[1]`, []string{"x"}, `[1]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(withWarnings([]byte(tc.in), tc.warnings))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("%q is not JSON", got)
			}
		})
	}
}
