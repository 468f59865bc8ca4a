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
	// Frame holds Data with room for its envelope around it (the
	// changefeed writes the message there: protocol.EncodeEnvelopeIn).
	Frame protocol.Frame
	Err   error
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
	// One destination for every row: each column is the driver's value as
	// is (database/sql would copy a []byte into an *any), and the row is
	// converted and encoded before the next Scan reuses them.
	raw, dest, vals := make([]rawCell, len(cols)), make([]any, len(cols)), make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	var cv converter
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %s: %w", e, err)
		}
		for i := range raw {
			vals[i] = raw[i].v
		}
		if err := fn(cv.convert(e, vals)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rawCell receives a column's value without database/sql's conversion: a
// []byte is the driver's buffer, valid until the next Next.
type rawCell struct{ v any }

func (c *rawCell) Scan(src any) error { c.v = src; return nil }

func convert(e protocol.Entity, v []any) Row {
	var cv converter
	return cv.convert(e, v)
}

// converter turns scanned rows into Rows, reusing its buffers from one row
// to the next: only a Row's frame, ID, OwnerID and Model are allocated.
type converter struct {
	c     cells
	buf   []byte // the row JSON, copied into its frame
	ep    protocol.Episode
	pat   protocol.Pattern
	emb   protocol.Embedding
	model string // the last model, shared by the Rows that have it
}

func (cv *converter) convert(e protocol.Entity, v []any) Row {
	c := &cv.c
	c.v, c.names, c.err = v, colNames[e], nil
	id := c.str(0)
	r := Row{Entity: e, ID: strings.Clone(id)}
	switch e {
	case protocol.EntityEpisode:
		c.episode(&cv.ep)
	case protocol.EntityPattern:
		c.pattern(&cv.pat)
	default:
		c.embedding(&cv.emb)
	}
	if c.err != nil {
		r.Err = fmt.Errorf("%w: %s %q: %v", ErrMalformedRow, e, r.ID, c.err)
		return r
	}
	b := cv.buf[:0]
	var err error
	switch e {
	case protocol.EntityEpisode:
		b = protocol.AppendEpisode(b, &cv.ep)
	case protocol.EntityPattern:
		b, err = protocol.AppendPattern(b, &cv.pat)
	default:
		b = protocol.AppendEmbedding(b, &cv.emb)
		cv.owner(&r, v)
	}
	cv.buf = b
	if err != nil {
		r.Err = err
		return r
	}
	// The same encoder validation compares with, and the row's bytes the
	// message will carry: a frame with room for its envelope.
	r.Frame = protocol.NewFrame(protocol.FrameRoom(e, r.ID), b)
	r.Data = r.Frame.Data()
	return r
}

// owner fills an embedding Row's owner, model and dimension (copied out of
// the scanned bytes).
func (cv *converter) owner(r *Row, v []any) {
	emb := &cv.emb
	for _, k := range protocol.Entities { // not the scanned bytes: Validate made it a kind
		if string(k) == emb.ItemType {
			r.Owner = k
		}
	}
	r.OwnerID, r.Dimension = strings.Clone(emb.ItemID), emb.Dimension
	if emb.Model != cv.model {
		cv.model = strings.Clone(emb.Model)
	}
	r.Model = cv.model
	n, _ := v[8].(int64)
	r.OwnerExists = n == 1
}
