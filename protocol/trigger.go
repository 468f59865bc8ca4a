package protocol

import (
	"encoding/json"
	"fmt"
)

// DefaultTriggerSubject is the core NATS subject for manual triggers.
const DefaultTriggerSubject = "sync.trigger"

// TriggerMode selects what a trigger asks for.
type TriggerMode string

// Trigger modes.
const (
	TriggerIncremental TriggerMode = "incremental"
	TriggerFull        TriggerMode = "full"
	TriggerValidate    TriggerMode = "validate"
	TriggerRebuild     TriggerMode = "rebuild"
)

// Trigger is the JSON body of a sync.trigger message.
type Trigger struct {
	Mode   TriggerMode `json:"mode"`
	Target string      `json:"target"`
	Reason string      `json:"reason,omitempty"`
}

// DecodeTrigger parses and validates a trigger; an empty target means "*".
func DecodeTrigger(b []byte) (*Trigger, error) {
	var t Trigger
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%w: trigger: %v", ErrMalformed, err)
	}
	switch t.Mode {
	case TriggerIncremental, TriggerFull, TriggerValidate, TriggerRebuild:
	default:
		return nil, fmt.Errorf("%w: trigger mode %q", ErrMalformed, t.Mode)
	}
	if t.Target == "" {
		t.Target = "*"
	}
	return &t, nil
}

// Matches reports whether the trigger is meant for the named worker.
func (t *Trigger) Matches(name string) bool { return t.Target == "*" || t.Target == name }

// TriggerReply is the JSON reply to a trigger request.
type TriggerReply struct {
	From   string          `json:"from"`
	Mode   TriggerMode     `json:"mode"`
	OK     bool            `json:"ok"`
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}
