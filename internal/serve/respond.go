package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/memsync/memsync/internal/query"
)

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Error codes (ErrorResponse.Code).
const (
	CodeNotFound    = "not_found"          // 404, query.ErrNotFound
	CodeBadRequest  = "bad_request"        // 400, query.ErrBadRequest
	CodeUnavailable = "unavailable"        // 503, query.ErrUnavailable
	CodeUnauth      = "unauthorized"       // 401, ErrUnauthorized
	CodeTooLarge    = "too_large"          // 413, ErrTooLarge
	CodeInternal    = "internal"           // 500, anything else
	codeNoRoute     = "no_route"           // 404, no such path
	codeMethod      = "method_not_allowed" // 405
)

// httpError is an answer decided by the transport itself.
type httpError struct {
	status int
	code   string
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// classify maps an error to its status, code and message.
func classify(err error) (int, string, string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.code, he.msg
	case errors.Is(err, query.ErrNotFound):
		return http.StatusNotFound, CodeNotFound, err.Error()
	case errors.Is(err, query.ErrBadRequest):
		return http.StatusBadRequest, CodeBadRequest, err.Error()
	case errors.Is(err, query.ErrUnavailable):
		return http.StatusServiceUnavailable, CodeUnavailable, err.Error()
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error()
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, CodeUnauth, unauthorizedMsg
	}
	return http.StatusInternalServerError, CodeInternal, err.Error()
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := classify(err)
	writeJSON(w, r, status, ErrorResponse{Error: msg, Code: code})
}

// writeJSON writes v exactly as json.Marshal encodes it, plus a newline.
// Encoding happens before the header is written, so a value that cannot be
// encoded is a 500, never a truncated 200.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		if _, isErr := v.(ErrorResponse); !isErr {
			writeError(w, r, fmt.Errorf("serve: encoding the %s response: %w", r.URL.Path, err))
		}
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
