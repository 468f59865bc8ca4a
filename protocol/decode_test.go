package protocol

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type fastCase struct {
	name string
	in   string
	fast bool // the fast path answers (false: the reference does)
}

const env = `{"schema":1,"entity":"episode","op":"upsert","id":"ep-1","version":42,"lineage":"0123456789abcdef"`

var envelopeCases = []fastCase{
	{"the encoder's episode upsert", env + `,"data":{"episode_id":"ep-1","start_time":1}}`, true},
	{"a delete", `{"schema":1,"entity":"episode","op":"delete","id":"ep-2","version":43,"lineage":"L"}`, true},
	{"listed embeddings", env + `,"embeddings":["m1","m\u003c2"],"data":{}}`, true},
	{"an empty list", env + `,"embeddings":[],"data":{}}`, true},
	{"space everywhere and another key order", " {\n\t\"data\" : [ 1 , {} ] , \"version\":1,\"schema\":1, \"op\":\"upsert\",\"entity\":\"pattern\",\"id\":\"\",\"lineage\":\"\" } \r\n", true},
	{"escapes in strings", `{"schema":1,"entity":"episod\u0065","op":"upsert","id":"a\"b\\c\/\u00e9\ud83d\ude00","version":1,"lineage":"\u0000","data":"x"}`, true},
	{"a lone surrogate escape", `{"schema":1,"entity":"episode","op":"upsert","id":"\ud800x","version":1,"lineage":"L","data":1}`, true},
	{"an unknown key is ignored", env + `,"datum":{"x":[1,2,{"y":null}]},"data":true}`, true},
	{"an unknown schema decodes, then fails validation", `{"schema":-0,"entity":"x","op":"y","version":0}`, true},
	{"the id's exact bytes", `{"schema":1,"entity":"episode","op":"delete","id":"ep-\ufffd","id_b64":"ZXAt/w==","version":1,"lineage":"L"}`, false},
	{"embeddings_b64", env + `,"embeddings_b64":["/w=="],"data":{}}`, false},
	{"a case-folded key", `{"Schema":1,"entity":"episode","op":"delete","id":"a","version":1,"lineage":"L"}`, false},
	{"a key folded by Unicode (long s)", `{"ſchema":1,"entity":"episode","op":"delete","id":"a","version":1,"lineage":"L"}`, false},
	{"an escaped key", `{"schema":1,"entity":"episode","op":"delete","\u0069d":"a","version":1,"lineage":"L"}`, false},
	{"a duplicate key: the last wins", env + `,"version":7,"data":{}}`, false},
	{"an exponent for an integer", `{"schema":1,"entity":"episode","op":"delete","id":"a","version":1e3,"lineage":"L"}`, false},
	{"a fraction for an integer", `{"schema":1.0,"entity":"episode","op":"delete","id":"a","version":1,"lineage":"L"}`, false},
	{"a negative version", `{"schema":1,"entity":"episode","op":"delete","id":"a","version":-0,"lineage":"L"}`, false},
	{"a version over 64 bits", `{"schema":1,"entity":"episode","op":"delete","id":"a","version":18446744073709551616,"lineage":"L"}`, false},
	{"a leading zero", `{"schema":01,"entity":"episode","op":"delete","id":"a","version":1,"lineage":"L"}`, false},
	{"null data", env + `,"data":null}`, false},
	{"null embeddings", env + `,"embeddings":null,"data":{}}`, false},
	{"a null string", `{"schema":1,"entity":"episode","op":"delete","id":null,"version":1,"lineage":"L"}`, false},
	{"a number for a string", `{"schema":1,"entity":"episode","op":"delete","id":5,"version":1,"lineage":"L"}`, false},
	{"invalid UTF-8 in a string", "{\"schema\":1,\"entity\":\"episode\",\"op\":\"delete\",\"id\":\"a\xff\",\"version\":1,\"lineage\":\"L\"}", true},
	{"a control character in a string", "{\"schema\":1,\"id\":\"a\tb\"}", false},
	{"a control character in a long string", env + ",\"data\":\"0123456789abcdef\x1f0123456789abcdef\"}", false},
	{"a long string with quotes and escapes", env + `,"data":"0123456789abcdef\"0123456\\89abcdef\u00e9ffff0123456789\/"}`, true},
	{"a bad escape", `{"schema":1,"id":"a\x"}`, false},
	{"malformed data", env + `,"data":{"a":1,}}`, false},
	{"a trailing comma", env + `,}`, false},
	{"data after the object", env + `} x`, false},
	{"two objects", env + `}{}`, false},
	{"not an object", `[1]`, false},
	{"empty", ``, false},
	{"truncated", env, false},
	{"nesting deeper than the fast path", env + `,"data":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, false},
	{"nesting deeper than encoding/json", env + `,"data":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, false},
}

const episodeRow = `{"episode_id":"ep-1","task_type":"debugging","context":"{\"language\":\"rust\"}","start_time":1767225600,"end_time":null,"steps":"[]","reward":1.5e3}`

