package serve

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// serveOnce sends one request to h and returns the recorded answer.
func serveOnce(t *testing.T, h http.Handler, method, target, body string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	} else {
		req = httptest.NewRequestWithContext(t.Context(), method, target, nil)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Every route answers the service's response exactly as json.Marshal
// encodes it, and passes the service the request the URL describes.
func TestRoutes(t *testing.T) {
	ep, pat := protocol.EntityEpisode, protocol.EntityPattern
	tests := []struct {
		name, method, target, body string
		wantReq                    any
		want                       any
	}{
		{"get episode", "GET", "/v1/get/episode/e1", "", query.GetRequest{Kind: ep, ID: "e1"}, cannedGet(query.GetRequest{Kind: ep, ID: "e1"})},
		{"get pattern", "GET", "/v1/get/pattern/p.1", "", query.GetRequest{Kind: pat, ID: "p.1"}, cannedGet(query.GetRequest{Kind: pat, ID: "p.1"})},
		{"get embedding", "GET", "/v1/get/embedding/x", "", query.GetRequest{Kind: protocol.EntityEmbedding, ID: "x"}, cannedGet(query.GetRequest{Kind: protocol.EntityEmbedding, ID: "x"})},
		{"head get", "HEAD", "/v1/get/episode/e1", "", query.GetRequest{Kind: ep, ID: "e1"}, nil},
		{"recent default", "GET", "/v1/recent", "", query.RecentRequest{}, cannedRecent()},
		{"recent filtered", "GET", "/v1/recent?limit=5&domain=web&task_type=fix&language=go&since=1700000000", "",
			query.RecentRequest{Limit: 5, Filter: query.Filter{Domain: "web", TaskType: "fix", Language: "go", Since: 1700000000}}, cannedRecent()},
		{"patterns", "GET", "/v1/patterns?domain=web&limit=10000", "", query.PatternsRequest{Domain: "web", Limit: 10000}, cannedPatterns()},
		{"embeddings", "GET", "/v1/embeddings/episode/e%201", "", query.EmbeddingsRequest{OwnerKind: ep, OwnerID: "e 1"}, cannedEmbeddings(query.EmbeddingsRequest{OwnerID: "e 1"})},
		{"search post", "POST", "/v1/search", `{"text":"retry loop","kind":"episode","mode":"keyword","limit":3,"domain":"web","since":5,"explain":true,"vector":[1,0.5]}`,
			query.SearchRequest{Text: "retry loop", Kind: ep, Mode: "keyword", Limit: 3, Filter: query.Filter{Domain: "web", Since: 5}, Explain: true, Vector: []float32{1, 0.5}}, cannedSearch()},
		{"search post empty vector", "POST", "/v1/search", " {\"similar_to\":\"e1\",\"vector\":[]}\n", query.SearchRequest{SimilarTo: "e1"}, cannedSearch()},
		{"search get", "GET", "/v1/search?q=retry+loop&similar_to=e1&kind=pattern&mode=vector&model=m&limit=100&domain=d&task_type=t&language=l&since=9&explain=1", "",
			query.SearchRequest{Text: "retry loop", SimilarTo: "e1", Kind: pat, Mode: "vector", Model: "m", Limit: 100, Filter: query.Filter{Domain: "d", TaskType: "t", Language: "l", Since: 9}, Explain: true}, cannedSearch()},
		{"search get bare explain", "GET", "/v1/search?q=x&explain", "", query.SearchRequest{Text: "x", Explain: true}, cannedSearch()},
		{"status", "GET", "/v1/status", "", "status", cannedStatus()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{}
			w := serveOnce(t, Handler(svc, nil), tt.method, tt.target, tt.body, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := svc.last(); !reflect.DeepEqual(got, tt.wantReq) {
				t.Errorf("service got %#v, want %#v", got, tt.wantReq)
			}
			if tt.want == nil {
				if w.Body.Len() != 0 {
					t.Errorf("HEAD answered a body: %s", w.Body)
				}
				return
			}
			if got, want := w.Body.String(), mustJSON(t, tt.want); got != want {
				t.Errorf("body\n got %s\nwant %s", got, want)
			}
		})
	}
}

// The JSON shape is the contract: spot-check the keys of a get answer.
func TestGetShape(t *testing.T) {
	w := serveOnce(t, Handler(&fakeService{}, nil), "GET", "/v1/get/episode/e1", "", nil)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "id", "version", "episode", "freshness"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q in %s", k, w.Body)
		}
	}
	if _, ok := m["pattern"]; ok {
		t.Errorf("unexpected pattern key in %s", w.Body)
	}
	var f map[string]json.RawMessage
	_ = json.Unmarshal(m["freshness"], &f)
	for _, k := range []string{"applied_version", "turso_head_version", "lag", "stale", "as_of", "served_by"} {
		if _, ok := f[k]; !ok {
			t.Errorf("missing freshness key %q", k)
		}
	}
}

// Ids are arbitrary text: path-escaped by the client (escapeSegment), or
// sent raw with slashes; the service gets them unescaped.
func TestOddIDs(t *testing.T) {
	ids := []string{"a.b", "a b", "a/b", "a/../b", "..", ".", "./x", "a//b", "trailing/", "/lead", "ünï-日本", "100%", "%2F", "a?b#c", "a+b", "tab\tnl\n", `q"uote`}
	for _, id := range ids {
		for _, route := range []string{"get", "embeddings"} {
			svc := &fakeService{}
			w := serveOnce(t, Handler(svc, nil), "GET", "/v1/"+route+"/episode/"+escapeSegment(id), "", nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %q: status %d %s", route, id, w.Code, w.Body)
			}
			var got string
			switch r := svc.last().(type) {
			case query.GetRequest:
				got = r.ID
			case query.EmbeddingsRequest:
				got = r.OwnerID
			}
			if got != id {
				t.Errorf("%s: sent %q, service got %q", route, id, got)
			}
		}
	}
	svc := &fakeService{}
	if w := serveOnce(t, Handler(svc, nil), "GET", "/v1/get/episode/raw/slash/id", "", nil); w.Code != 200 || svc.last().(query.GetRequest).ID != "raw/slash/id" {
		t.Errorf("raw slashes: %d %v", w.Code, svc.last())
	}
}
