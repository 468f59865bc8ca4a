package retrieval

import (
	"unicode"
	"unicode/utf8"
)

// isStopword reports the short English function words that are dropped:
// they occur in almost every agent sentence and only dilute BM25 document
// lengths and the context overlap. (A switch: faster than a map here.)
func isStopword(t []byte) bool {
	switch string(t) {
	case "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do", "does",
		"for", "from", "had", "has", "have", "how", "if", "in", "into", "is", "it", "its", "of", "on",
		"or", "our", "so", "than", "that", "the", "their", "then", "there", "these", "they", "this",
		"those", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will",
		"with", "would", "you", "your":
		return true
	}
	return false
}

// alnum marks the ASCII letters and digits.
var alnum = func() (t [128]bool) {
	for c := 0; c < 128; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return t
}()

// Tokenize returns the terms the keyword index uses for s, in order, with
// repeats: lower-cased runs of letters and digits of at least two runes,
// stopwords dropped, a trailing plural "s" stripped (see doc.go).
func Tokenize(s string) []string {
	var out []string
	tokenize([]byte(s), nil, func(tok []byte) { out = append(out, string(tok)) })
	return out
}

// tokenize calls emit with each token of text. buf is scratch space for the
// lower-cased token (reused; emit must copy what it keeps); the grown buffer
// is returned for reuse.
func tokenize(text, buf []byte, emit func(tok []byte)) []byte {
	tok := buf[:0]
	runes := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			if alnum[c] {
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				tok = append(tok, c)
				runes++
				continue
			}
		} else {
			r, size := utf8.DecodeRune(text[i:])
			i += size
			if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				tok = utf8.AppendRune(tok, unicode.ToLower(r))
				runes++
				continue
			}
		}
		flush(tok, runes, emit)
		tok, runes = tok[:0], 0
	}
	flush(tok, runes, emit)
	return tok
}

// flush emits one finished run if it is a keepable token.
func flush(tok []byte, runes int, emit func([]byte)) {
	if runes < 2 {
		return
	}
	if isStopword(tok) {
		return
	}
	emit(stripPlural(tok, runes))
}

// stripPlural removes a plural ending: "ies" -> "y" ("retries" -> "retry"),
// else a final "s" unless the word ends in "ss", "us" or "is" ("tests" ->
// "test", "process", "status" and "analysis" stay). Words under four runes
// are left alone ("gas", "its"), so a token keeps at least three.
func stripPlural(t []byte, runes int) []byte {
	n := len(t)
	if runes < 4 || t[n-1] != 's' {
		return t
	}
	if runes >= 5 && t[n-3] == 'i' && t[n-2] == 'e' {
		t[n-3] = 'y'
		return t[:n-2]
	}
	switch t[n-2] {
	case 's', 'u', 'i':
		return t
	}
	return t[:n-1]
}