var episodeCases = []fastCase{
	{"MarshalRow's form", episodeRow, true},
	{"a negative start_time", `{"start_time":-5,"episode_id":""}`, true},
	{"episode_id with escapes, an unknown _b64 companion", `{"episode_id":"\u00ff","episode_id_b64":"/w==","start_time":0}`, true},
	{"no start_time", `{"episode_id":"a"}`, false},
	{"no episode_id", `{"start_time":1}`, false},
	{"a null start_time", `{"episode_id":"a","start_time":null}`, false},
	{"an exponent", `{"episode_id":"a","start_time":1e3}`, false},
	{"a fraction", `{"episode_id":"a","start_time":1.0}`, false},
	{"start_time over 64 bits", `{"episode_id":"a","start_time":9223372036854775808}`, false},
	{"a string start_time", `{"episode_id":"a","start_time":"1"}`, false},
	{"a number episode_id", `{"episode_id":1,"start_time":1}`, false},
	{"a case-folded key", `{"episode_id":"a","START_TIME":1}`, false},
	{"a duplicate: the last wins", `{"episode_id":"a","start_time":1,"start_time":2}`, false},
	{"a duplicate null: the pointer is reset", `{"episode_id":"a","start_time":1,"start_time":null}`, false},
	{"null", `null`, false},
	{"an array", `[]`, false},
	{"malformed elsewhere", `{"episode_id":"a","start_time":1,"steps":[}`, false},
}

const embeddingRow = `{"embedding_id":"emb.1","item_id":"ep-1","item_type":"episode","dimension":3,"model":"all-MiniLM-L6-v2","dtype":"f32le","vector":"AAAAPwAAgL8AAABA","created_at":1767225600}`

var embeddingCases = []fastCase{
	{"MarshalRow's form", embeddingRow, true},
	{"a pattern's, padded", `{"item_id":"p\u00e9","item_type":"pattern","dimension":1,"dtype":"f32le","vector":"AAAAPw==","extra":1}`, true},
	{"an escaped item_id", `{"item_id":"p\u00e9","item_type":"pattern","dimension":1,"dtype":"f32le","vector":"AACAPw=="}`, true},
	{"an unknown owner kind", strings.Replace(embeddingRow, `"episode"`, `"agent"`, 1), false},
	{"another dtype", strings.Replace(embeddingRow, `"f32le"`, `"f16"`, 1), false},
	{"a vector of another dimension", strings.Replace(embeddingRow, `"dimension":3`, `"dimension":4`, 1), false},
	{"a string dimension", strings.Replace(embeddingRow, `"dimension":3`, `"dimension":"3"`, 1), false},
	{"bad base64", strings.Replace(embeddingRow, `AAAAPwAAgL8AAABA`, `AAAAPwAAgL8AAAB=`, 1), false},
	{"an escaped vector", strings.Replace(embeddingRow, `AAAAPwAAgL8AAABA`, `\u0041AAAPwAAgL8AAABA`, 1), false},
	{"a null model", strings.Replace(embeddingRow, `"all-MiniLM-L6-v2"`, `null`, 1), false},
	{"item_id_b64", strings.Replace(embeddingRow, `"created_at"`, `"item_id_b64":"/w==","created_at"`, 1), false},
	{"a case-folded key", strings.Replace(embeddingRow, `"item_id"`, `"Item_ID"`, 1), false},
	{"a duplicate owner", strings.Replace(embeddingRow, `"created_at"`, `"item_id":"ep-2","created_at"`, 1), false},
}

// Each case decodes as the reference decodes it, through the path named.
func TestFastPathsMatchReference(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cases []fastCase
		fast  func([]byte) bool
		check func(*testing.T, []byte)
	}{
		{"envelope", envelopeCases, func(b []byte) bool { _, ok := decodeEnvelopeFast(b); return ok }, checkEnvelope},
		{"episode", episodeCases, func(b []byte) bool { _, ok := episodeStartTimeFast(b); return ok }, checkEpisode},
		{"embedding", embeddingCases, func(b []byte) bool { _, _, ok := embeddingOwnerFast(b); return ok }, checkEmbedding},
	} {
		for _, c := range tc.cases {
			t.Run(tc.name+"/"+c.name, func(t *testing.T) {
				if got := tc.fast([]byte(c.in)); got != c.fast {
					t.Fatalf("fast path taken: %v, want %v", got, c.fast)
				}
				tc.check(t, []byte(c.in))
			})
		}
	}
}

// What the encoders write takes the fast path.
func TestGoldenBodiesTakeTheFastPath(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*_upsert.golden"))
	paths = append(paths, filepath.Join("testdata", "episode_delete.golden"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, fast := decodeEnvelopeFast(b)
		if want := !strings.Contains(p, "nonutf8"); fast != want {
			t.Fatalf("%s: fast path %v, want %v", p, fast, want)
		}
		checkEnvelope(t, b)
	}
}

// Data is the body's own bytes, not a copy (the worker keeps it as it
// came from NATS).
func TestDecodeEnvelopeKeepsDataInPlace(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "episode_upsert.golden"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := DecodeEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	start, end := strings.Index(string(b), `"data":`)+len(`"data":`), strings.LastIndexByte(string(b), '}')
	if &e.Data[0] != &b[start] || len(e.Data) != end-start {
		t.Fatalf("data is not the body's bytes %d..%d", start, end)
	}
}

// The fast paths' key lists name every field of the references' structs:
// a key they do not know is one encoding/json ignores.
func TestFastPathsNameEveryField(t *testing.T) {
	for _, tc := range []struct {
		v     any
		names []string
	}{
		{envelopeWire{}, envelopeFields},
		{embeddingWire{}, embeddingFields},
		{episodeStart{}, episodeFields},
	} {
		got := jsonNames(reflect.TypeOf(tc.v))
		if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(tc.names))) {
			t.Fatalf("%T has fields %v, the fast path knows %v", tc.v, got, tc.names)
		}
	}
}

func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "-" && f.IsExported() {
			names = append(names, name)
		}
	}
	return names
}

func trickySeeds(f *testing.F) {
	goldenSeeds(f)
	for _, cs := range [][]fastCase{envelopeCases, episodeCases, embeddingCases} {
		for _, c := range cs {
			f.Add([]byte(c.in))
		}
	}
}
