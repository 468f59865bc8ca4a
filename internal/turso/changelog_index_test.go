package turso

import (
	"slices"
	"testing"
	"time"

	"github.com/memsync/memsync/protocol"
)

// The change log carries no secondary index: each one is another page in
// every agent's commit (BenchmarkAgentWrite). A database an earlier version
// installed, with the former entity index, loses it at the next Install,
// and Uninstall drops it where no newer Install ran.
func TestChangeLogHasNoSecondaryIndex(t *testing.T) {
	indexes := func(d *DB) []string {
		return rowKeys(t, d, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memsync_changelog'`)
	}
	install := func(t *testing.T, d *DB) {
		t.Helper()
		if _, err := d.Install(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	formerIndex := func(t *testing.T, d *DB) { // what versions before 2026-12-03 created
		t.Helper()
		mustExec(t, d, `CREATE INDEX `+formerEntityIndex+` ON memsync_changelog(entity, entity_id)`)
	}
	t.Run("install", func(t *testing.T) {
		d := openTestDB(t, "")
		install(t, d)
		if got := indexes(d); len(got) != 0 {
			t.Fatalf("the change log has indexes %v, want none", got)
		}
	})
	t.Run("upgrade", func(t *testing.T) {
		d := openTestDB(t, "")
		fill(t, d, 4)
		install(t, d)
		formerIndex(t, d)
		install(t, d)
		if got := indexes(d); len(got) != 0 {
			t.Fatalf("after a second Install the change log has indexes %v, want none", got)
		}
	})
	t.Run("uninstall an old install", func(t *testing.T) {
		d := openTestDB(t, "")
		install(t, d)
		formerIndex(t, d)
		dropped, err := d.Uninstall(t.Context(), time.Now(), false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(dropped, Object{"index", formerEntityIndex}) {
			t.Fatalf("uninstall dropped %v, not the former index", dropped)
		}
		if got := rowKeys(t, d, `SELECT name FROM sqlite_master WHERE name LIKE 'memsync%'`); len(got) != 0 {
			t.Fatalf("after uninstall %v remain", got)
		}
	})
}

// VersionsAfter finds each wanted entity's newest change above the bound,
// ids byte for byte, and nothing for an entity whose changes are all at
// or below it, or that is not wanted.
func TestVersionsAfter(t *testing.T) {
	d := openTestDB(t, "")
	if _, err := d.Install(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw, fe := "ep-\xff", "ep-\xfe" // distinct bytes, one rune each in lossy UTF-8
	putEpisode(t, d, []byte(raw), 1)
	putEpisode(t, d, "ep-a", 2)
	mid, err := d.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	putEpisode(t, d, []byte(raw), 3) // INSERT OR REPLACE: delete + upsert
	putEpisode(t, d, []byte(fe), 4)
	putEpisode(t, d, "ep-b", 5)
	head, err := d.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	k := func(id string) EntityKey { return EntityKey{protocol.EntityEpisode, id} }
	want := []EntityKey{k(raw), k("ep-a"), k(fe), {protocol.EntityPattern, "ep-b"}}
	tests := []struct {
		after uint64
		want  map[EntityKey]uint64
	}{
		{0, map[EntityKey]uint64{k("ep-a"): mid, k(raw): head - 2, k(fe): head - 1}},
		{mid, map[EntityKey]uint64{k(raw): head - 2, k(fe): head - 1}},
		{head, map[EntityKey]uint64{}},
	}
	for _, tt := range tests {
		got, err := d.VersionsAfter(t.Context(), tt.after, want)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("after %d: got %v, want %v", tt.after, got, tt.want)
		}
		for key, v := range tt.want {
			if got[key] != v {
				t.Fatalf("after %d: %q has version %d, want %d (all: %v)", tt.after, key.ID, got[key], v, got)
			}
		}
	}
}
