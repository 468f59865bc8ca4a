package changefeed

import (
	"context"
	"database/sql"

	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// joinRows attaches the current row of items (same read transaction) in
// version order, a chunk at a time, and stops at the first item that would
// take the rows read past budget bytes. It returns how many items have
// their row: at least one, so a single row larger than the budget still
// moves (it is dead-lettered if it cannot be published).
func joinRows(ctx context.Context, tx *sql.Tx, items []item, budget int) (int, error) {
	used := 0
	for n := 0; n < len(items); {
		end := min(n+chunkSize(used, n, budget), len(items))
		if err := joinChunk(ctx, tx, items[n:end]); err != nil {
			return n, err
		}
		for ; n < end; n++ {
			cost := itemCost(items[n])
			if n > 0 && used+cost > budget {
				return n, nil
			}
			used += cost
		}
	}
	return len(items), nil
}

// chunkSize reads ahead about as many rows as the remaining budget holds at
// the average row size so far: the rows read past the budget stay few.
func chunkSize(used, n, budget int) int {
	if n == 0 || used == 0 {
		return 16
	}
	return min(max((budget-used)/(used/n)+1, 1), 256)
}

func itemCost(it item) int {
	if it.Row == nil {
		return perMessageCost
	}
	return len(it.Row.Data) + perMessageCost
}

func joinChunk(ctx context.Context, tx *sql.Tx, items []item) error {
	for _, e := range protocol.Entities {
		var ids []string
		for _, it := range items {
			if it.Entity == e && !it.NullID {
				ids = append(ids, it.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		rows, err := turso.ReadRows(ctx, tx, e, ids)
		if err != nil {
			return err
		}
		if e == protocol.EntityEpisode {
			if err := turso.ListEmbeddings(ctx, tx, rows); err != nil {
				return err
			}
		}
		for i := range items {
			if r, ok := rows[items[i].ID]; ok && items[i].Entity == e && !items[i].NullID {
				items[i].Row = &r
			}
		}
	}
	return nil
}
