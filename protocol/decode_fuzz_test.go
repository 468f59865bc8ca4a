package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// Differential fuzz targets: every fast path answers exactly what its
// json.Unmarshal reference answers (the same error text, the same fields),
// and what our own encoders write takes the fast path.

func FuzzDecodeEnvelopeFastVsReference(f *testing.F) {
	trickySeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkEnvelope(t, b)
		if e, err := decodeEnvelopeReference(b); err == nil && e.Data != nil && e.Data[0] != 'n' &&
			utf8.ValidString(e.ID) && allUTF8(e.Embeddings) && shallow(e.Data) {
			out, err := EncodeEnvelope(e)
			if err != nil {
				t.Fatalf("accepted envelope does not re-encode: %v", err)
			}
			if _, ok := decodeEnvelopeFast(out); !ok {
				t.Fatalf("the encoder's envelope %q misses the fast path", out)
			}
		}
	})
}

func FuzzEpisodeStartTimeFastVsReference(f *testing.F) {
	trickySeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkEpisode(t, b)
		if ep, err := DecodeEpisode(b); err == nil && utf8.ValidString(ep.EpisodeID) {
			out, err := MarshalRow(ep)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := episodeStartTimeFast(out); !ok {
				t.Fatalf("MarshalRow's episode %q misses the fast path", out)
			}
		}
	})
}

func FuzzEmbeddingOwnerFastVsReference(f *testing.F) {
	trickySeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkEmbedding(t, b)
		if e, err := DecodeEmbedding(b); err == nil && utf8.ValidString(e.EmbeddingID) && utf8.ValidString(e.ItemID) {
			out, err := MarshalRow(e)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, ok := embeddingOwnerFast(out); !ok {
				t.Fatalf("MarshalRow's embedding %q misses the fast path", out)
			}
		}
	})
}

// The scanner's validation is json.Valid's (below the fast path's depth).
func FuzzScanVsValid(f *testing.F) {
	trickySeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		end, ok := skipValue(b, skipWS(b, 0), 0)
		got := ok && skipWS(b, end) == len(b)
		if want := json.Valid(b); got != want && (got || shallow(b)) {
			t.Fatalf("%q: scanner says valid=%v, json.Valid %v", b, got, want)
		}
	})
}

func FuzzBase64LenVsStdEncoding(f *testing.F) {
	for _, s := range []string{"", "AAAAPwAAgL8AAABA", "ab==", "abc=", "a===", "ab=c", "abc", "ab", "AAAAPw", "////", "-_=="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		if bytes.ContainsAny(s, "\r\n") {
			return // a plain JSON string never holds them
		}
		got, gotOK := base64Len(s)
		want, err := base64.StdEncoding.DecodeString(string(s))
		if gotOK != (err == nil) || gotOK && got != len(want) {
			t.Fatalf("%q: base64Len %d %v, StdEncoding %d bytes, %v", s, got, gotOK, len(want), err)
		}
	})
}

func checkEnvelope(t *testing.T, b []byte) {
	t.Helper()
	got, gotErr := DecodeEnvelope(b)
	want, wantErr := decodeEnvelopeReference(b)
	sameError(t, b, gotErr, wantErr)
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded %+v, the reference %+v", b, got, want)
	}
}

func checkEpisode(t *testing.T, b []byte) {
	t.Helper()
	got, gotErr := EpisodeStartTime(b)
	want, wantErr := episodeStartTimeReference(b)
	sameError(t, b, gotErr, wantErr)
	if got != want {
		t.Fatalf("%q: start_time %d, the reference %d", b, got, want)
	}
}

func checkEmbedding(t *testing.T, b []byte) {
	t.Helper()
	kind, id, gotErr := EmbeddingOwner(b)
	wantKind, wantID, wantErr := embeddingOwnerReference(b)
	sameError(t, b, gotErr, wantErr)
	if kind != wantKind || id != wantID {
		t.Fatalf("%q: owner %s %q, the reference %s %q", b, kind, id, wantKind, wantID)
	}
}

func sameError(t *testing.T, b []byte, got, want error) {
	t.Helper()
	if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
		t.Fatalf("%q: error %v, the reference %v", b, got, want)
	}
}

// shallow is true when b cannot nest deeper than the fast path goes.
func shallow(b []byte) bool {
	return bytes.Count(b, []byte("{"))+bytes.Count(b, []byte("["))+1 < maxFastDepth
}

func allUTF8(ids []string) bool {
	for _, id := range ids {
		if !utf8.ValidString(id) {
			return false
		}
	}
	return true
}
