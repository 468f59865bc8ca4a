package worker

import "time"

// phases times the steps of a start (binding, catching up) for the log
// line that says where a slow start went.
type phases struct {
	now  func() time.Time
	last time.Time
	took []any // "stream", 3ms, "continuity", 1ms, ...
}

func newPhases(now func() time.Time) *phases { return &phases{now: now, last: now()} }

// mark ends the phase name.
func (p *phases) mark(name string) {
	t := p.now()
	p.took = append(p.took, name, t.Sub(p.last).Round(time.Microsecond))
	p.last = t
}

func (p *phases) attrs() []any { return p.took }
