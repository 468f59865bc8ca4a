package turso

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// MarkPublishedEvery bounds how often a changefeed records that it
// published: one tiny write to memsync_meta per interval at most, and none
// while it has nothing to publish.
const MarkPublishedEvery = 5 * time.Second

// Keys of memsync_meta written by NotePublished.
const (
	keyPublishedAt     = "last_published_at"     // unix milliseconds
	keyPublishedCursor = "last_published_cursor" // the change_id published up to
)

// publishMark rate-limits NotePublished and tracks its background write.
type publishMark struct {
	mu       sync.Mutex
	last     time.Time
	inFlight bool
	closed   bool
	wg       sync.WaitGroup
	stop     chan struct{} // closed by close: cancels the write in flight
}

// due reports whether a record is due at now, and claims it.
func (m *publishMark) due(now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight || m.closed || (!m.last.IsZero() && now.Sub(m.last) < MarkPublishedEvery) {
		return false
	}
	m.last, m.inFlight = now, true
	m.wg.Add(1)
	return true
}

func (m *publishMark) finish() {
	m.mu.Lock()
	m.inFlight = false
	m.mu.Unlock()
	m.wg.Done()
}

// close cancels a write in flight and waits for it; under mu, so that no
// write is claimed after it.
func (m *publishMark) close() {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.stop)
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// context is a write's context: bounded, and cancelled by close.
func (m *publishMark) context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	go func() {
		select {
		case <-m.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// NotePublished records that a changefeed published up to cursor at now
// (last_published_at, last_published_cursor in memsync_meta): the evidence
// by which `uninstall` refuses while a changefeed is live and `status`
// warns when the change log grows with nobody publishing it. At most one
// write per MarkPublishedEvery; it runs in the background so a publish
// never waits on Turso's write lock for it, and its errors are ignored
// (the record is advisory; a publish never fails because of it).
func (d *DB) NotePublished(cursor uint64, now time.Time) {
	if !d.mark.due(now) {
		return
	}
	go func() {
		defer d.mark.finish()
		ctx, cancel := d.mark.context()
		defer cancel()
		_ = d.writePublished(ctx, cursor, now)
	}()
}

func (d *DB) writePublished(ctx context.Context, cursor uint64, now time.Time) error {
	_, err := d.sql.ExecContext(ctx, `INSERT INTO memsync_meta(key, value) VALUES (?, ?), (?, ?)
  ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		keyPublishedAt, strconv.FormatInt(now.UnixMilli(), 10), keyPublishedCursor, strconv.FormatUint(cursor, 10))
	return d.classify(err)
}
