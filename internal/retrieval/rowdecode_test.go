package retrieval

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// diffDecode checks the fast row decoder against the protocol package on
// data: whenever the fast path accepts, encoding/json must accept and read
// the same values. It returns whether the fast path accepted.
func diffDecode(t testing.TB, kind protocol.Entity, data []byte) bool {
	t.Helper()
	var d rowDecoder
	switch kind {
	case E:
		ok := d.decode(data, episodeFields)
		e, err := protocol.DecodeEpisode(data)
		if !ok {
			return false
		}
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, data)
		}
		got := []string{string(d.str[epTaskType]), string(d.str[epDesc]), string(d.str[epContext]), string(d.str[epSteps]),
			string(d.str[epOutcome]), string(d.str[epReward]), string(d.str[epReflection]), string(d.str[epDomain]), string(d.str[epLanguage])}
		want := []string{e.TaskType, e.TaskDescription, e.Context, e.Steps, deref(e.Outcome), deref(e.Reward), deref(e.Reflection), e.Domain, deref(e.Language)}
		if !slices.Equal(got, want) || d.num[epStart] != e.StartTime {
			t.Fatalf("episode %q:\n fast %q %d\n json %q %d", data, got, d.num[epStart], want, e.StartTime)
		}
		return true
	case P:
		ok := d.decode(data, patternFields)
		p, err := protocol.DecodePattern(data)
		if !ok {
			return false
		}
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, data)
		}
		got := []string{string(d.str[patType]), string(d.str[patData]), string(d.str[patDomain]), string(d.str[patLanguage]), string(d.str[patTags])}
		want := []string{p.PatternType, p.PatternData, deref(p.ContextDomain), deref(p.ContextLanguage), deref(p.ContextTags)}
		if !slices.Equal(got, want) || d.num[patUpdated] != p.UpdatedAt || d.flt[patSuccess] != p.SuccessRate {
			t.Fatalf("pattern %q:\n fast %q\n json %q", data, got, want)
		}
		return true
	default:
		ok := d.decode(data, embeddingFields)
		e, err := protocol.DecodeEmbedding(data)
		if !ok {
			return false
		}
		if valid := d.validEmbedding(); valid != (err == nil) {
			t.Fatalf("embedding %q: fast valid %v, protocol error %v", data, valid, err)
		}
		if err == nil && (string(d.str[embItemID]) != e.ItemID || string(d.str[embModel]) != e.Model ||
			!slices.Equal(d.str[embVector], e.Vector) || d.num[embDimension] != int64(e.Dimension)) {
			t.Fatalf("embedding %q differs", data)
		}
		return true
	}
}

