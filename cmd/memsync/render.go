package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/memsync/memsync/internal/query"
)

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// row is a row JSON decoded for display.
type row map[string]any

func decodeRow(b json.RawMessage) row {
	var r row
	_ = json.Unmarshal(b, &r)
	return r
}

func (r row) str(k string) string {
	switch v := r[k].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprint(v)
	}
}

func (r row) unix(k string) string {
	v, ok := r[k].(float64)
	if !ok {
		return ""
	}
	return time.Unix(int64(v), 0).UTC().Format("2006-01-02 15:04")
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func freshnessLine(f query.Freshness) string {
	state := "fresh"
	if f.Stale {
		state = "stale"
		if f.StaleReason != "" {
			state += " (" + f.StaleReason + ")"
		}
	}
	head := "Turso head unknown"
	if f.ServedBy == "worker" {
		head = fmt.Sprintf("Turso head v%d, lag %d", f.TursoHeadVersion, f.Lag)
	}
	return fmt.Sprintf("cache applied v%d, %s, %s; served by the %s", f.AppliedVersion, head, state, f.ServedBy)
}

func printEntity(r *query.GetResponse) error {
	raw := r.Episode
	if raw == nil {
		raw = r.Pattern
	}
	if raw == nil {
		raw = r.Embedding
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return err
	}
	fmt.Printf("%s %s (version %d)\n", r.Kind, r.ID, r.Version)
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	for _, k := range orderedKeys(raw) {
		v := string(fields[k])
		if k == "vector" {
			v = fmt.Sprintf("(%d bytes of float32)", (len(v)-2)*3/4)
		} else if s := ""; json.Unmarshal(fields[k], &s) == nil {
			v = clip(s, 300)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", k, v)
	}
	tw.Flush()
	fmt.Println(freshnessLine(r.Freshness))
	return nil
}

// orderedKeys lists an object's keys in the order they appear.
func orderedKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	var keys []string
	if _, err := dec.Token(); err != nil {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

func printRecent(r *query.RecentResponse) error {
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED (UTC)\tEPISODE\tDOMAIN\tTASK TYPE\tLANGUAGE\tTASK")
	for _, raw := range r.Episodes {
		e := decodeRow(raw)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.unix("start_time"), e.str("episode_id"), e.str("domain"),
			e.str("task_type"), e.str("language"), clip(e.str("task_description"), 60))
	}
	tw.Flush()
	if len(r.Episodes) == 0 {
		fmt.Println("(no cached episode matches)")
	}
	fmt.Println(freshnessLine(r.Freshness))
	return nil
}

func printHits(r *query.SearchResponse, explain bool) error {
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	head := "#\tSCORE\tKIND\tID\tDOMAIN\tSUMMARY"
	if explain {
		head += "\tKEYWORD (rank)\tVECTOR (rank)\tRELEVANCE\tRECENCY\tREWARD\tCONTEXT"
	}
	fmt.Fprintln(tw, head)
	for i, h := range r.Hits {
		domain, summary := hitSummary(h)
		fmt.Fprintf(tw, "%d\t%.4f\t%s\t%s\t%s\t%s", i+1, h.Score, h.Kind, h.ID, domain, clip(summary, 50))
		if explain {
			s := h.Scores
			fmt.Fprintf(tw, "\t%.3f (%d)\t%.3f (%d)\t%.3f\t%.3f\t%.3f\t%.3f", s.Keyword, s.KeywordRank, s.Vector, s.VectorRank,
				s.Relevance, s.Recency, s.Reward, s.Context)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(r.Hits) == 0 {
		fmt.Println("(no hits)")
	}
	fmt.Printf("mode %s; %s\n", r.Mode, freshnessLine(r.Freshness))
	if explain && r.Mode == "hybrid" {
		fmt.Println("hybrid score = 0.5 relevance (reciprocal-rank fusion of keyword and vector ranks) + 0.25 recency (7-day half-life) + 0.15 reward + 0.10 context")
	}
	return nil
}

func hitSummary(h query.Hit) (domain, summary string) {
	if h.Episode != nil {
		e := decodeRow(h.Episode)
		return e.str("domain"), e.str("task_description")
	}
	p := decodeRow(h.Pattern)
	return p.str("context_domain"), p.str("pattern_type") + ": " + p.str("pattern_data")
}
