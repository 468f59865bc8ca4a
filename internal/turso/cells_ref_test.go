package turso

// The row conversion as it was before the converter (cells.go, rows.go):
// database/sql's *any destinations (a copy of every []byte), a string
// copy per text column, then encoding/json. It is the reference the new
// path must match field for field and byte for byte (rows_ref_test.go).

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/memsync/memsync/protocol"
)

// refCells is the old cells.
type refCells struct {
	v     []any
	names []string // the selected columns' names, for errors
	err   error
}

func (c *refCells) fail(i int, format string, args ...any) {
	if c.err != nil {
		return
	}
	col := fmt.Sprintf("column %d", i)
	if i < len(c.names) {
		col = c.names[i]
	}
	c.err = fmt.Errorf("%s: "+format, append([]any{col}, args...)...)
}

func (c *refCells) strp(i int) *string {
	switch x := c.v[i].(type) {
	case nil:
		return nil
	case []byte:
		s := string(x)
		return &s
	case string:
		return &x
	}
	c.fail(i, "want text, got %T", c.v[i])
	return nil
}

func (c *refCells) str(i int) string {
	p := c.strp(i)
	if p == nil {
		c.fail(i, "unexpected NULL")
		return ""
	}
	return *p
}

func (c *refCells) intp(i int) *int64 {
	switch x := c.v[i].(type) {
	case nil:
		return nil
	case int64:
		return &x
	case float64:
		if x == math.Trunc(x) {
			n := int64(x)
			return &n
		}
	}
	c.fail(i, "want integer, got %T %v", c.v[i], c.v[i])
	return nil
}

func (c *refCells) int(i int) int64 {
	p := c.intp(i)
	if p == nil {
		c.fail(i, "unexpected NULL")
		return 0
	}
	return *p
}

func (c *refCells) float(i int) float64 {
	switch x := c.v[i].(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	c.fail(i, "want real, got %T", c.v[i])
	return 0
}

func (c *refCells) episode() *protocol.Episode {
	return &protocol.Episode{
		EpisodeID: c.str(0), TaskType: c.str(1), TaskDescription: c.str(2), Context: c.str(3),
		StartTime: c.int(4), EndTime: c.intp(5), Steps: c.str(6), Outcome: c.strp(7), Reward: c.strp(8),
		Reflection: c.strp(9), Patterns: c.str(10), Heuristics: c.str(11), Checkpoints: c.str(12),
		Metadata: c.str(13), Domain: c.str(14), Language: c.strp(15), CreatedAt: c.int(16), ArchivedAt: c.intp(17),
	}
}

func (c *refCells) pattern() *protocol.Pattern {
	return &protocol.Pattern{
		PatternID: c.str(0), PatternType: c.str(1), PatternData: c.str(2), SuccessRate: c.float(3),
		ContextDomain: c.strp(4), ContextLanguage: c.strp(5), ContextTags: c.strp(6),
		OccurrenceCount: c.int(7), CreatedAt: c.int(8), UpdatedAt: c.int(9),
	}
}

func (c *refCells) embedding() *protocol.Embedding {
	e := &protocol.Embedding{
		EmbeddingID: c.str(0), ItemID: c.str(1), ItemType: c.str(2), Dimension: int(c.int(5)),
		Model: c.str(6), DType: protocol.DTypeF32LE, CreatedAt: c.int(7),
	}
	if c.err == nil {
		e.Vector = c.vector(e.Dimension)
	}
	if c.err == nil {
		if err := e.Validate(); err != nil {
			c.err = err
		}
	}
	return e
}

// vector prefers the binary F32_BLOB column and falls back to the JSON array.
func (c *refCells) vector(dim int) []byte {
	if b, ok := c.v[4].([]byte); ok && len(b) == 4*dim && dim > 0 {
		return b
	}
	var fs []float32
	if c.v[3] == nil {
		c.fail(3, "embedding_data is NULL and embedding_vector does not hold %d floats", dim)
		return nil
	}
	if err := json.Unmarshal([]byte(c.str(3)), &fs); err != nil {
		c.fail(3, "embedding_data is not a JSON array of numbers: %v", err)
		return nil
	}
	if len(fs) != dim {
		c.fail(3, "embedding_data has %d values for dimension %d", len(fs), dim)
		return nil
	}
	return protocol.EncodeVector(fs)
}
