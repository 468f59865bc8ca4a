package rebuild

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
)

// A Turso snapshot is stamped with the checkpoint's cursor; without a
// checkpoint with version 1 (live, below every replayed change), and rows
// no change log covers (memsync not installed, or installed after them
// without a capture) are refused (INVARIANT 5.2).
func TestStampFor(t *testing.T) {
	cases := []struct {
		name        string
		install     bool
		write       bool // an episode written after the install (its trigger fills the log)
		cursor      uint64
		loaded      int
		wantVersion uint64
		wantRefusal bool
	}{
		{"checkpoint: its cursor", true, true, 42, 5, 42, false},
		{"checkpoint on a database without memsync: its cursor", false, false, 7, 5, 7, false},
		{"no checkpoint, change log filled: version 1", true, true, 0, 5, lowestLive, false},
		{"no checkpoint, memsync not installed, rows: refused", false, false, 0, 5, lowestLive, true},
		{"no checkpoint, memsync not installed, no rows: accepted", false, false, 0, 0, lowestLive, false},
		{"no checkpoint, empty change log, rows: refused", true, false, 0, 1, lowestLive, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := testenv.Turso(t)
			if tc.install {
				if _, err := db.Install(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if tc.write {
				g := seed.NewGenerator(1, 0)
				g.Base = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix()
				if err := seed.PutEpisode(t.Context(), db.SQL(), g.Episode(0, nil)); err != nil {
					t.Fatal(err)
				}
			}
			var st stamp
			err := db.Snapshot(t.Context(), func(tx *sql.Tx) error {
				var err error
				st, err = stampFor(t.Context(), tx, checkpoint{cursor: tc.cursor})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.version != tc.wantVersion {
				t.Errorf("version %d, want %d", st.version, tc.wantVersion)
			}
			if err := st.check(tc.loaded); errors.Is(err, ErrNotCaptured) != tc.wantRefusal {
				t.Errorf("check(%d): %v, refusal wanted: %v", tc.loaded, err, tc.wantRefusal)
			}
		})
	}
}
