package ops

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

// PollSubject is where a component that may not trigger (a stale worker)
// asks the changefeed for a poll: <trigger subject>.poll, sync.trigger.poll
// by default. Only incremental requests are accepted there, so the
// deployment can let the workers publish on it while only the operator may
// publish on the trigger subject itself (deploy/nats.conf).
func PollSubject(trigger string) string {
	if trigger == "" {
		trigger = protocol.DefaultTriggerSubject
	}
	return trigger + ".poll"
}

// subscribe subscribes ch to the trigger subject and, when the responder
// accepts polls, to the poll subject; stop unsubscribes both.
func (r *Responder) subscribe(ch chan *nats.Msg) (stop func(), err error) {
	sub, err := r.nc.ChanSubscribe(r.subject, ch)
	if err != nil {
		return nil, err
	}
	if !r.polls {
		return func() { _ = sub.Unsubscribe() }, nil
	}
	psub, err := r.nc.ChanSubscribe(PollSubject(r.subject), ch)
	if err != nil {
		_ = sub.Unsubscribe()
		return nil, err
	}
	return func() { _ = sub.Unsubscribe(); _ = psub.Unsubscribe() }, nil
}

// refusePoll reports whether m, a decoded request of mode, came on the
// poll subject without being an incremental poll; it then replies with the
// refusal.
//
// INVARIANT 10 (who may trigger): on the poll subject nothing but an
// incremental poll runs, whatever the request asks for.
func (r *Responder) refusePoll(m *nats.Msg, mode protocol.TriggerMode) bool {
	if m.Subject != PollSubject(r.subject) || mode == protocol.TriggerIncremental {
		return false
	}
	err := fmt.Errorf("%w: %s accepts only incremental, not %q; triggers go to %s", ErrPollOnly, m.Subject, mode, r.subject)
	r.log.Warn("request refused on the poll subject", "mode", mode, "subject", m.Subject)
	r.reply(m, protocol.TriggerReply{From: r.name, Mode: mode, Error: err.Error()})
	return true
}
