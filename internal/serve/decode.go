package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// The decoders below turn a request's path values and query parameters into
// query requests. They are pure (no I/O), reject what they cannot read with
// an error wrapping query.ErrBadRequest that names the parameter, and are
// fuzzed (fuzz_test.go). Text must be valid UTF-8, as in the JSON form.

// ParseGet reads GET /v1/get/{kind}/{id...}.
func ParseGet(kind, id string) (query.GetRequest, error) {
	k, err := parseKind("kind", kind, protocol.EntityEpisode, protocol.EntityPattern, protocol.EntityEmbedding)
	if err != nil {
		return query.GetRequest{}, err
	}
	if id == "" {
		return query.GetRequest{}, badRequest("missing id: want /v1/get/%s/{id} (path-escaped)", k)
	}
	if !utf8.ValidString(id) {
		return query.GetRequest{}, badRequest("id %s is not valid UTF-8", quote(id))
	}
	return query.GetRequest{Kind: k, ID: id}, nil
}

// ParseEmbeddings reads GET /v1/embeddings/{owner_kind}/{owner_id...}.
func ParseEmbeddings(ownerKind, ownerID string) (query.EmbeddingsRequest, error) {
	k, err := parseKind("owner_kind", ownerKind, protocol.EntityEpisode, protocol.EntityPattern)
	if err != nil {
		return query.EmbeddingsRequest{}, err
	}
	if ownerID == "" {
		return query.EmbeddingsRequest{}, badRequest("missing owner id: want /v1/embeddings/%s/{owner_id} (path-escaped)", k)
	}
	if !utf8.ValidString(ownerID) {
		return query.EmbeddingsRequest{}, badRequest("owner id %s is not valid UTF-8", quote(ownerID))
	}
	return query.EmbeddingsRequest{OwnerKind: k, OwnerID: ownerID}, nil
}

// ParseRecent reads GET /v1/recent?limit=&domain=&task_type=&language=&since=.
func ParseRecent(v url.Values) (query.RecentRequest, error) {
	p := params{v: v}
	if err := p.only("limit", "domain", "task_type", "language", "since"); err != nil {
		return query.RecentRequest{}, err
	}
	var r query.RecentRequest
	var err error
	if r.Limit, err = p.limit(query.MaxLimit); err != nil {
		return query.RecentRequest{}, err
	}
	if r.Filter, err = p.filter(); err != nil {
		return query.RecentRequest{}, err
	}
	return r, nil
}

// ParsePatterns reads GET /v1/patterns?domain=&limit=.
func ParsePatterns(v url.Values) (query.PatternsRequest, error) {
	p := params{v: v}
	if err := p.only("domain", "limit"); err != nil {
		return query.PatternsRequest{}, err
	}
	var r query.PatternsRequest
	var err error
	if r.Limit, err = p.limit(query.MaxList); err != nil {
		return query.PatternsRequest{}, err
	}
	r.Domain = p.v.Get("domain")
	return r, nil
}

// ParseSearch reads GET /v1/search?q=&similar_to=&kind=&mode=&limit=&
// domain=&task_type=&language=&since=&explain=1 (the curl form of POST
// /v1/search; a query vector needs the POST form).
func ParseSearch(v url.Values) (query.SearchRequest, error) {
	p := params{v: v}
	if err := p.only("q", "similar_to", "kind", "mode", "model", "limit", "domain", "task_type", "language", "since", "explain"); err != nil {
		return query.SearchRequest{}, err
	}
	r := query.SearchRequest{Text: p.v.Get("q"), SimilarTo: p.v.Get("similar_to"), Kind: protocol.Entity(p.v.Get("kind")),
		Mode: p.v.Get("mode"), Model: p.v.Get("model")}
	var err error
	if r.Limit, err = p.limit(query.MaxLimit); err != nil {
		return query.SearchRequest{}, err
	}
	if r.Filter, err = p.filter(); err != nil {
		return query.SearchRequest{}, err
	}
	if r.Explain, err = p.boolean("explain"); err != nil {
		return query.SearchRequest{}, err
	}
	if err := validateSearch(r); err != nil {
		return query.SearchRequest{}, err
	}
	return r, nil
}

// validateSearch checks what a transport can check without the cache: the
// limit, the kind and the mode (the service checks again).
func validateSearch(r query.SearchRequest) error {
	if err := checkLimit("limit", r.Limit, query.MaxLimit); err != nil {
		return err
	}
	if r.Since < 0 {
		return badRequest("since %d is negative: want unix seconds", r.Since)
	}
	if r.Kind != "" {
		if _, err := parseKind("kind", string(r.Kind), protocol.EntityEpisode, protocol.EntityPattern); err != nil {
			return err
		}
	}
	switch r.Mode {
	case "", "hybrid", "keyword", "vector":
		return nil
	}
	return badRequest("mode %s: want hybrid, keyword or vector", quote(r.Mode))
}

func parseKind(name, s string, allowed ...protocol.Entity) (protocol.Entity, error) {
	if slices.Contains(allowed, protocol.Entity(s)) {
		return protocol.Entity(s), nil
	}
	want := make([]string, len(allowed))
	for i, k := range allowed {
		want[i] = string(k)
	}
	return "", badRequest("unknown %s %s: want %s", name, quote(s), strings.Join(want, ", "))
}

// params reads query parameters strictly: each at most once, none unknown.
type params struct{ v url.Values }

func (p params) only(names ...string) error {
	for k, vs := range p.v {
		if !slices.Contains(names, k) {
			return badRequest("unknown parameter %s: want %s", quote(k), strings.Join(names, ", "))
		}
		if len(vs) > 1 {
			return badRequest("parameter %s given %d times", k, len(vs))
		}
		if len(vs) == 1 && !utf8.ValidString(vs[0]) {
			return badRequest("parameter %s is not valid UTF-8", k)
		}
	}
	return nil
}

func (p params) limit(max int) (int, error) {
	s := p.v.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest("limit=%s is not an integer", quote(s))
	}
	return n, checkLimit("limit", n, max)
}

func checkLimit(name string, n, max int) error {
	if n < 0 {
		return badRequest("%s %d is negative", name, n)
	}
	if n > max {
		return badRequest("%s %d is over the maximum %d", name, n, max)
	}
	return nil
}

func (p params) filter() (query.Filter, error) {
	f := query.Filter{Domain: p.v.Get("domain"), TaskType: p.v.Get("task_type"), Language: p.v.Get("language")}
	if s := p.v.Get("since"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return query.Filter{}, badRequest("since=%s is not a unix time in seconds", quote(s))
		}
		if n < 0 {
			return query.Filter{}, badRequest("since %d is negative: want unix seconds", n)
		}
		f.Since = n
	}
	return f, nil
}

func (p params) boolean(name string) (bool, error) {
	vs, ok := p.v[name]
	if !ok {
		return false, nil
	}
	if len(vs) == 0 || vs[0] == "" {
		return true, nil // ?explain
	}
	b, err := strconv.ParseBool(vs[0])
	if err != nil {
		return false, badRequest("%s=%s: want 1, 0, true or false", name, quote(vs[0]))
	}
	return b, nil
}

// queryOf is r's query string, refused when it does not decode (bad %
// escapes) instead of silently dropping a parameter.
func queryOf(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("malformed query string: %v", err)
	}
	return v, nil
}

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", query.ErrBadRequest, fmt.Sprintf(format, args...))
}

// quote renders user input for an error message: quoted, at most 64 bytes.
func quote(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}
