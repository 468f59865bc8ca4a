// Package testenv starts the real parts that tests need: an in-process
// nats-server with JetStream on 127.0.0.1 (random port, temp store) that can
// be restarted on the same store, and libSQL database files. Its
// subpackage cputime (standard library only) reads the process's CPU time
// for benchmarks.
package testenv
