package turso

import (
	"context"
	"fmt"
	"strings"
)

// MaxListedBytes bounds the id bytes of the embedding list an episode's
// message carries; an episode owning more is sent without a list (a cache
// then never forgets it: see cachestore's horizon).
const MaxListedBytes = 512

// ListEmbeddings fills Embeddings and Listed of the episode rows in rows
// (keyed by id) from the embeddings they own in the same read (q), with one
// query per 500 episodes (idx_embeddings_item).
func ListEmbeddings(ctx context.Context, q querier, rows map[string]Row) error {
	ids := make([]string, 0, len(rows))
	for id, r := range rows {
		if r.Err == nil {
			ids = append(ids, id)
		}
	}
	owned := map[string][]string{}
	for start := 0; start < len(ids); start += 500 {
		if err := ownedChunk(ctx, q, ids[start:min(start+500, len(ids))], owned); err != nil {
			return err
		}
	}
	for _, id := range ids {
		r := rows[id]
		r.Embeddings, r.Listed = owned[id], listedBytes(owned[id]) <= MaxListedBytes
		if !r.Listed {
			r.Embeddings = nil
		}
		rows[id] = r
	}
	return nil
}

func ownedChunk(ctx context.Context, q querier, ids []string, owned map[string][]string) error {
	query := `SELECT CAST(item_id AS BLOB), CAST(embedding_id AS BLOB) FROM embeddings
  WHERE item_type = 'episode' AND item_id IN (` + idParam + strings.Repeat(","+idParam, len(ids)-1) + `)
  ORDER BY item_id, embedding_id`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = idArg(id)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read owned embeddings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner, emb []byte
		if err := rows.Scan(&owner, &emb); err != nil {
			return fmt.Errorf("scan owned embeddings: %w", err)
		}
		owned[string(owner)] = append(owned[string(owner)], string(emb))
	}
	return rows.Err()
}

func listedBytes(ids []string) int {
	n := 0
	for _, id := range ids {
		n += len(id)
	}
	return n
}
