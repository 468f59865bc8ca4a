package seed

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// VectorColumnDim is the dimension of the F32_BLOB column in the schema;
// other dimensions carry the vector only in embedding_data (as the Rust
// system does).
const VectorColumnDim = 384

// PutEpisode writes an episode with INSERT OR REPLACE.
func PutEpisode(ctx context.Context, db execer, e Episode) error {
	_, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO episodes (episode_id, task_type, task_description, context,
  start_time, end_time, steps, outcome, reward, reflection, patterns, heuristics, checkpoints, metadata, domain,
  language, created_at, archived_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)`,
		e.ID, e.TaskType, e.Description, e.Context, e.StartTime, e.EndTime, e.Steps, e.Outcome, e.Reward,
		e.Reflection, e.Patterns, e.Heuristics, e.Checkpoints, e.Metadata, e.Domain, e.Language, e.CreatedAt)
	return wrap("episode", e.ID, err)
}

// PutPattern writes a pattern with INSERT OR REPLACE.
func PutPattern(ctx context.Context, db execer, p Pattern) error {
	_, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO patterns (pattern_id, pattern_type, pattern_data,
  success_rate, context_domain, context_language, context_tags, occurrence_count, created_at, updated_at)
  VALUES (?,?,?,?,?,?,?,?,?,?)`, p.ID, p.Type, p.Data, p.SuccessRate, p.Domain, p.Language, p.Tags,
		p.Occurrences, p.CreatedAt, p.UpdatedAt)
	return wrap("pattern", p.ID, err)
}

// PutEmbedding writes an embedding with INSERT OR REPLACE.
func PutEmbedding(ctx context.Context, db execer, e Embedding) error {
	var blob any
	if len(e.Vector) == VectorColumnDim {
		blob = f32le(e.Vector)
	}
	_, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO embeddings (embedding_id, item_id, item_type,
  embedding_data, embedding_vector, dimension, model, created_at) VALUES (?,?,?,?,?,?,?,?)`,
		e.ID, e.ItemID, e.ItemType, jsonFloats(e.Vector), blob, len(e.Vector), e.Model, e.CreatedAt)
	return wrap("embedding", e.ID, err)
}

// Delete removes a row of a table by id.
func Delete(ctx context.Context, db execer, table, id string) error {
	col := map[string]string{"episodes": "episode_id", "patterns": "pattern_id", "embeddings": "embedding_id"}[table]
	if col == "" {
		return fmt.Errorf("seed: unknown table %q", table)
	}
	_, err := db.ExecContext(ctx, "DELETE FROM "+table+" WHERE "+col+" = ?", id)
	return wrap(table, id, err)
}

func wrap(kind, id string, err error) error {
	if err != nil {
		return fmt.Errorf("seed: write %s %q: %w", kind, id, err)
	}
	return nil
}

func f32le(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func jsonFloats(v []float32) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
	}
	sb.WriteByte(']')
	return sb.String()
}
