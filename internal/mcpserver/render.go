package mcpserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// The text renderings, for agents that read only a result's text content;
// the structured content carries the full answer. Each is a few lines, the
// last one the freshness line.

// summaryRunes bounds a hit's summary.
const summaryRunes = 120

// renderSearch is one line per hit, then the freshness line. A hit's line
// reads "1. [episode ep-123] score 0.82 — fix the login redirect loop
// (domain web-api)"; the freshness line "cache applied v1234, Turso head
// v1240, lag 6, fresh".
func renderSearch(r *query.SearchResponse) string {
	var b strings.Builder
	if len(r.Hits) == 0 {
		fmt.Fprintf(&b, "no matches (mode %s)\n", r.Mode)
	}
	for i, h := range r.Hits {
		row := h.Rows.Episode
		if h.Kind == protocol.EntityPattern {
			row = h.Rows.Pattern
		}
		sum, domain := summarize(h.Kind, row)
		fmt.Fprintf(&b, "%d. [%s %s] score %.2f — %s%s\n", i+1, h.Kind, h.ID, h.Score, sum, domainSuffix(domain))
	}
	b.WriteString(renderFreshness(r.Freshness))
	return b.String()
}

// renderRecent is one line per episode, newest first, then the freshness
// line. An episode's line reads "1. [episode ep-9] 2026-01-02T15:04:05Z —
// add rate limiting (domain web-api)".
func renderRecent(r *query.RecentResponse) string {
	var b strings.Builder
	if len(r.Episodes) == 0 {
		b.WriteString("no episodes\n")
	}
	for i, row := range r.Episodes {
		m := decodeRow(row)
		sum, domain := summarize(protocol.EntityEpisode, row)
		fmt.Fprintf(&b, "%d. [episode %s] %s — %s%s\n", i+1, str(m, "episode_id"), unixTime(m, "start_time"), sum, domainSuffix(domain))
	}
	b.WriteString(renderFreshness(r.Freshness))
	return b.String()
}

// renderGet is the entity's summary line, its row JSON (what a get is
// for), then the freshness line.
func renderGet(r *query.GetResponse) string {
	row := r.Rows.Episode
	switch r.Kind {
	case protocol.EntityPattern:
		row = r.Rows.Pattern
	case protocol.EntityEmbedding:
		row = r.Rows.Embedding
	}
	sum, domain := summarize(r.Kind, row)
	var b strings.Builder
	fmt.Fprintf(&b, "[%s %s] version %d — %s%s\n", r.Kind, r.ID, r.Version, sum, domainSuffix(domain))
	fmt.Fprintf(&b, "row: %s\n", row)
	b.WriteString(renderFreshness(r.Freshness))
	return b.String()
}

// renderStatus is the counts, the embedding groups, then the freshness
// line.
func renderStatus(r *query.StatusResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "worker %s, cache %s: %d episodes, %d patterns, %d embeddings\n",
		orDash(r.Worker), orDash(r.Cache), r.Counts.Episodes, r.Counts.Patterns, r.Counts.Embeddings)
	if len(r.Index.Dimensions) == 0 {
		b.WriteString("embeddings: none indexed (search_by_embedding has nothing to compare with)\n")
	} else {
		parts := make([]string, len(r.Index.Dimensions))
		for i, d := range r.Index.Dimensions {
			parts[i] = fmt.Sprintf("%d-d %s (%d)", d.Dimension, orDash(d.Model), d.Count)
		}
		fmt.Fprintf(&b, "embeddings: %s\n", strings.Join(parts, ", "))
	}
	b.WriteString(renderFreshness(r.Freshness))
	return b.String()
}

// renderFreshness is "cache applied v1234, Turso head v1240, lag 6, fresh"
// or "..., stale (reason)".
func renderFreshness(f query.Freshness) string {
	state := "fresh"
	if f.Stale {
		state = "stale"
		if f.StaleReason != "" {
			state += " (" + f.StaleReason + ")"
		}
	}
	return fmt.Sprintf("cache applied v%d, Turso head v%d, lag %d, %s", f.AppliedVersion, f.TursoHeadVersion, f.Lag, state)
}

// summarize reads a row generically: an episode's task_description and
// domain; a pattern's pattern_type, pattern_data (its "description" when
// it is a JSON object that has one), context_domain and success_rate; an
// embedding's model and dimension.
func summarize(kind protocol.Entity, row json.RawMessage) (summary, domain string) {
	m := decodeRow(row)
	switch kind {
	case protocol.EntityEpisode:
		return truncate(str(m, "task_description")), str(m, "domain")
	case protocol.EntityPattern:
		s := str(m, "pattern_type")
		if d := patternData(str(m, "pattern_data")); d != "" {
			s += ": " + d
		}
		s = truncate(s)
		if rate, ok := m["success_rate"].(float64); ok {
			s += fmt.Sprintf(" [success %.2f]", rate)
		}
		return s, str(m, "context_domain")
	case protocol.EntityEmbedding:
		return fmt.Sprintf("%s, %v-d, of %s %s", str(m, "model"), m["dimension"], str(m, "item_type"), str(m, "item_id")), ""
	}
	return "", ""
}

// patternData is the pattern_data text (verbatim JSON text from Turso), or
// its "description" field when it has one.
func patternData(s string) string {
	var obj map[string]any
	if json.Unmarshal([]byte(s), &obj) == nil {
		if d, ok := obj["description"].(string); ok && d != "" {
			return d
		}
	}
	return s
}

// decodeRow decodes a row into a map; a row that is not an object yields
// an empty map (and an empty rendering), never an error.
func decodeRow(row json.RawMessage) map[string]any {
	var m map[string]any
	if json.Unmarshal(row, &m) != nil {
		return map[string]any{}
	}
	return m
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func unixTime(m map[string]any, key string) string {
	sec, ok := m[key].(float64)
	if !ok {
		return "-"
	}
	return time.Unix(int64(sec), 0).UTC().Format(time.RFC3339)
}

func domainSuffix(domain string) string {
	if domain == "" {
		return ""
	}
	return " (domain " + domain + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// truncate collapses whitespace (rows hold newlines) and cuts s to at most
// summaryRunes runes, marking a cut with "…".
func truncate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= summaryRunes {
		return s
	}
	cut := string(r[:summaryRunes-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)-wordSlack {
		cut = cut[:i] // end on a whole word when one ends close by
	}
	return cut + "…"
}

// wordSlack is how many bytes truncate gives up to end on a whole word.
const wordSlack = 20
