package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/memsync/memsync/internal/query"
)

// Every failure is a JSON ErrorResponse with the status and code its cause
// maps to, and a message naming the problem.
func TestErrorAnswers(t *testing.T) {
	big := `{"text":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	tests := []struct {
		name, method, target, body string
		svcErr                     error
		panics                     bool
		status                     int
		code                       string
		msg                        []string // substrings of the message
	}{
		{"not found", "GET", "/v1/get/episode/missing", "", nil, false, 404, "not_found", []string{"query: not in the cache", "missing"}},
		{"svc bad request", "GET", "/v1/status", "", fmt.Errorf("%w: dimension 3 matches no model (have 384)", query.ErrBadRequest), false, 400, "bad_request", []string{"dimension 3"}},
		{"svc unavailable", "GET", "/v1/recent", "", query.ErrUnavailable, false, 503, "unavailable", []string{"cache is being replaced, retry"}},
		{"svc other", "GET", "/v1/patterns", "", errors.New("pebble: closed"), false, 500, "internal", []string{"pebble: closed"}},
		{"svc panic", "GET", "/v1/status", "", nil, true, 500, "internal", []string{"internal error serving GET /v1/status"}},
		{"no route", "GET", "/v2/status", "", nil, false, 404, "no_route", []string{"no route GET", "/v2/status"}},
		{"root", "GET", "/", "", nil, false, 404, "no_route", []string{"no route"}},
		{"wrong method", "DELETE", "/v1/status", "", nil, false, 405, "method_not_allowed", []string{"DELETE", "want GET"}},
		{"put search", "PUT", "/v1/search", "{}", nil, false, 405, "method_not_allowed", []string{"want POST, GET"}},
		{"too large", "POST", "/v1/search", big, nil, false, 413, "too_large", []string{"request body over 1048576 bytes"}},
		{"unknown field", "POST", "/v1/search", `{"text":"x","txet":"y"}`, nil, false, 400, "bad_request", []string{`unknown field "txet"`}},
		{"malformed", "POST", "/v1/search", `{"text": x}`, nil, false, 400, "bad_request", []string{"malformed JSON at byte offset 10"}},
		{"truncated", "POST", "/v1/search", `{"text": "x"`, nil, false, 400, "bad_request", []string{"unexpected end"}},
		{"trailing", "POST", "/v1/search", `{"text":"x"} {"text":"y"}`, nil, false, 400, "bad_request", []string{"trailing data", "offset 12"}},
		{"trailing garbage", "POST", "/v1/search", `{"text":"x"}x`, nil, false, 400, "bad_request", []string{"trailing data"}},
		{"empty body", "POST", "/v1/search", "", nil, false, 400, "bad_request", []string{"empty request body"}},
		{"array body", "POST", "/v1/search", `[1]`, nil, false, 400, "bad_request", []string{"not a JSON object"}},
		{"null body", "POST", "/v1/search", `null`, nil, false, 400, "bad_request", []string{"not a JSON object"}},
		{"wrong type", "POST", "/v1/search", `{"limit":"5"}`, nil, false, 400, "bad_request", []string{"field limit", "int", "string"}},
		{"float32 overflow", "POST", "/v1/search", `{"vector":[1e39]}`, nil, false, 400, "bad_request", []string{"vector"}},
		{"body limit over max", "POST", "/v1/search", `{"text":"x","limit":101}`, nil, false, 400, "bad_request", []string{"limit 101 is over the maximum 100"}},
		{"body negative limit", "POST", "/v1/search", `{"text":"x","limit":-1}`, nil, false, 400, "bad_request", []string{"limit -1 is negative"}},
		{"body kind", "POST", "/v1/search", `{"text":"x","kind":"embedding"}`, nil, false, 400, "bad_request", []string{`unknown kind "embedding"`, "episode, pattern"}},
		{"body mode", "POST", "/v1/search", `{"text":"x","mode":"fuzzy"}`, nil, false, 400, "bad_request", []string{`mode "fuzzy"`}},
		{"limit abc", "GET", "/v1/recent?limit=abc", "", nil, false, 400, "bad_request", []string{`limit="abc" is not an integer`}},
		{"since x", "GET", "/v1/recent?since=x", "", nil, false, 400, "bad_request", []string{`since="x"`}},
		{"negative limit", "GET", "/v1/recent?limit=-2", "", nil, false, 400, "bad_request", []string{"limit -2 is negative"}},
		{"limit over max", "GET", "/v1/recent?limit=101", "", nil, false, 400, "bad_request", []string{"over the maximum 100"}},
		{"patterns over max", "GET", "/v1/patterns?limit=10001", "", nil, false, 400, "bad_request", []string{"over the maximum 10000"}},
		{"unknown param", "GET", "/v1/recent?limt=3", "", nil, false, 400, "bad_request", []string{`unknown parameter "limt"`}},
		{"repeated param", "GET", "/v1/recent?limit=3&limit=4", "", nil, false, 400, "bad_request", []string{"limit given 2 times"}},
		{"search get explain", "GET", "/v1/search?q=x&explain=maybe", "", nil, false, 400, "bad_request", []string{"explain="}},
		{"search get kind", "GET", "/v1/search?q=x&kind=widget", "", nil, false, 400, "bad_request", []string{`unknown kind "widget"`}},
		{"bad escape", "GET", "/v1/recent?limit=3&domain=%zz", "", nil, false, 400, "bad_request", []string{"malformed query string"}},
		{"bad escape search", "GET", "/v1/search?q=%zz", "", nil, false, 400, "bad_request", []string{"malformed query string"}},
		{"bad utf-8 param", "GET", "/v1/recent?domain=%C9", "", nil, false, 400, "bad_request", []string{"domain is not valid UTF-8"}},
		{"bad utf-8 id", "GET", "/v1/get/episode/a%C9", "", nil, false, 400, "bad_request", []string{"is not valid UTF-8"}},
		{"unknown kind", "GET", "/v1/get/widget/x", "", nil, false, 400, "bad_request", []string{`unknown kind "widget"`, "episode, pattern, embedding"}},
		{"missing id", "GET", "/v1/get/episode/", "", nil, false, 400, "bad_request", []string{"missing id"}},
		{"missing id no slash", "GET", "/v1/get/episode", "", nil, false, 400, "bad_request", []string{"missing id"}},
		{"owner kind", "GET", "/v1/embeddings/embedding/x", "", nil, false, 400, "bad_request", []string{`unknown owner_kind "embedding"`}},
		{"missing owner", "GET", "/v1/embeddings/pattern", "", nil, false, 400, "bad_request", []string{"missing owner id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{err: tt.svcErr, panic: tt.panics}
			w := serveOnce(t, Handler(svc, nil), tt.method, tt.target, tt.body, nil)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			var e ErrorResponse
			dec := json.NewDecoder(w.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("error body is not an ErrorResponse: %v", err)
			}
			if e.Code != tt.code {
				t.Errorf("code %q, want %q (%s)", e.Code, tt.code, e.Error)
			}
			for _, m := range tt.msg {
				if !strings.Contains(e.Error, m) {
					t.Errorf("message %q does not contain %q", e.Error, m)
				}
			}
			if tt.status == 405 && w.Header().Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if tt.status == 400 && tt.svcErr == nil && svc.count() != 0 {
				t.Errorf("a refused request reached the service: %v", svc.last())
			}
		})
	}
}
