package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"
)

// progress shows a bar with rate and ETA on a terminal and plain periodic
// log lines otherwise.
type progress struct {
	name  string
	log   *slog.Logger
	tty   bool
	start time.Time
	last  time.Time
	shown bool
	doneN int
	total int
}

func newProgress(name string, log *slog.Logger) *progress {
	return &progress{name: name, log: log, tty: isTerminal(os.Stderr), start: time.Now()}
}

func (p *progress) update(done, total int) {
	p.doneN, p.total = done, total
	now := time.Now()
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

func (p *progress) render(now time.Time, done, total int) {
	rate := float64(done) / now.Sub(p.start).Seconds()
	eta := time.Duration(0)
	if rate > 0 && total > done {
		eta = time.Duration(float64(total-done)/rate) * time.Second
	}
	if !p.tty {
		p.log.Info(p.name+" progress", "done", done, "total", total, "per_second", int(rate), "eta", eta)
		return
	}
	p.shown = true
	fmt.Fprintf(os.Stderr, "\r%-8s %s %d/%d  %.0f/s  ETA %s   ", p.name, bar(done, total), done, total, rate, eta)
}

func (p *progress) done() {
	if p.shown {
		p.render(time.Now(), p.doneN, p.total) // the final state, not the last throttled one
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
