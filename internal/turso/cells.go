package turso

import (
	"encoding/json"
	"fmt"
	"math"
	"unsafe"

	"github.com/memsync/memsync/protocol"
)

// maxCols is the most columns selectCols selects for one kind.
const maxCols = 18

// cells converts one row's scanned values, remembering the first problem.
// Text comes as views of the scanned bytes (no copy): the protocol rows
// built from them live only until the row is encoded, before the next
// Scan; whatever a Row keeps (its id, an embedding's owner and model) is
// copied out.
type cells struct {
	v     []any
	names []string // the selected columns' names, for errors
	err   error
	// the values the nullable fields of a protocol row point to
	strs [maxCols]string
	ints [maxCols]int64
}

// view is b as a string without a copy, valid as long as b's bytes are
// not reused (database/sql: until the next Next, Scan or Close).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (c *cells) fail(i int, format string, args ...any) {
	if c.err != nil {
		return
	}
	col := fmt.Sprintf("column %d", i)
	if i < len(c.names) {
		col = c.names[i]
	}
	c.err = fmt.Errorf("%s: "+format, append([]any{col}, args...)...)
}

// text is column i as text; ok is false for NULL or a value that is not
// text (then it failed).
func (c *cells) text(i int) (s string, ok bool) {
	switch x := c.v[i].(type) {
	case nil:
		return "", false
	case []byte:
		return view(x), true
	case string:
		return x, true
	}
	c.fail(i, "want text, got %T", c.v[i])
	return "", false
}

func (c *cells) strp(i int) *string {
	s, ok := c.text(i)
	if !ok {
		return nil
	}
	c.strs[i] = s
	return &c.strs[i]
}

func (c *cells) str(i int) string {
	s, ok := c.text(i)
	if !ok && c.v[i] == nil {
		c.fail(i, "unexpected NULL")
	}
	return s
}

// integer is column i as an integer; ok is false for NULL or a value that
// is not an integer (then it failed).
func (c *cells) integer(i int) (n int64, ok bool) {
	switch x := c.v[i].(type) {
	case nil:
		return 0, false
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	}
	c.fail(i, "want integer, got %T %v", c.v[i], c.v[i])
	return 0, false
}

func (c *cells) intp(i int) *int64 {
	n, ok := c.integer(i)
	if !ok {
		return nil
	}
	c.ints[i] = n
	return &c.ints[i]
}

func (c *cells) int(i int) int64 {
	n, ok := c.integer(i)
	if !ok && c.v[i] == nil {
		c.fail(i, "unexpected NULL")
	}
	return n
}

func (c *cells) float(i int) float64 {
	switch x := c.v[i].(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	c.fail(i, "want real, got %T", c.v[i])
	return 0
}

func (c *cells) episode(r *protocol.Episode) {
	*r = protocol.Episode{
		EpisodeID: c.str(0), TaskType: c.str(1), TaskDescription: c.str(2), Context: c.str(3),
		StartTime: c.int(4), EndTime: c.intp(5), Steps: c.str(6), Outcome: c.strp(7), Reward: c.strp(8),
		Reflection: c.strp(9), Patterns: c.str(10), Heuristics: c.str(11), Checkpoints: c.str(12),
		Metadata: c.str(13), Domain: c.str(14), Language: c.strp(15), CreatedAt: c.int(16), ArchivedAt: c.intp(17),
	}
}

func (c *cells) pattern(r *protocol.Pattern) {
	*r = protocol.Pattern{
		PatternID: c.str(0), PatternType: c.str(1), PatternData: c.str(2), SuccessRate: c.float(3),
		ContextDomain: c.strp(4), ContextLanguage: c.strp(5), ContextTags: c.strp(6),
		OccurrenceCount: c.int(7), CreatedAt: c.int(8), UpdatedAt: c.int(9),
	}
}

func (c *cells) embedding(e *protocol.Embedding) {
	*e = protocol.Embedding{
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
}

// vector prefers the binary F32_BLOB column and falls back to the JSON array.
func (c *cells) vector(dim int) []byte {
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
