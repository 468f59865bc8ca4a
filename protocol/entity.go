package protocol

import "fmt"

// Entity is the kind of a synced row.
type Entity string

// The three synced entity kinds, named as on the wire.
const (
	EntityEpisode   Entity = "episode"
	EntityPattern   Entity = "pattern"
	EntityEmbedding Entity = "embedding"
)

// Entities lists every entity kind in a stable order.
var Entities = []Entity{EntityEpisode, EntityPattern, EntityEmbedding}

// ParseEntity validates a wire entity name.
func ParseEntity(s string) (Entity, error) {
	switch e := Entity(s); e {
	case EntityEpisode, EntityPattern, EntityEmbedding:
		return e, nil
	}
	return "", fmt.Errorf("%w: %q", ErrBadEntity, s)
}

// Op is what a change did to an entity.
type Op string

// Operations.
const (
	OpUpsert Op = "upsert"
	OpDelete Op = "delete"
)

// ParseOp validates a wire op name.
func ParseOp(s string) (Op, error) {
	switch o := Op(s); o {
	case OpUpsert, OpDelete:
		return o, nil
	}
	return "", fmt.Errorf("%w: %q", ErrBadOp, s)
}
