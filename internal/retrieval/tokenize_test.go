package retrieval

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Fix the retry loop in the HTTP client", []string{"fix", "retry", "loop", "http", "client"}},
		{"JWT-validation_middleware", []string{"jwt", "validation", "middleware"}},
		{"a b c x1 42 7", []string{"x1", "42"}},
		{"tests errors retries policies", []string{"test", "error", "retry", "policy"}},
		{"process status analysis its gas", []string{"process", "status", "analysis", "gas"}},
		{"src/lib.rs:42", []string{"src", "lib", "rs", "42"}},
		{"Ünïcödé ÉCOLE straße", []string{"ünïcödé", "école", "straße"}},
		{"日本語のテキスト", []string{"日本語のテキスト"}},
		{"emoji🙂split", []string{"emoji", "split"}},
		{"bad\xffutf8", []string{"bad", "utf8"}},
		{"THE And OF", nil},
		{`{"action":"Run tests"}`, []string{"action", "run", "test"}},
	}
	for _, c := range cases {
		if got := Tokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
