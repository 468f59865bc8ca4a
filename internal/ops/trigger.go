package ops

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

// Handler performs one trigger mode and returns the result to reply with.
// ok=false means the component does not handle the mode (no reply unless it
// was targeted by name).
type Handler func(ctx context.Context, mode protocol.TriggerMode) (result any, handled bool, err error)

// Responder answers sync.trigger requests for one component.
type Responder struct {
	nc      *nats.Conn
	subject string
	name    string // component name matched against "target"
	handle  Handler
	log     *slog.Logger
	polls   bool // also answer incremental polls on PollSubject(subject)
	// Runs counts handler executions (coalesced requests share one).
	Runs atomic.Int64
}

// ResponderOptions configure a Responder; nil or the zero value is usable.
type ResponderOptions struct {
	// Subject is the trigger subject (default sync.trigger).
	Subject string
	// Name is the component name matched against a request's "target".
	Name string
	// AcceptPolls makes the responder also answer incremental polls on
	// PollSubject (the changefeed's responder).
	AcceptPolls bool
	Logger      *slog.Logger
}

// EnsureDefaults returns a copy of o (nil: the zero options) with every
// unset field given its default; o itself is not changed.
func (o *ResponderOptions) EnsureDefaults() *ResponderOptions {
	var c ResponderOptions
	if o != nil {
		c = *o
	}
	c.Subject = cmp.Or(c.Subject, protocol.DefaultTriggerSubject)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return &c
}

// NewResponder builds a responder that runs h; Run subscribes.
func NewResponder(nc *nats.Conn, h Handler, opts *ResponderOptions) *Responder {
	o := opts.EnsureDefaults()
	return &Responder{nc: nc, subject: o.Subject, name: o.Name, handle: h, log: o.Logger, polls: o.AcceptPolls}
}

// Run serves triggers (and, with AcceptPolls, polls) until ctx is done.
// Requests that arrive while a mode is being handled are coalesced: each mode runs once per round and every
// waiting request of that mode gets the same reply.
func (r *Responder) Run(ctx context.Context) error {
	ch := make(chan *nats.Msg, 256)
	stop, err := r.subscribe(ch)
	if err != nil {
		return err
	}
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			r.round(ctx, collect(m, ch))
		}
	}
}

// collect takes m and everything already queued behind it.
func collect(m *nats.Msg, ch chan *nats.Msg) []*nats.Msg {
	msgs := []*nats.Msg{m}
	for {
		select {
		case more := <-ch:
			msgs = append(msgs, more)
		default:
			return msgs
		}
	}
}

var modeOrder = []protocol.TriggerMode{protocol.TriggerIncremental, protocol.TriggerFull, protocol.TriggerValidate, protocol.TriggerRebuild}

func (r *Responder) round(ctx context.Context, msgs []*nats.Msg) {
	waiting := map[protocol.TriggerMode][]*nats.Msg{}
	named := map[protocol.TriggerMode]bool{}
	for _, m := range msgs {
		t, err := protocol.DecodeTrigger(m.Data)
		if err != nil {
			r.reply(m, protocol.TriggerReply{From: r.name, Error: err.Error()})
			continue
		}
		if t.Matches(r.name) && !r.refusePoll(m, t.Mode) {
			waiting[t.Mode] = append(waiting[t.Mode], m)
			named[t.Mode] = named[t.Mode] || t.Target == r.name
			r.log.Info("sync.trigger received", "mode", t.Mode, "target", t.Target, "reason", t.Reason)
		}
	}
	for _, mode := range modeOrder {
		if len(waiting[mode]) > 0 {
			r.run(ctx, mode, waiting[mode], named[mode])
		}
	}
}

func (r *Responder) run(ctx context.Context, mode protocol.TriggerMode, waiting []*nats.Msg, named bool) {
	r.Runs.Add(1)
	result, handled, err := r.handle(ctx, mode)
	if !handled && !named {
		return
	}
	rep := protocol.TriggerReply{From: r.name, Mode: mode, OK: err == nil && handled}
	if !handled {
		rep.Error = "mode not supported by " + r.name
	} else if err != nil {
		rep.Error = err.Error()
	}
	if result != nil {
		rep.Result, _ = json.Marshal(result)
	}
	for _, m := range waiting {
		r.reply(m, rep)
	}
}

func (r *Responder) reply(m *nats.Msg, rep protocol.TriggerReply) {
	if m.Reply == "" {
		return
	}
	b, _ := json.Marshal(rep)
	if err := m.Respond(b); err != nil {
		r.log.Debug("trigger reply lost", "error", err)
	}
}
