package turso

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/memsync/memsync/protocol"
)

// refScanRows is scanRows as it was: a new []any per row, database/sql
// copying every []byte into it.
func refScanRows(ctx context.Context, q querier, e protocol.Entity, query string, args []any, fn func(Row) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read %ss: %w", e, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	n := len(cols)
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("scan %s: %w", e, err)
		}
		if err := fn(refConvert(e, vals)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func refConvert(e protocol.Entity, v []any) Row {
	c := &refCells{v: v, names: colNames[e]}
	r := Row{Entity: e, ID: c.str(0)}
	var obj any
	switch e {
	case protocol.EntityEpisode:
		obj = c.episode()
	case protocol.EntityPattern:
		obj = c.pattern()
	default:
		obj = c.embedding()
	}
	if c.err != nil {
		r.Err = fmt.Errorf("%w: %s %q: %v", ErrMalformedRow, e, r.ID, c.err)
		return r
	}
	if emb, ok := obj.(*protocol.Embedding); ok {
		r.Owner, r.OwnerID = protocol.Entity(emb.ItemType), emb.ItemID
		r.Model, r.Dimension = emb.Model, emb.Dimension
		n, _ := v[8].(int64)
		r.OwnerExists = n == 1
	}
	r.Data, r.Err = refMarshalRow(obj)
	return r
}

// refMarshalRow is protocol.MarshalRow as it was: encoding/json, with the
// _b64 companion of an id that is not valid UTF-8.
func refMarshalRow(v any) ([]byte, error) {
	exact := func(id string) []byte {
		if utf8.ValidString(id) {
			return nil
		}
		return []byte(id)
	}
	switch r := v.(type) {
	case *protocol.Episode:
		if x := exact(r.EpisodeID); x != nil {
			return json.Marshal(&struct {
				protocol.Episode
				IDB64 []byte `json:"episode_id_b64,omitempty"`
			}{*r, x})
		}
	case *protocol.Pattern:
		if x := exact(r.PatternID); x != nil {
			return json.Marshal(&struct {
				protocol.Pattern
				IDB64 []byte `json:"pattern_id_b64,omitempty"`
			}{*r, x})
		}
	case *protocol.Embedding:
		if id, item := exact(r.EmbeddingID), exact(r.ItemID); id != nil || item != nil {
			return json.Marshal(&struct {
				protocol.Embedding
				IDB64   []byte `json:"embedding_id_b64,omitempty"`
				ItemB64 []byte `json:"item_id_b64,omitempty"`
			}{*r, id, item})
		}
	}
	return json.Marshal(v)
}
