package worker

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// A cache offline for longer than the stream keeps delete tombstones must
// be rebuilt (ErrTombstonesExpired); within the retention, with none set,
// never synced, or in contact with the server moments ago (a reconnect) it
// binds. Decided on the worker's fake clock against the cache's last sync.
func TestTombstoneExpiry(t *testing.T) {
	const ttl = time.Hour
	cases := []struct {
		name        string
		meta        map[string]string
		lastSync    time.Duration // before now (0: never synced)
		lastContact time.Duration // before now (0: none since the worker started)
		want        error
	}{
		{"offline within the retention", ttlMeta(ttl), 30 * time.Minute, 0, nil},
		{"offline exactly the retention", ttlMeta(ttl), ttl, 0, nil},
		{"offline longer than the retention", ttlMeta(ttl), ttl + time.Second, 0, ErrTombstonesExpired},
		{"offline longer, in contact a minute ago (reconnect)", ttlMeta(ttl), 2 * ttl, time.Minute, nil},
		{"offline longer, last contact longer ago too", ttlMeta(ttl), 2 * ttl, ttl + time.Second, ErrTombstonesExpired},
		{"never synced", ttlMeta(ttl), 0, 0, nil},
		{"tombstones kept forever", ttlMeta(0), 48 * time.Hour, 0, nil},
		{"no retention recorded", nil, 48 * time.Hour, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{}, nil)
			now := t0.Add(100 * 24 * time.Hour)
			if tc.lastSync > 0 {
				if err := r.store.Touch(now.Add(-tc.lastSync)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.lastContact > 0 {
				r.w.lastContact = now.Add(-tc.lastContact)
			}
			r.clock.set(now)
			info := &jetstream.StreamInfo{Config: jetstream.StreamConfig{Name: protocol.DefaultStream, Metadata: tc.meta}}
			if err := r.w.checkTombstones(info, r.store.State()); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("checkTombstones: %v, want %v", err, tc.want)
			}
		})
	}
}

func ttlMeta(d time.Duration) map[string]string {
	return map[string]string{protocol.MetaTombstoneTTL: d.String()}
}
