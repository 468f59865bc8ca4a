package serve

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/memsync/memsync/internal/query"
)

// HandlerOptions configures Handler. The zero value serves without a token,
// without extra handlers, logs nothing and limits bodies to
// DefaultMaxBodyBytes.
type HandlerOptions struct {
	// Token, when set, is required on every request as
	// "Authorization: Bearer <token>" (401 otherwise).
	Token string
	// Extra mounts handlers at path prefixes ("/mcp" serves "/mcp" and
	// "/mcp/..."), behind the same token. Requests reach them unmodified.
	// A prefix must start with "/" and must not be "/" or under "/v1".
	// Extra handlers must return once their request's context is done.
	Extra map[string]http.Handler
	// Logger gets one debug line per request (method, path, status,
	// duration); nil discards. Headers are never logged.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; 0 = DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Handler serves svc over HTTP/JSON (the routes in the package doc). It
// panics on invalid HandlerOptions.Extra (New reports the same problems as
// errors); check them first with ValidateExtra when they come from input.
func Handler(svc query.Service, opts *HandlerOptions) http.Handler {
	var o HandlerOptions
	if opts != nil {
		o = *opts
	}
	if err := ValidateExtra(o.Extra); err != nil {
		panic(err)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	a := &api{svc: svc, maxBody: o.MaxBodyBytes, log: o.Logger}
	mux := http.NewServeMux()
	a.route(mux, "/v1/get/{kind}", a.missingGetID, http.MethodGet)
	a.route(mux, "/v1/get/{kind}/{id...}", a.get, http.MethodGet)
	a.route(mux, "/v1/recent", a.recent, http.MethodGet)
	a.route(mux, "/v1/patterns", a.patterns, http.MethodGet)
	a.route(mux, "/v1/embeddings/{owner_kind}", a.missingOwnerID, http.MethodGet)
	a.route(mux, "/v1/embeddings/{owner_kind}/{owner_id...}", a.embeddings, http.MethodGet)
	a.route(mux, "/v1/search", a.search, http.MethodPost, http.MethodGet)
	a.route(mux, "/v1/status", a.status, http.MethodGet)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &httpError{status: http.StatusNotFound, code: codeNoRoute,
			msg: fmt.Sprintf("no route %s %s: see /v1/get, /v1/recent, /v1/patterns, /v1/embeddings, /v1/search, /v1/status", r.Method, quote(r.URL.Path))})
	})
	for prefix, h := range o.Extra {
		mux.Handle(prefix, h)
		if !strings.HasSuffix(prefix, "/") {
			mux.Handle(prefix+"/", h)
		}
	}
	var h http.Handler = mux
	if o.Token != "" {
		h = requireToken(h, o.Token)
	}
	if o.Logger != nil {
		h = logRequests(h, o.Logger)
	}
	return h
}

// ValidateExtra checks HandlerOptions.Extra (Options.Extra).
func ValidateExtra(extra map[string]http.Handler) error {
	for prefix, h := range extra {
		switch {
		case h == nil:
			return fmt.Errorf("%w: extra handler at %q is nil", ErrOptions, prefix)
		case !strings.HasPrefix(prefix, "/") || prefix == "/" || strings.ContainsAny(prefix, "{} \t"):
			return fmt.Errorf("%w: extra handler prefix %q: want a path such as /mcp", ErrOptions, prefix)
		case prefix == "/v1" || strings.HasPrefix(prefix, "/v1/"):
			return fmt.Errorf("%w: extra handler prefix %q is under /v1, which this package serves", ErrOptions, prefix)
		}
		trimmed := strings.TrimSuffix(prefix, "/")
		for other := range extra {
			if other != prefix && strings.TrimSuffix(other, "/") == trimmed {
				return fmt.Errorf("%w: extra handler prefixes %q and %q collide", ErrOptions, prefix, other)
			}
		}
	}
	return nil
}

// api holds the /v1 routes.
type api struct {
	svc     query.Service
	maxBody int64
	log     *slog.Logger
}

// route registers fn for path, answering 405 to other methods.
func (a *api) route(mux *http.ServeMux, path string, fn func(http.ResponseWriter, *http.Request) (any, error), methods ...string) {
	allow := strings.Join(methods, ", ")
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if !allowed(r.Method, methods) {
			w.Header().Set("Allow", allow)
			writeError(w, r, &httpError{status: http.StatusMethodNotAllowed, code: codeMethod,
				msg: fmt.Sprintf("method %s not allowed on %s: want %s", quote(r.Method), r.URL.Path, allow)})
			return
		}
		defer a.recoverPanic(w, r)
		resp, err := fn(w, r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, resp)
	})
}

func allowed(method string, methods []string) bool {
	for _, m := range methods {
		if method == m || (method == http.MethodHead && m == http.MethodGet) {
			return true
		}
	}
	return false
}

// recoverPanic answers 500 instead of dropping the connection when the
// service panics (http.ErrAbortHandler keeps its meaning).
func (a *api) recoverPanic(w http.ResponseWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	if a.log != nil {
		a.log.Error("serve: panic serving a request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
	}
	writeError(w, r, fmt.Errorf("serve: internal error serving %s %s", r.Method, r.URL.Path))
}

// missingGetID answers /v1/get/{kind} (no id) with a 400 naming the form.
func (a *api) missingGetID(_ http.ResponseWriter, r *http.Request) (any, error) {
	_, err := ParseGet(r.PathValue("kind"), "")
	return nil, err
}

func (a *api) missingOwnerID(_ http.ResponseWriter, r *http.Request) (any, error) {
	_, err := ParseEmbeddings(r.PathValue("owner_kind"), "")
	return nil, err
}

func (a *api) get(_ http.ResponseWriter, r *http.Request) (any, error) {
	req, err := ParseGet(r.PathValue("kind"), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return a.svc.Get(r.Context(), req)
}

func (a *api) recent(_ http.ResponseWriter, r *http.Request) (any, error) {
	v, err := queryOf(r)
	if err != nil {
		return nil, err
	}
	req, err := ParseRecent(v)
	if err != nil {
		return nil, err
	}
	return a.svc.Recent(r.Context(), req)
}

func (a *api) patterns(_ http.ResponseWriter, r *http.Request) (any, error) {
	v, err := queryOf(r)
	if err != nil {
		return nil, err
	}
	req, err := ParsePatterns(v)
	if err != nil {
		return nil, err
	}
	return a.svc.Patterns(r.Context(), req)
}

func (a *api) embeddings(_ http.ResponseWriter, r *http.Request) (any, error) {
	req, err := ParseEmbeddings(r.PathValue("owner_kind"), r.PathValue("owner_id"))
	if err != nil {
		return nil, err
	}
	return a.svc.Embeddings(r.Context(), req)
}

func (a *api) search(w http.ResponseWriter, r *http.Request) (any, error) {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, a.maxBody)
		defer func() { _, _ = io.Copy(io.Discard, r.Body) }() // keep the connection reusable
	}
	req, err := decodeSearch(r, a.maxBody)
	if err != nil {
		return nil, err
	}
	return a.svc.Search(r.Context(), req)
}

func (a *api) status(_ http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Status(r.Context())
}