func TestRowDecoderMatchesProtocol(t *testing.T) {
	g := seed.NewGenerator(3, 8)
	var rows []Mutation
	for i := range 20 {
		e := g.Episode(i, []string{"p"})
		rows = append(rows, upsert(t, E, e.ID, episodeRow(e)))
		p := g.Pattern()
		rows = append(rows, upsert(t, P, p.ID, patternRow(p)))
		em := g.Embedding("episode", e.ID)
		rows = append(rows, upsert(t, protocol.EntityEmbedding, em.ID, embeddingRow(em)))
	}
	odd := ep("odd", "tabs\tquotes\" backslash\\ <html> & \u2028 é 😀 \x01", func(e *protocol.Episode) {
		e.Steps, e.Language, e.Reward = "[{\"action\":\"a\\\"b\"}]", nil, ptr("")
	})
	rows = append(rows, upsert(t, E, "odd", odd))
	for _, m := range rows {
		if !diffDecode(t, m.Kind, m.Data) {
			t.Errorf("fast path declined a MarshalRow row: %.200s", m.Data)
		}
	}
	// Hand-written rows: accepted or declined, never different.
	for _, c := range []struct {
		kind   protocol.Entity
		data   string
		accept bool
	}{
		{E, `{}`, true},
		{E, ` {"task_description" : "a\u00e9\ud83d\ude00\ud800x" , "start_time":-0} `, true},
		{E, `{"task_description":"a","task_description":null}`, true}, // null leaves a string
		{E, `{"language":"go","language":null}`, true},                // null clears a pointer
		{E, `{"start_time":1.5}`, false},
		{E, `{"start_time":1e3}`, false},
		{E, `{"start_time":99999999999999999999}`, false},
		{E, `{"task_type":5}`, false},
		{E, `{"Task_Type":"x"}`, false},
		{E, `{"unknown":[1,{"a":null}],"domain":"d"}`, true},
		{E, `{"domain":"d"} x`, false},
		{E, `{"domain":"bad` + "\xff" + `utf8"}`, true},
		{E, "{\"domain\":\"ctl\x01\"}", false},
		{E, `{"domain":"\x"}`, false},
		{E, `null`, false},
		{P, `{"success_rate":0.25,"context_tags":null}`, true},
		{P, `{"success_rate":"high"}`, false},
		{P, `{"success_rate":1e400}`, false},
		{protocol.EntityEmbedding, `{"item_type":"episode","dimension":1,"dtype":"f32le","vector":"AACAPw=="}`, true},
		{protocol.EntityEmbedding, `{"item_type":"episode","dimension":1,"dtype":"f32le","vector":"AACAP"}`, false},
		{protocol.EntityEmbedding, `{"item_type":"episode","dimension":2,"dtype":"f32le","vector":"AACAPw=="}`, true},
		{protocol.EntityEmbedding, `{"item_type":"episode","dimension":1,"dtype":"f32le","vector":"AACA\u0050w=="}`, true},
	} {
		if got := diffDecode(t, c.kind, []byte(c.data)); got != c.accept {
			t.Errorf("%s %s: fast path accepted %v, want %v", c.kind, c.data, got, c.accept)
		}
	}
}

// refStrings is the reference for walkStrings: the string values (not
// keys) of a valid JSON document, in order, as encoding/json's token
// stream reads them, with their depth and whether they are object members.
func refStrings(t testing.TB, b []byte, keep keepFunc) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var stack []bool // true: object, expecting a key next when keyNext
	keyNext := false
	var out strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			t.Fatalf("token stream of valid JSON %q: %v", b, err)
		}
		inObj := len(stack) > 0 && stack[len(stack)-1]
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				stack = append(stack, v == '{')
				keyNext = v == '{'
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if inObj && keyNext {
				keyNext = false
				continue
			}
			if keep(len(stack), inObj) {
				out.WriteString(v + " ")
			}
		}
		keyNext = len(stack) > 0 && stack[len(stack)-1]
	}
}

// diffWalk checks walkStrings against encoding/json on b.
func diffWalk(t testing.TB, b []byte) {
	t.Helper()
	for _, keep := range []keepFunc{keepAll, keepStepFields} {
		ok, _, out := walkStrings(b, nil, nil, keep)
		if valid := json.Valid(b); ok != valid {
			t.Fatalf("walkStrings(%q) ok=%v, json.Valid %v", b, ok, valid)
		}
		if !ok {
			return
		}
		if want := refStrings(t, b, keep); string(out) != want {
			t.Fatalf("walkStrings(%q) = %q, want %q", b, out, want)
		}
	}
}

func TestWalkStrings(t *testing.T) {
	for _, s := range []string{
		`"plain"`, `["a","b",["c"]]`, `{"k":"v","n":1,"o":{"k2":"deep"},"a":["x",{"y":"z"}]}`,
		`[{"action":"Run \"tests\"","tool":"shell","result":{"output":"ok"}}]`,
		` { } `, `[]`, `[1, 2.5e3, -0, true, false, null]`, `{"dup":"a","dup":"b"}`,
		`"\ud83d\ude00 \u00e9 \ud800 \udc00x"`, "\"bad\xffutf8\"",
		`[`, `{"a":}`, `{"a" "b"}`, `[1,]`, `{"a":1,}`, `01`, `1.`, `-`, `"a" "b"`, `nul`, `[1 2]`,
		`{"a":"b"}}`, `"\u12"`, "\"ctl\x01\"", `{1:2}`,
	} {
		diffWalk(t, []byte(s))
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	diffWalk(t, []byte(deep))
	diffWalk(t, []byte("["+deep+"]"))
}
