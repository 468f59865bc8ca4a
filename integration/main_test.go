package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// memsyncBin is the real binary, built once for the process-level tests
// (go-libsql makes a cold build slow). MEMSYNC_BIN overrides it.
var memsyncBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if bin := os.Getenv("MEMSYNC_BIN"); bin != "" {
		memsyncBin = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "memsync-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	memsyncBin = filepath.Join(dir, "memsync")
	build := exec.Command("go", "build", "-o", memsyncBin, "../cmd/memsync")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building memsync:", err)
		return 1
	}
	return m.Run()
}
