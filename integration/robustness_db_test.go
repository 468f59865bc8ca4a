package integration

import (
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
)

// The robustness faults that replace or restore the database, and the
// stream operations the faults share.

// restoreOrBackUp takes a consistent backup of the database the first time
// and restores it (an earlier point: the head goes below the published
// cursor, the lineage stays) the next time, with both processes stopped.
func (c *chaos) restoreOrBackUp() {
	backup := filepath.Join(c.dir, "backup.db")
	if _, err := os.Stat(backup); err != nil {
		if _, err := c.db.SQL().ExecContext(c.t.Context(), "VACUUM INTO ?", backup); err != nil {
			c.t.Fatalf("backup: %v", err)
		}
		return
	}
	c.dropDatabase()
	b, err := os.ReadFile(backup)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(c.path, b, 0o644); err != nil {
		c.t.Fatal(err)
	}
	_ = os.Remove(backup)
	c.restores++
	c.db = testenv.OpenTurso(c.t, c.path)
	c.resume()
}

func (c *chaos) streamOp(op func(jetstream.Stream) error) {
	if s, err := c.js.Stream(c.t.Context(), "MEMSYNC"); err == nil {
		_ = op(s)
	}
}

// replaceDatabase swaps the Turso file for a different database (a new
// lineage) with both processes stopped, as an operator restoring another
// backup would.
func (c *chaos) replaceDatabase(s uint64) {
	c.dropDatabase()
	c.lineage++
	c.db = testenv.TursoAt(c.t, c.path)
	if err := seed.Seed(c.t.Context(), c.db.SQL(), seed.Options{Episodes: 60, Patterns: 3, EmbeddingDim: 16, Seed: s}); err != nil {
		c.t.Fatal(err)
	}
	c.resume()
}

// dropDatabase stops the agent, kills both processes, closes the database
// and removes its files.
func (c *chaos) dropDatabase() {
	c.written += c.stopWrite()
	c.cf.kill()
	c.wk.kill()
	c.db.Close()
	for _, f := range dbFiles(c.path) {
		_ = os.Remove(f)
	}
}

// resume starts the agent and both processes again on c.db.
func (c *chaos) resume() {
	c.stopWrite = startChaosWriter(c.t, c.db)
	c.cf.start()
	c.wk.start()
}
