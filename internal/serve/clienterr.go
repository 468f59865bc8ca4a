package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"

	"github.com/memsync/memsync/internal/query"
)

// remoteError is an error answer mapped back to its sentinel: errors.Is
// sees the sentinel, Error is the server's message (prefixed with the
// sentinel's text unless the message already starts with it).
type remoteError struct {
	sentinel error
	msg      string
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

// responseError decodes an error answer (ErrorResponse) into an error
// wrapping the matching sentinel: query.ErrNotFound, query.ErrBadRequest,
// query.ErrUnavailable, ErrUnauthorized, ErrTooLarge, else ErrRemote.
func responseError(status int, body []byte) error {
	var e ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
		return fmt.Errorf("%w: HTTP %d: %s", ErrRemote, status, quote(strings.TrimSpace(string(body))))
	}
	code := e.Code
	if code == "" {
		code = codeForStatus(status)
	}
	var sentinel error
	switch code {
	case CodeNotFound:
		sentinel = query.ErrNotFound
	case CodeBadRequest:
		sentinel = query.ErrBadRequest
	case CodeUnavailable:
		sentinel = query.ErrUnavailable
	case CodeUnauth:
		sentinel = ErrUnauthorized
	case CodeTooLarge:
		sentinel = ErrTooLarge
	default:
		return &remoteError{sentinel: ErrRemote, msg: fmt.Sprintf("%s: HTTP %d: %s", ErrRemote, status, e.Error)}
	}
	return &remoteError{sentinel: sentinel, msg: joinMessage(sentinel, e.Error)}
}

// joinMessage prefixes msg with sentinel's text, without doubling it.
func joinMessage(sentinel error, msg string) string {
	s := sentinel.Error()
	switch {
	case strings.HasPrefix(msg, s):
		return msg
	case strings.HasSuffix(s, msg):
		return s
	}
	return s + ": " + msg
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	case http.StatusUnauthorized:
		return CodeUnauth
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	}
	return CodeInternal
}

// noServer reports a dial that found nothing listening.
func noServer(err error) bool {
	return errors.Is(err, ErrNoServer) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}
