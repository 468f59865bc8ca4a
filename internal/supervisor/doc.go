// Package supervisor runs a worker on a cache directory and keeps it
// running: Supervise, which `memsync run` and `memsync worker` call.
//
// It owns the cache directory while it runs: it finishes a swap a killed
// rebuild left half-done, opens the cache (with a retrieval index when it
// is served) and hands it to the read side (Options.Serve) before the
// worker runs, and takes it back before it closes or swaps it. When the
// worker stops with an error only a rebuild repairs, the supervisor picks
// the source (route.go: Turso when the cache cannot trust the stream's
// history and Turso is reachable, the stream otherwise), rebuilds through
// internal/rebuild with the cache closed, and runs a new worker; at most
// three automatic rebuilds in ten minutes (limit.go), then it stops for an
// operator. Any other error stops it. It also answers sync.trigger for its
// worker (trigger.go, requests.go), registers the worker's status and
// validate endpoints as a NATS micro service (service.go) and validates
// the cache against Turso periodically (validate.go).
//
// Lifecycle: Supervise(ctx, *Options, started) returns when ctx is done
// (nil), or with the error that stopped it; started hears every opened
// store and its worker, and nil, nil before they are closed.
//
// Invariants upheld here (numbered as in docs/design.md, section 3):
// 7.1 (a closed cache is never reported ready: the observer hears nil
// first, run.go runOnce) and 9 (a corrupt, replaced or untrusted cache is
// rebuilt, never patched, at most three times in ten minutes).
//
// Import direction: supervisor imports rebuild and worker; neither imports
// it (internal/archtest).
package supervisor
