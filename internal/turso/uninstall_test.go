package turso

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func schemaObjects(t *testing.T, d *DB) []string {
	t.Helper()
	return rowKeys(t, d, `SELECT type || ' ' || name FROM sqlite_master ORDER BY type, name`)
}

// Uninstall drops exactly what Install created (ownObjects is checked
// against sqlite_master) and nothing else: a user's object that merely
// shares the prefix, the synced tables and their rows stay.
func TestUninstallDropsExactlyOwnObjects(t *testing.T) {
	d := openTestDB(t, "")
	fill(t, d, 20)
	mustExec(t, d, `CREATE TABLE memsync_notes (x TEXT)`) // not memsync's
	bare := schemaObjects(t, d)
	if _, err := d.Install(t.Context()); err != nil {
		t.Fatal(err)
	}
	var created []string
	for _, o := range schemaObjects(t, d) {
		// sqlite_sequence is SQLite's; a table's autoindex goes with the table
		if !slices.Contains(bare, o) && o != "table sqlite_sequence" && !strings.HasPrefix(o, "index sqlite_autoindex_memsync_") {
			created = append(created, o)
		}
	}
	var own []string
	for _, o := range ownObjects() {
		own = append(own, o.Type+" "+o.Name)
	}
	slices.Sort(own)
	if !slices.Equal(created, own) {
		t.Fatalf("Install created %v, ownObjects lists %v", created, own)
	}
	dropped, err := d.Uninstall(t.Context(), time.Now(), false)
	if err != nil || len(dropped) != len(own) {
		t.Fatalf("uninstall dropped %v, %v", dropped, err)
	}
	after := slices.DeleteFunc(schemaObjects(t, d), func(o string) bool { return o == "table sqlite_sequence" })
	if !slices.Equal(after, bare) {
		t.Fatalf("after uninstall the schema is %v, want %v", after, bare)
	}
	if n, _ := d.Count(t.Context(), "episode"); n != 20 {
		t.Fatalf("%d episodes left, want 20", n)
	}
	if seq := rowKeys(t, d, `SELECT name FROM sqlite_sequence`); slices.Contains(seq, "memsync_changelog") {
		t.Fatal("sqlite_sequence still holds memsync_changelog")
	}
	if again, err := d.Uninstall(t.Context(), time.Now(), false); err != nil || len(again) != 0 {
		t.Fatalf("second uninstall: %v, %v", again, err)
	}
}

func TestUninstallRefusesWhileLive(t *testing.T) {
	t0 := time.UnixMilli(1_767_225_600_000)
	tests := []struct {
		name     string
		now      time.Time
		capture  bool // a capture advanced at t0 instead of a publish
		force    bool
		wantLive bool
	}{
		{"published a minute ago", t0.Add(time.Minute), false, false, true},
		{"published a minute ago, forced", t0.Add(time.Minute), false, true, false},
		{"published long ago", t0.Add(LiveWindow + time.Second), false, false, false},
		{"capture advanced a minute ago", t0.Add(time.Minute), true, false, true},
		{"capture advanced long ago", t0.Add(LiveWindow + time.Second), true, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := openTestDB(t, "")
			if _, err := d.Install(t.Context()); err != nil {
				t.Fatal(err)
			}
			if tc.capture {
				c, err := d.sql.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if err := saveCapture(t.Context(), c, newCapture(captureResnapshot, 1, t0)); err != nil {
					t.Fatal(err)
				}
			} else if err := d.writePublished(t.Context(), 7, t0); err != nil {
				t.Fatal(err)
			}
			dropped, err := d.Uninstall(t.Context(), tc.now, tc.force)
			if live := errors.Is(err, ErrChangefeedLive); live != tc.wantLive || (!live && err != nil) {
				t.Fatalf("uninstall: %v (want live %v)", err, tc.wantLive)
			}
			if tc.wantLive != (len(dropped) == 0) {
				t.Fatalf("dropped %v while live %v", dropped, tc.wantLive)
			}
		})
	}
}
