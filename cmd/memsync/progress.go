package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"
)

// progress shows a bar with rate and ETA on a terminal and plain periodic
// log lines otherwise. The rate counts from the first update, not from
// creation: what came before it (a capture of the whole database before the
// first publish) would make the rate low and the ETA days long.
type progress struct {
	name      string
	log       *slog.Logger
	tty       bool
	now       func() time.Time
	first     time.Time // the first update
	firstDone int       // done at the first update
	last      time.Time
	shown     bool
	doneN     int
	total     int
}

func newProgress(name string, log *slog.Logger) *progress {
	return &progress{name: name, log: log, tty: isTerminal(os.Stderr), now: time.Now}
}

func (p *progress) update(done, total int) {
	p.doneN, p.total = done, total
	now := p.now()
	if p.first.IsZero() {
		p.first, p.firstDone = now, done
	}
	every := 5 * time.Second
	if p.tty {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.render(now, done, total)
}

// rate is per second since the first update, and the time left at it
// (-1: not known yet, at the first update).
func (p *progress) rate(now time.Time, done, total int) (float64, time.Duration) {
	elapsed := now.Sub(p.first).Seconds()
	if elapsed <= 0 {
		return 0, -1
	}
	rate := float64(done-p.firstDone) / elapsed
	if rate <= 0 || total <= done {
		return max(rate, 0), 0
	}
	return rate, (time.Duration(float64(total-done)/rate*1e3) * time.Millisecond).Round(time.Second)
}

func (p *progress) render(now time.Time, done, total int) {
	rate, eta := p.rate(now, done, total)
	etaText := eta.String() // as text: a JSON log would print a Duration as nanoseconds
	if eta < 0 {
		etaText = "unknown"
	}
	if !p.tty {
		p.log.Info(p.name+" progress", "done", done, "total", total, "per_second", int(rate), "eta", etaText)
		return
	}
	p.shown = true
	fmt.Fprintf(os.Stderr, "\r%-8s %s %d/%d  %.0f/s  ETA %s   ", p.name, bar(done, total), done, total, rate, etaText)
}

func (p *progress) done() {
	if p.shown {
		p.render(p.now(), p.doneN, p.total) // the final state, not the last throttled one
		fmt.Fprintln(os.Stderr)
	}
}

func bar(done, total int) string {
	const width = 30
	n := width
	if total > 0 {
		n = min(width, done*width/total)
	}
	b := make([]byte, width)
	for i := range b {
		b[i] = '.'
		if i < n {
			b[i] = '#'
		}
	}
	return "[" + string(b) + "]"
}
