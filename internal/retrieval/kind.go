package retrieval

import "github.com/memsync/memsync/protocol"

// kind is a document kind as stored in the hot arrays; 0 is a free slot.
type kind uint8

const (
	kindEpisode kind = 1
	kindPattern kind = 2
	numKinds         = 3 // array size for per-kind tables (index 0 unused)
)

func (k kind) entity() protocol.Entity {
	if k == kindPattern {
		return protocol.EntityPattern
	}
	return protocol.EntityEpisode
}

// docKind maps an owner entity (episode, pattern) to its kind, else 0.
func docKind(e protocol.Entity) kind {
	switch e {
	case protocol.EntityEpisode:
		return kindEpisode
	case protocol.EntityPattern:
		return kindPattern
	}
	return 0
}

// ownerKind is docKind of an embedding's item_type bytes.
func ownerKind(b []byte) kind {
	return docKind(protocol.Entity(b))
}
