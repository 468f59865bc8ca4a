package turso

import (
	"strings"
	"testing"
	"time"
)

func TestStatusWarnings(t *testing.T) {
	now := time.UnixMilli(1_767_225_600_000)
	old, recent := now.Add(-2*StaleFeedAfter), now.Add(-time.Minute)
	tests := []struct {
		name string
		l    Liveness
		want []string // substrings, one per warning
	}{
		{"not installed", Liveness{Head: 9, LastPublishedAt: old}, nil},
		{"published long ago, log grew", Liveness{Installed: true, LastPublishedAt: old, PublishedCursor: 5, Head: 9}, []string{"no changefeed has published for 2h0m0s"}},
		{"published long ago, nothing since", Liveness{Installed: true, LastPublishedAt: old, PublishedCursor: 9, Head: 9}, nil},
		{"published recently", Liveness{Installed: true, LastPublishedAt: recent, PublishedCursor: 5, Head: 9}, nil},
		{"never published, installed long ago, changes", Liveness{Installed: true, InstalledAt: old, Head: 3, OldestChangeAt: old}, []string{"published up to 0"}},
		{"never published, installed long ago, empty log", Liveness{Installed: true, InstalledAt: old}, nil},
		{"never published, installed recently", Liveness{Installed: true, InstalledAt: recent, Head: 3, OldestChangeAt: old}, nil},
		{"legacy install, old changes", Liveness{Installed: true, Head: 3, OldestChangeAt: old}, []string{"grows"}},
		{"legacy install, recent changes", Liveness{Installed: true, Head: 3, OldestChangeAt: recent}, nil},
		{"capture stopped long ago", Liveness{Installed: true, LastPublishedAt: recent, Capture: &CaptureProgress{Kind: "bootstrap", Table: "patterns", At: old}}, []string{"bootstrap capture stopped"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.l.Warnings(now)
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q does not say %q", got[i], w)
				}
			}
		})
	}
}

// NotePublished writes at most once per MarkPublishedEvery (by the
// caller's clock) and ReadLiveness reads it back with the head.
func TestNotePublishedIsRateLimited(t *testing.T) {
	d := openTestDB(t, "")
	fill(t, d, 3)
	if _, err := d.Install(t.Context()); err != nil {
		t.Fatal(err)
	}
	t0 := time.UnixMilli(1_767_225_600_000)
	steps := []struct {
		cursor   uint64
		at       time.Time
		wantCur  uint64
		wantTime time.Time
	}{
		{2, t0, 2, t0},
		{3, t0.Add(MarkPublishedEvery - time.Millisecond), 2, t0},
		{4, t0.Add(MarkPublishedEvery), 4, t0.Add(MarkPublishedEvery)},
	}
	for _, s := range steps {
		d.NotePublished(s.cursor, s.at)
		d.mark.wg.Wait()
		l, err := d.ReadLiveness(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if l.PublishedCursor != s.wantCur || !l.LastPublishedAt.Equal(s.wantTime) || !l.Installed || l.Head != 5 { // 3 episodes, 1 pattern, 1 embedding
			t.Fatalf("after NotePublished(%d, %v): %+v", s.cursor, s.at, l)
		}
	}
}
