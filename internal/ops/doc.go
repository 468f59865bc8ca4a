// Package ops holds the operational surface shared by the long-running
// components: the sync.trigger responder (manual triggers, coalesced while
// work is in progress, answered with a JSON reply when the request has a
// reply subject).
//
// Invariant (who may trigger): a responder with AcceptPolls also listens on
// PollSubject (sync.trigger.poll), the one subject the deployment lets the
// workers publish on; there nothing but an incremental poll runs, whatever
// the request asks for (ErrPollOnly). Only the operator may publish on the
// trigger subject itself (deploy/nats.conf).
package ops
