// Package cputime measures the CPU time (user + system) the test process
// has used, for benchmarks that report it next to wall time on shared,
// noisy machines. It imports only the standard library, so any package's
// tests may use it without linking the rest of testenv (nats-server,
// go-libsql). It holds no state and cannot fail: where the figure cannot be
// read it is 0.
package cputime
