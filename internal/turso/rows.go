package turso

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/memsync/memsync/protocol"
)

// Row is one current row turned into protocol data, or the reason it could
// not be (a malformed row: Err wraps ErrMalformedRow).
type Row struct {
	Entity protocol.Entity
	ID     string
	Data   []byte
	Err    error
	// Owner and OwnerExists describe an embedding's owner in the same read.
	Owner       protocol.Entity
	OwnerID     string
	OwnerExists bool
	Model       string
	Dimension   int
	// Embeddings and Listed: an episode's owned embeddings, when read with
	// ListEmbeddings (Listed false: not read, or too many to list).
	Embeddings []string
	Listed     bool
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Every TEXT column is read CAST AS BLOB (see doc.go).
var selectCols = map[protocol.Entity]string{
	protocol.EntityEpisode: `SELECT CAST(episode_id AS BLOB), CAST(task_type AS BLOB), CAST(task_description AS BLOB),
  CAST(context AS BLOB), start_time, end_time, CAST(steps AS BLOB), CAST(outcome AS BLOB), CAST(reward AS BLOB),
  CAST(reflection AS BLOB), CAST(patterns AS BLOB), CAST(heuristics AS BLOB), CAST(checkpoints AS BLOB),
  CAST(metadata AS BLOB), CAST(domain AS BLOB), CAST(language AS BLOB), created_at, archived_at FROM episodes`,
	protocol.EntityPattern: `SELECT CAST(pattern_id AS BLOB), CAST(pattern_type AS BLOB), CAST(pattern_data AS BLOB), success_rate,
  CAST(context_domain AS BLOB), CAST(context_language AS BLOB), CAST(context_tags AS BLOB), occurrence_count,
  created_at, updated_at FROM patterns`,
	protocol.EntityEmbedding: `SELECT CAST(embedding_id AS BLOB), CAST(item_id AS BLOB), CAST(item_type AS BLOB),
  CASE WHEN embedding_vector IS NULL OR length(embedding_vector) != 4 * dimension
       THEN CAST(embedding_data AS BLOB) ELSE NULL END, embedding_vector, dimension, CAST(model AS BLOB), created_at,
  CASE item_type WHEN 'episode' THEN EXISTS(SELECT 1 FROM episodes WHERE episode_id = item_id)
                 WHEN 'pattern' THEN EXISTS(SELECT 1 FROM patterns WHERE pattern_id = item_id) ELSE 0 END
  FROM embeddings`,
}

// colNames names the columns of selectCols, in order.
var colNames = map[protocol.Entity][]string{
	protocol.EntityEpisode: {"episode_id", "task_type", "task_description", "context", "start_time", "end_time", "steps",
		"outcome", "reward", "reflection", "patterns", "heuristics", "checkpoints", "metadata", "domain", "language",
		"created_at", "archived_at"},
	protocol.EntityPattern: {"pattern_id", "pattern_type", "pattern_data", "success_rate", "context_domain",
		"context_language", "context_tags", "occurrence_count", "created_at", "updated_at"},
	protocol.EntityEmbedding: {"embedding_id", "item_id", "item_type", "embedding_data", "embedding_vector", "dimension",
		"model", "created_at", "owner exists"},
}

var idCol = map[protocol.Entity]string{
	protocol.EntityEpisode: "episode_id", protocol.EntityPattern: "pattern_id", protocol.EntityEmbedding: "embedding_id",
}

// idParam and idArg bind an id byte for byte: go-libsql refuses a Go string
// that is not valid UTF-8, so ids go in as BLOBs cast to TEXT.
const idParam = "CAST(? AS TEXT)"

func idArg(id string) any { return []byte(id) }

// ReadRows returns the current rows of the given ids (absent ids are deleted).
func ReadRows(ctx context.Context, q querier, e protocol.Entity, ids []string) (map[string]Row, error) {
	out := make(map[string]Row, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		query := selectCols[e] + " WHERE " + idCol[e] + " IN (" + idParam + strings.Repeat(","+idParam, len(chunk)-1) + ")"
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = idArg(id)
		}
		if err := scanRows(ctx, q, e, query, args, func(r Row) error { out[r.ID] = r; return nil }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ScanRows calls fn for every row of a kind in id (byte) order, streaming.
func (d *DB) ScanRows(ctx context.Context, e protocol.Entity, fn func(Row) error) error {
	return d.classify(scanRows(ctx, d.sql, e, selectCols[e]+" ORDER BY "+idCol[e], nil, fn))
}

func scanRows(ctx context.Context, q querier, e protocol.Entity, query string, args []any, fn func(Row) error) error {
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
		if err := fn(convert(e, vals)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func convert(e protocol.Entity, v []any) Row {
	c := &cells{v: v, names: colNames[e]}
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
	r.Data, r.Err = protocol.MarshalRow(obj) // the same encoder validation compares with
	return r
}
