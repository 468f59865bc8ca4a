package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/memsync/memsync/internal/query"
)

// DefaultMaxBodyBytes bounds a request body (HandlerOptions.MaxBodyBytes).
const DefaultMaxBodyBytes = 1 << 20

// DecodeSearch reads a search request: POST /v1/search with a JSON
// query.SearchRequest body (unknown fields, malformed JSON, trailing data
// and a body over DefaultMaxBodyBytes are refused), or GET /v1/search with
// query parameters (ParseSearch). Errors wrap query.ErrBadRequest, or
// ErrTooLarge for a body over the limit.
func DecodeSearch(r *http.Request) (query.SearchRequest, error) {
	return decodeSearch(r, DefaultMaxBodyBytes)
}

func decodeSearch(r *http.Request, limit int64) (query.SearchRequest, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		v, err := queryOf(r)
		if err != nil {
			return query.SearchRequest{}, err
		}
		return ParseSearch(v)
	}
	if r.Body == nil {
		return query.SearchRequest{}, badRequest("empty request body: want a JSON search request")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
		return query.SearchRequest{}, tooLarge(mb.Limit)
	}
	if err != nil {
		return query.SearchRequest{}, badRequest("reading the request body: %v", err)
	}
	if int64(len(body)) > limit {
		return query.SearchRequest{}, tooLarge(limit)
	}
	return decodeSearchJSON(body)
}

func tooLarge(limit int64) error {
	return fmt.Errorf("%w: request body over %d bytes", ErrTooLarge, limit)
}

// decodeSearchJSON decodes exactly one JSON object into a SearchRequest.
func decodeSearchJSON(body []byte) (query.SearchRequest, error) {
	var r query.SearchRequest
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return r, badRequest("empty request body: want a JSON search request")
	}
	if trimmed[0] != '{' {
		return r, badRequest("request body is not a JSON object (starts with %s)", quote(string(trimmed[:min(len(trimmed), 8)])))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return query.SearchRequest{}, jsonError(err)
	}
	if off := dec.InputOffset(); len(bytes.TrimLeft(body[off:], " \t\r\n")) > 0 {
		return query.SearchRequest{}, badRequest("trailing data after the JSON object at byte offset %d", off)
	}
	if len(r.Vector) == 0 {
		r.Vector = nil // "vector": [] means no vector
	}
	if err := validateSearch(r); err != nil {
		return query.SearchRequest{}, err
	}
	return r, nil
}

// jsonError names what encoding/json found wrong, with its byte offset.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badRequest("malformed JSON at byte offset %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return badRequest("field %s: want %s, got JSON %s at byte offset %d", field, typ.Type, typ.Value, typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("malformed JSON: unexpected end of the request body")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s in the search request", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}
