package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
)

// `memsync rebuild --from stream|turso` by hand; a rebuild killed with
// SIGKILL part-way leaves the live cache untouched, and the next rebuild
// completes.
func TestCLIRebuild(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	memsync(t, nil, "seed", dd, "--episodes=3000", "--patterns=10", "--seed=4").want(t, 0)
	memsync(t, nil, "run", "--once", dd, "--max-episodes=0").want(t, 0)
	live := filepath.Join(dir, "cache", "default")

	kill := exec.Command(memsyncBin, "rebuild", dd, "--from=stream", "--max-episodes=0", "--batch-size=4")
	kill.Env = cleanEnv()
	mustDo(t, kill.Start())
	// kill it once it is staging (not after a fixed sleep: on a loaded
	// machine the process may not have started staging yet), and a little
	// into the work
	eventually(t, 30*time.Second, "the rebuild started staging", func() bool {
		_, err := os.Stat(live + ".rebuild")
		return err == nil
	})
	time.Sleep(100 * time.Millisecond)
	_ = kill.Process.Kill()
	_ = kill.Wait()
	if _, err := os.Stat(live + ".rebuild"); err != nil {
		t.Fatalf("the rebuild was not in progress when killed: %v", err)
	}
	s, err := cachestore.Open(live, &cachestore.Options{MaxEpisodes: 0})
	if err != nil {
		t.Fatalf("live cache damaged by a killed rebuild: %v", err)
	}
	if s.State().AppliedVersion == 0 {
		t.Fatal("live cache replaced by a half-built one")
	}
	s.Close()

	for _, from := range []string{"stream", "turso"} {
		out := memsync(t, nil, "rebuild", dd, "--from="+from, "--max-episodes=0").want(t, 0)
		if !strings.Contains(out.stdout, "rebuilt "+live+" from "+from) {
			t.Fatalf("rebuild output: %s", out.stdout)
		}
		memsync(t, nil, "validate", dd, "--max-episodes=0").want(t, 0)
	}
	if _, err := os.Stat(live + ".rebuild"); !os.IsNotExist(err) {
		t.Fatalf("staging directory left behind: %v", err)
	}
	memsync(t, nil, "rebuild", dd, "--from=disk").want(t, 2)
}
