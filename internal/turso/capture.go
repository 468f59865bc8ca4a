package turso

import (
	"github.com/memsync/memsync/internal/outage"

	"context"
	"database/sql"
	"time"
)

// A capture (the bootstrap, a re-snapshot) copies the key of every current
// row into the change log, chunk by chunk. Each chunk is one short
// IMMEDIATE transaction that reads the progress, captures at most
// chunkRows rows from there, and records the new progress; between chunks
// the capture pauses as long as the chunk held the lock, so agents waiting
// on their busy timeout get the lock first.
//
// Why nothing is missed (INVARIANT 1.8): the triggers were installed before
// the capture was planned (install.go). A row that exists when the plan
// commits and is never written again keeps its key, so the chunk whose
// keyset range covers that key captures it (or, for an odd row, the chunk
// given its rowid). A row written after the plan committed is captured by
// its trigger, with a change_id above everything before it: changed or
// deleted between chunks, moved behind or ahead of the keyset position,
// new. Capturing it twice (trigger and chunk) is harmless: the publisher
// joins the current row, and versions only grow.
//
// Why a crash is safe: progress commits with the rows it describes, so a
// process killed between chunks (or inside one, which rolls back) leaves a
// plan that the next Install or capture resumes exactly where the last
// committed chunk stopped. Why concurrent installers are safe: every chunk
// re-reads the progress under the write lock, so processes running the
// same plan take turns, and each row is captured by exactly one chunk.

// DefaultCaptureChunk is the rows one chunk captures.
const DefaultCaptureChunk = 2000

// maxCapturePause bounds the pause after one chunk.
const maxCapturePause = 250 * time.Millisecond

// captureConfig tunes the chunks; package tests shrink them and inject
// faults between chunks.
type captureConfig struct {
	rows       int
	afterChunk func() error // runs after each committed chunk but the last
	progress   func(rows int64)
}

// SetCaptureProgress makes every later capture call fn after each
// committed chunk with the rows it has captured so far (a 1M-row bootstrap
// takes minutes: the changefeed logs its progress). Set it before Install.
func (d *DB) SetCaptureProgress(fn func(captured int64)) { d.capture.progress = fn }

func (d *DB) chunkRows() int {
	if d.capture.rows > 0 {
		return d.capture.rows
	}
	return DefaultCaptureChunk
}

// runCapture runs the capture in progress, if any, to completion.
func (d *DB) runCapture(ctx context.Context) (CaptureStats, error) {
	var stats CaptureStats
	var odd oddRows
	for {
		st, ok, err := loadCapture(ctx, d.sql)
		if err != nil || !ok {
			return stats, err
		}
		if err := odd.ensure(ctx, d, st.Nonce); err != nil {
			return stats, err
		}
		rows, done, held, err := d.captureChunk(ctx, &odd)
		if err != nil {
			return stats, err
		}
		stats.add(rows, held)
		if p := d.capture.progress; p != nil {
			p(stats.Rows)
		}
		if done {
			return stats, nil
		}
		if h := d.capture.afterChunk; h != nil {
			if err := h(); err != nil {
				return stats, err
			}
		}
		if !outage.Sleep(ctx, min(max(held, time.Millisecond), maxCapturePause)) {
			return stats, ctx.Err()
		}
	}
}

// captureChunk commits one chunk. A plan replaced since odd was found (its
// nonce differs) is left for the next round, which finds its odd rows.
//
// INVARIANT 1.8 (chunk): the progress is read and saved inside the chunk's
// own IMMEDIATE transaction, with the rows it captures: they commit or roll
// back together, and two processes never capture the same range.
func (d *DB) captureChunk(ctx context.Context, odd *oddRows) (rows int64, done bool, held time.Duration, err error) {
	held, err = d.immediateHeld(ctx, func(c *sql.Conn) error {
		st, ok, err := loadCapture(ctx, c)
		if err != nil || !ok || st.Nonce != odd.nonce {
			done = !ok
			return err
		}
		if rows, err = captureSteps(ctx, c, &st, d.chunkRows(), odd); err != nil {
			return err
		}
		st.Rows, st.AtMs, done = st.Rows+rows, time.Now().UnixMilli(), st.done()
		return saveCapture(ctx, c, st)
	})
	return rows, done, held, err
}

// captureSteps captures up to budget rows, going on to the next phases
// while the budget lasts (an empty table costs no transaction of its own).
func captureSteps(ctx context.Context, c *sql.Conn, st *captureState, budget int, odd *oddRows) (int64, error) {
	var total int64
	for budget > 0 && !st.done() {
		p := capturePhases[st.Phase]
		var n int64
		var used int
		var more bool
		var err error
		if p.odd {
			n, used, more, err = p.oddChunk(ctx, c, st, budget, odd)
		} else {
			n, err = p.keysetChunk(ctx, c, st, budget)
			used, more = int(n), n == int64(budget)
		}
		if err != nil {
			return total, err
		}
		total, budget = total+n, budget-used
		if !more {
			st.nextPhase()
		}
	}
	return total, nil
}
