package main

import (
	"log/slog"

	"github.com/memsync/memsync/internal/memstat"
)

// memoryFlags are the long-running commands' --memory-limit: the soft limit
// of the process's Go memory, the embedded NATS server's included.
type memoryFlags struct {
	limit byteSize
}

func (m *memoryFlags) register(cl *commandLine) {
	cl.fs.Var(&m.limit, "memory-limit", "soft limit of this process's memory, e.g. 512MiB (0 = GOMEMLIMIT or none); with the embedded NATS it bounds the server too")
}

// apply sets the limit when one was given and logs the one in force.
func (m *memoryFlags) apply(log *slog.Logger) {
	if m.limit > 0 {
		memstat.SetLimit(int64(m.limit))
	}
	if l := memstat.Read().LimitBytes; l > 0 {
		log.Info("memory limit", "bytes", l)
	}
}
