package ops

import "errors"

// ErrPollOnly reports a request other than an incremental poll on the poll
// subject (PollSubject): triggers go to the trigger subject, which only the
// operator may publish in the deployment.
var ErrPollOnly = errors.New("ops: only incremental polls are accepted on the poll subject")
