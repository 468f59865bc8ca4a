package testenv

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/memsync/memsync/internal/turso"
)

// Turso opens a fresh libSQL file with the synced tables (not memsync's objects).
func Turso(t testing.TB) (*turso.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "memory.db")
	return TursoAt(t, path), path
}

// TursoAt opens (or creates) the libSQL file at path with the synced tables.
func TursoAt(t testing.TB, path string) *turso.DB {
	t.Helper()
	db := OpenTurso(t, path)
	if err := db.CreateTables(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// OpenTurso opens an existing (or new) libSQL file, closed at cleanup.
func OpenTurso(t testing.TB, path string) *turso.DB {
	t.Helper()
	db, err := turso.Open(context.Background(), "file:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
