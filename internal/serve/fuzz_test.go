package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// decodeErr checks that a decoder's error is classified.
func decodeErr(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, query.ErrBadRequest) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("unclassified error: %v", err)
	}
}

func postSearch(body []byte) (query.SearchRequest, error) {
	r := httptest.NewRequest(http.MethodPost, "/v1/search", bytes.NewReader(body))
	return DecodeSearch(r)
}

// Any body: DecodeSearch never panics, refuses with a classified error,
// and what it accepts re-encodes to a body that decodes to the same request.
func FuzzDecodeSearch(f *testing.F) {
	for _, s := range []string{`{"text":"x"}`, `{"vector":[1,2.5e-3],"kind":"episode","limit":100,"explain":true}`, `{"TEXT":"a","text":"b"}`,
		`{"similar_to":"a/b","since":12,"domain":"d"}`, `{"vector":[]}`, `{"vector":null}`, `{} `, `{"x":1}`, `[`, `{"limit":1e3}`, "{\"text\":\"\xff\"}", `{"vector":[1e-46]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := postSearch(body)
		if err != nil {
			decodeErr(t, err)
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := postSearch(again)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", again, err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip: %#v != %#v", r, r2)
		}
	})
}

// Any query string: ParseRecent never panics, and what it accepts
// round-trips through RecentValues (the Client's encoder).
func FuzzParseRecent(f *testing.F) {
	for _, s := range []string{"limit=5&domain=web&task_type=t&language=go&since=9", "limit=abc", "since=-1", "limit=+7", "x=1", "limit=1&limit=2", "domain=%zz", "domain=&limit="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		r, err := ParseRecent(v)
		if err != nil {
			decodeErr(t, err)
			return
		}
		r2, err := ParseRecent(RecentValues(r))
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip %#v -> %#v, %v", r, r2, err)
		}
	})
}

func FuzzParsePatterns(f *testing.F) {
	for _, s := range []string{"domain=web&limit=10000", "limit=10001", "limit=-0", "q=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		r, err := ParsePatterns(v)
		if err != nil {
			decodeErr(t, err)
			return
		}
		r2, err := ParsePatterns(PatternsValues(r))
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip %#v -> %#v, %v", r, r2, err)
		}
	})
}

// The GET form of search accepts nothing the POST form would refuse, and
// means the same request.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"q=retry&kind=episode&mode=keyword&limit=3&explain=1", "explain", "explain=maybe", "kind=embedding", "similar_to=a%2Fb&since=4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		r, err := ParseSearch(v)
		if err != nil {
			decodeErr(t, err)
			return
		}
		body, _ := json.Marshal(r)
		r2, err := postSearch(body)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("GET %#v, POST %#v, %v", r, r2, err)
		}
	})
}

// Any kind and id, path-escaped as the Client does, reach the service
// unchanged (or are refused as a bad request).
func FuzzGetPath(f *testing.F) {
	for _, s := range []string{"e1", "a/b", "..", ".", "a//b", "%2F", "ü", " ", ""} {
		f.Add("episode", s)
	}
	f.Add("widget", "x")
	f.Fuzz(func(t *testing.T, kind, id string) {
		if kind == "" {
			return // an empty segment cannot be sent; the Client refuses it
		}
		svc := &fakeService{}
		req := httptest.NewRequest(http.MethodGet, "/v1/get/"+escapeSegment(kind)+"/"+escapeSegment(id), nil)
		w := httptest.NewRecorder()
		Handler(svc, nil).ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK:
			if got := svc.last().(query.GetRequest); got.ID != id || string(got.Kind) != kind {
				t.Fatalf("sent %q %q, service got %#v", kind, id, got)
			}
		case http.StatusBadRequest, http.StatusNotFound: // unknown kind, empty id; "missing"
			if _, err := protocol.ParseEntity(kind); err == nil && id != "" && id != "missing" && utf8.ValidString(id) {
				t.Fatalf("%q %q refused: %d %s", kind, id, w.Code, w.Body)
			}
		default:
			t.Fatalf("%q %q: %d %s", kind, id, w.Code, w.Body)
		}
	})
}

// Any error answer maps to a sentinel with a message; never a panic.
func FuzzResponseError(f *testing.F) {
	f.Add(404, []byte(`{"error":"x","code":"not_found"}`))
	f.Add(500, []byte(`<html>`))
	f.Add(400, []byte(`{"error":"query: bad request: x"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := responseError(status, body)
		known := false
		for _, s := range []error{query.ErrNotFound, query.ErrBadRequest, query.ErrUnavailable, ErrUnauthorized, ErrTooLarge, ErrRemote} {
			known = known || errors.Is(err, s)
		}
		if !known || err.Error() == "" {
			t.Fatalf("unclassified: %v", err)
		}
	})
}

// Any discovery file content: decoding never panics; an accepted one has a pid.
func FuzzDecodeDiscovery(f *testing.F) {
	f.Add([]byte(`{"pid":12,"worker":"w","socket":"/s","addr":"","nats_url":"","started":"2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"pid":-1}`))
	f.Add([]byte(`{"pid":1,"url":"nats://127.0.0.1:4222"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var info Info
		if err := decodeDiscovery(raw, &info); err == nil && info.PID <= 0 {
			t.Fatalf("accepted pid %d", info.PID)
		}
		var n NATSInfo
		if err := decodeDiscovery(raw, &n); err == nil && n.PID <= 0 {
			t.Fatalf("accepted pid %d", n.PID)
		}
	})
}

// Encoded names are safe file name tokens, and (uncut) decode back.
func FuzzEncodeName(f *testing.F) {
	for _, s := range []string{"w1", "", "..", ".x", "nats", "a/b", "ü", strings.Repeat("%", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		e := EncodeName(name)
		if e == "" || e == natsFile || e[0] == '.' || len(e) > 128 {
			t.Fatalf("EncodeName(%q) = %q", name, e)
		}
		for i := 0; i < len(e); i++ {
			if c := e[i]; !safeByte(c) && c != '%' && c != '~' {
				t.Fatalf("EncodeName(%q) = %q has byte %q", name, e, c)
			}
		}
		if !strings.Contains(e, "~") && name != "" {
			if back, err := url.PathUnescape(e); err != nil || back != name {
				t.Fatalf("EncodeName(%q) = %q decodes to %q, %v", name, e, back, err)
			}
		}
	})
}
