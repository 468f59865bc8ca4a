package changefeed

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// refHeaders are the headers as entityMsg set them before they shared one
// allocation: one Set per header, the message id by Sprintf.
func (c *Changefeed) refHeaders(env *protocol.Envelope, it item, epoch string) nats.Header {
	m := nats.NewMsg("x")
	h := m.Header
	h.Set(protocol.HeaderSchema, strconv.Itoa(protocol.SchemaVersion))
	h.Set(protocol.HeaderEntity, string(env.Entity))
	h.Set(protocol.HeaderOp, string(env.Op))
	h.Set(protocol.HeaderVersion, strconv.FormatUint(env.Version, 10))
	h.Set(protocol.HeaderLineage, c.lineage)
	tok, _ := protocol.EncodeID(env.ID)
	h.Set(protocol.HeaderMsgID, fmt.Sprintf("%s.%s.%d.%s.%s", c.lineage, epoch, env.Version, env.Entity, tok))
	if env.Op == protocol.OpDelete && c.opts.TombstoneTTL > 0 {
		m.Header.Set(jetstream.MsgTTLHeader, c.opts.TombstoneTTL.String())
	}
	if it.Entity == protocol.EntityEmbedding && it.Row != nil {
		m.Header.Set(protocol.HeaderModel, it.Row.Model)
		m.Header.Set(protocol.HeaderDimension, strconv.Itoa(it.Row.Dimension))
		m.Header.Set(protocol.HeaderDType, protocol.DTypeF32LE)
	}
	return h
}

// Every kind of entity message carries the headers it carried before, and
// no two headers share a value a later Add could overwrite.
func TestEntityMessageHeaders(t *testing.T) {
	emb := &turso.Row{Entity: protocol.EntityEmbedding, ID: "emb-1", Data: []byte(`{}`), Model: "all-MiniLM-L6-v2", Dimension: 384}
	ep := &turso.Row{Entity: protocol.EntityEpisode, ID: "ep-\xff", Data: []byte(`{}`), Listed: true, Embeddings: []string{"emb-1"}}
	cases := []struct {
		name string
		ttl  time.Duration
		it   item
	}{
		{"episode upsert, id not UTF-8", 0, item{Entity: protocol.EntityEpisode, ID: ep.ID, Version: 7, Row: ep}},
		{"embedding upsert", time.Hour, item{Entity: protocol.EntityEmbedding, ID: "emb-1", Version: 1 << 40, Row: emb}},
		{"pattern delete", 0, item{Entity: protocol.EntityPattern, ID: "pat.1", Version: 3}},
		{"embedding delete with a TTL", 90 * time.Minute, item{Entity: protocol.EntityEmbedding, ID: "emb-2", Version: 9}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Changefeed{opts: Options{DBName: "db", TombstoneTTL: tc.ttl}, lineage: "0123456789abcdef"}
			env := protocol.Envelope{Schema: protocol.SchemaVersion, Entity: tc.it.Entity, Op: protocol.OpDelete,
				ID: tc.it.ID, Version: tc.it.Version, Lineage: c.lineage}
			if tc.it.Row != nil {
				env.Op = protocol.OpUpsert
			}
			got, want := c.headers(&env, tc.it, "ep0ch"), c.refHeaders(&env, tc.it, "ep0ch")
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("headers\n got %v\nwant %v", got, want)
			}
			before := got.Get(protocol.HeaderOp)
			for k := range want {
				got.Add(k, "added")
			}
			if got.Get(protocol.HeaderOp) != before || len(got.Values(protocol.HeaderOp)) != 2 {
				t.Fatalf("an Add changed another header: %v", got)
			}
		})
	}
}
