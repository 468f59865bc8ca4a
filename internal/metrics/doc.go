// Package metrics exposes memsync's Prometheus metrics and the /healthz and
// /readyz endpoints. Values are read from the components' counters at scrape
// time; batch sizes and durations are observed per batch through hooks. No
// label or value ever carries a credential.
package metrics
