package turso

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/protocol"
)

// EpisodeKey is an episode's id and start time.
type EpisodeKey struct {
	ID        string
	StartTime int64
}

// ScanEpisodeKeys calls fn for every episode with an integer start_time,
// most recent first (start_time DESC, episode_id ASC: the cache's window
// order). The others are malformed: never synced, never cached.
func ScanEpisodeKeys(ctx context.Context, q querier, fn func(EpisodeKey) error) error {
	rows, err := q.QueryContext(ctx, `SELECT CAST(episode_id AS BLOB), start_time FROM episodes WHERE typeof(start_time) = 'integer' ORDER BY start_time DESC, episode_id ASC`)
	if err != nil {
		return fmt.Errorf("scan episodes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id []byte
		var k EpisodeKey
		if err := rows.Scan(&id, &k.StartTime); err != nil {
			return fmt.Errorf("scan episode key: %w", err)
		}
		k.ID = string(id)
		if err := fn(k); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EmbeddingOwner is an embedding's id and owner.
type EmbeddingOwner struct {
	ID, OwnerKind, OwnerID string
}

// ScanEmbeddingOwners calls fn for every embedding's owner.
func ScanEmbeddingOwners(ctx context.Context, q querier, fn func(EmbeddingOwner) error) error {
	rows, err := q.QueryContext(ctx, `SELECT CAST(embedding_id AS BLOB), CAST(item_type AS BLOB), CAST(item_id AS BLOB) FROM embeddings`)
	if err != nil {
		return fmt.Errorf("scan embeddings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, owner []byte
		if err := rows.Scan(&id, &kind, &owner); err != nil {
			return fmt.Errorf("scan embedding owner: %w", err)
		}
		if err := fn(EmbeddingOwner{ID: string(id), OwnerKind: string(kind), OwnerID: string(owner)}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanAllRows calls fn for every row of a kind inside a snapshot.
func ScanAllRows(ctx context.Context, q querier, e protocol.Entity, fn func(Row) error) error {
	return scanRows(ctx, q, e, selectCols[e], nil, fn)
}
