package serve

import "errors"

var (
	// ErrInsecureAddr reports a TCP address that is not loopback while no
	// bearer token is set.
	ErrInsecureAddr = errors.New("serve: refusing a non-loopback address without a token")
	// ErrInUse reports a socket a live server already answers on.
	ErrInUse = errors.New("serve: socket in use")
	// ErrNoServer reports that no server runs: no discovery file, or nothing
	// listening on the socket or address.
	ErrNoServer = errors.New("serve: no server running")
	// ErrStale reports a discovery file left by a process that exited or no
	// longer answers; Discover removes it.
	ErrStale = errors.New("serve: stale discovery file")
	// ErrTooLarge reports a request body over the limit (HTTP 413).
	ErrTooLarge = errors.New("serve: too large")
	// ErrUnauthorized reports a missing or wrong bearer token (HTTP 401).
	ErrUnauthorized = errors.New("serve: missing or wrong bearer token")
	// ErrOptions reports invalid Options or HandlerOptions.
	ErrOptions = errors.New("serve: invalid options")
	// ErrRemote reports an error response the Client cannot map to a
	// sentinel (HTTP 500, an unknown route, a response that is not JSON).
	ErrRemote = errors.New("serve: server error")
)
