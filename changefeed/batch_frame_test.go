package changefeed

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
)

// The messages of a batch built from real rows carry exactly the bytes of
// EncodeEnvelope (and so of the encoder it replaced), and each upsert was
// written around its row where the row was read: no copy of it.
func TestBatchWrapsRowsInPlace(t *testing.T) {
	db, _ := testenv.Turso(t)
	if err := seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: 40, Patterns: 5, EmbeddingDim: 384, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	_, js := testenv.StartNATS(t).Connect(t)
	c, err := New(db, js, &Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ensureReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	rb, err := c.read(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		data []byte
		last *byte // the row's last byte in its frame
	}
	rows := make([]row, len(rb.items))
	for i, it := range rb.items {
		if it.Row == nil || it.Row.Err != nil {
			t.Fatalf("item %d: %+v", i, it)
		}
		rows[i] = row{bytes.Clone(it.Row.Data), &it.Row.Frame.Data()[len(it.Row.Data)-1]}
	}
	out, dead, err := c.buildBatch(t.Context(), rb, c.cur)
	if err != nil || dead != 0 || len(out.msgs) != len(rb.items) || len(out.msgs) < 90 {
		t.Fatalf("%d messages of %d items, %d dead: %v", len(out.msgs), len(rb.items), dead, err)
	}
	for i, m := range out.msgs {
		it := out.items[i]
		env := protocol.Envelope{Schema: protocol.SchemaVersion, Entity: it.Entity, Op: protocol.OpUpsert, ID: it.ID,
			Version: it.Version, Lineage: c.lineage, Data: rows[i].data, Embeddings: it.Row.Embeddings, Listed: it.Row.Listed}
		want, err := protocol.EncodeEnvelope(&env)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Data, want) {
			t.Fatalf("%s %s:\n got %.300q\nwant %.300q", it.Entity, it.ID, m.Data, want)
		}
		if &m.Data[len(m.Data)-2] != rows[i].last {
			t.Fatalf("%s %s: the row was copied into its message", it.Entity, it.ID)
		}
		if it.Row.Data != nil || it.Row.Frame.Data() != nil {
			t.Fatalf("%s %s: the row still holds its bytes", it.Entity, it.ID)
		}
	}
}
