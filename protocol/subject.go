package protocol

import (
	"encoding/base64"
	"fmt"
	"strings"
)

const (
	// SubjectRoot is the first token of every memsync subject.
	SubjectRoot = "memsync"
	// CheckpointToken is the last token of the publisher cursor subject.
	CheckpointToken = "_checkpoint"
	// HeartbeatToken is the last token of the changefeed heartbeat subject.
	HeartbeatToken = "_heartbeat"
	// MaxIDLen bounds the byte length of an entity id.
	MaxIDLen = 1024
	// maxPlainToken bounds ids carried verbatim as a subject token.
	maxPlainToken = 128
	encodedPrefix = "~"
)

var b64 = base64.RawURLEncoding

// EncodeID turns an arbitrary id into a subject token. Ids made only of
// [A-Za-z0-9_-] (at most 128 bytes) are used as they are; any other id
// (dots, spaces, wildcards, empty, non-ASCII, long) becomes "~" followed by its
// unpadded base64url encoding. The mapping is reversible (DecodeID).
func EncodeID(id string) (string, error) {
	if len(id) > MaxIDLen {
		return "", fmt.Errorf("%w: %d bytes is over the %d-byte limit", ErrBadID, len(id), MaxIDLen)
	}
	if isPlainToken(id) {
		return id, nil
	}
	return encodedPrefix + b64.EncodeToString([]byte(id)), nil
}

// DecodeID reverses EncodeID.
func DecodeID(token string) (string, error) {
	rest, ok := strings.CutPrefix(token, encodedPrefix)
	if !ok {
		if !isPlainToken(token) {
			return "", fmt.Errorf("%w: token %q", ErrBadSubject, token)
		}
		return token, nil
	}
	raw, err := b64.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("%w: token %q: %v", ErrBadSubject, token, err)
	}
	return string(raw), nil
}

func isPlainToken(s string) bool {
	if s == "" || len(s) > maxPlainToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// ValidName reports whether s can be used as a database or worker name: a
// plain subject token of at most 64 bytes.
func ValidName(s string) bool { return len(s) <= 64 && isPlainToken(s) }

// EntitySubject is memsync.<db>.<entity>.<token(id)>.
func EntitySubject(db string, e Entity, id string) (string, error) {
	tok, err := EncodeID(id)
	if err != nil {
		return "", err
	}
	return SubjectRoot + "." + db + "." + string(e) + "." + tok, nil
}

// EntityFilter is memsync.<db>.<entity>.> (every id of one kind).
func EntityFilter(db string, e Entity) string {
	return SubjectRoot + "." + db + "." + string(e) + ".>"
}

// DBFilter is memsync.<db>.> (every entity and the checkpoint of one
// database; heartbeats are not stored).
func DBFilter(db string) string { return SubjectRoot + "." + db + ".>" }

// CheckpointSubject is memsync.<db>._checkpoint.
func CheckpointSubject(db string) string { return SubjectRoot + "." + db + "." + CheckpointToken }

// HeartbeatSubject is memsync.<db>._heartbeat (core NATS, not stored).
func HeartbeatSubject(db string) string { return SubjectRoot + "." + db + "." + HeartbeatToken }

// StreamSubjects is the subject space a memsync stream captures.
func StreamSubjects() []string {
	return []string{SubjectRoot + ".*.*.*", SubjectRoot + ".*." + CheckpointToken}
}

// ParsedSubject is a decoded entity subject.
type ParsedSubject struct {
	DB     string
	Entity Entity
	ID     string
}

// ParseSubject decodes memsync.<db>.<entity>.<token>.
func ParseSubject(subj string) (ParsedSubject, error) {
	parts := strings.Split(subj, ".")
	if len(parts) != 4 || parts[0] != SubjectRoot {
		return ParsedSubject{}, fmt.Errorf("%w: %q", ErrBadSubject, subj)
	}
	e, err := ParseEntity(parts[2])
	if err != nil {
		return ParsedSubject{}, err
	}
	id, err := DecodeID(parts[3])
	if err != nil {
		return ParsedSubject{}, err
	}
	return ParsedSubject{DB: parts[1], Entity: e, ID: id}, nil
}

// DLQSubjectRoot prefixes dead-letter subjects (stream MEMSYNC_DLQ by default).
const DLQSubjectRoot = "memsync_dlq"

// DLQSubject is memsync_dlq.<db>.<entity>.<token(id)>; ids too long for a
// subject use "~too-long" (the id travels in the message).
func DLQSubject(db string, e Entity, id string) string {
	tok, err := EncodeID(id)
	if err != nil {
		tok = "~too-long"
	}
	return DLQSubjectRoot + "." + db + "." + string(e) + "." + tok
}

// ServiceSubject is the NATS micro endpoint subject of a component:
// memsync.svc.<db>.<component>.<endpoint> (component: a worker name or
// "changefeed"; endpoint: status or validate).
func ServiceSubject(db, component, endpoint string) string {
	return SubjectRoot + ".svc." + db + "." + component + "." + endpoint
}

// The default stream names (changefeed, worker and CLI share them).
const (
	DefaultStream    = "MEMSYNC"
	DefaultDLQStream = "MEMSYNC_DLQ"
)
