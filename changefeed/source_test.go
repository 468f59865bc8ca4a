package changefeed

import (
	"testing"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// urlSource is a Source of which New uses only the URL.
type urlSource struct {
	Source
	url string
}

func (u urlSource) URL() string { return u.url }

// New takes any Source and picks the poll schedule by its URL; no
// database (an options check), a nil *turso.DB included, is local as
// before Source existed.
func TestNewTakesASource(t *testing.T) {
	var nilDB *turso.DB
	local := pollSchedule{DefaultLocalPollMin, DefaultLocalPollInterval}
	remote := pollSchedule{DefaultRemotePollMin, DefaultRemotePollInterval}
	cases := []struct {
		name string
		db   Source
		want pollSchedule
	}{
		{"no database", nil, local},
		{"a nil *turso.DB", nilDB, local},
		{"a local file", urlSource{url: "file:/tmp/m.db"}, local},
		{"a remote database", urlSource{url: "libsql://memsync-test.invalid"}, remote},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.db, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.sched != tc.want {
				t.Fatalf("schedule %+v, want %+v", c.sched, tc.want)
			}
		})
	}
	if _, err := New(urlSource{url: "file:/tmp/m.db"}, nil, &Options{PollMin: time.Second, PollInterval: time.Millisecond}); err == nil {
		t.Fatal("options out of range accepted")
	}
}
