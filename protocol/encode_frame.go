package protocol

import "unicode/utf8"

// Frame is a row's JSON in a buffer with room before it for an envelope's
// head and one byte after it for the envelope's closing brace: the
// envelope is then written around the row where it lies, and the row (the
// bulk of every message) is never copied into a message of its own.
type Frame struct {
	buf []byte // room, the row JSON, one byte
	off int    // where the row JSON starts
}

// NewFrame copies row JSON into a new frame with room bytes before it.
func NewFrame(room int, data []byte) Frame {
	buf := make([]byte, room+len(data)+1)
	copy(buf[room:], data)
	return Frame{buf: buf, off: room}
}

// Data is the frame's row JSON (nil for the zero Frame); appending to it
// copies it.
func (f Frame) Data() []byte {
	if f.buf == nil {
		return nil
	}
	end := len(f.buf) - 1
	return f.buf[f.off:end:end]
}

// FrameRoom is the room a frame for the row of entity e with that id keeps
// for its envelope's head: the fixed fields with a 20-digit version and a
// lineage of up to 64 bytes, the id escaped (base64 too when it is not
// UTF-8) and, for an episode, a list of a few embedding ids. A longer head
// still encodes, by a copy.
func FrameRoom(e Entity, id string) int {
	n := 192 + len(id) + len(id)/8
	if !utf8.ValidString(id) {
		n += 2*len(id) + 16
	}
	if e == EntityEpisode {
		n += 160
	}
	return n
}

// EncodeEnvelopeIn encodes an envelope whose Data is f.Data() around it,
// in f's buffer: EncodeEnvelope's bytes without copying the row when its
// head fits the frame's room, else EncodeEnvelope itself. A frame holds
// one envelope: encode it once (the last call's head is in the buffer).
func EncodeEnvelopeIn(f Frame, e *Envelope) ([]byte, error) {
	data := f.Data()
	if len(data) == 0 || len(e.Data) != len(data) || &e.Data[0] != &data[0] {
		return EncodeEnvelope(e)
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	var scratch [512]byte
	head := append(appendEnvelopeHead(scratch[:0], e), `,"data":`...)
	start := f.off - len(head)
	if start < 0 {
		return EncodeEnvelope(e)
	}
	copy(f.buf[start:], head)
	f.buf[len(f.buf)-1] = '}'
	return f.buf[start:], nil
}
