// Package memstat reads this process's memory figures (resident set, the
// Go runtime's heap and total, the soft memory limit) for status and
// metrics, and sets the limit.
//
// It owns no state and starts no goroutine. Read is cheap (a runtime/metrics
// sample and one read of /proc/self/statm) and safe from any goroutine.
//
// When `memsync run` embeds the NATS JetStream server, the server's memory
// (its per-subject index, the message blocks it caches) is part of this
// process: Memory.EmbeddedNATS says so, and the soft limit SetLimit sets
// applies to both, as GOMEMLIMIT does. The limit is Go's (runtime/debug):
// near it the collector runs more often, it does not fail allocations.
package memstat
