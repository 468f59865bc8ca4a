// Package integration holds end-to-end tests of memsync with real parts: an
// in-process nats-server with JetStream, libSQL files through go-libsql, real
// Pebble directories, and the real memsync binary for process-level tests.
package integration
