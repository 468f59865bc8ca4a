package cachestore

import (
	"encoding/binary"
	"fmt"
)

// entry is a catalog record: the newest version seen for an entity.
type entry struct {
	Version   uint64
	Deleted   bool
	Snapshot  bool   // version is a rebuild snapshot's checkpoint, not the entity's own change_id
	StartTime int64  // episodes
	OwnerKind byte   // embeddings
	OwnerID   string // embeddings
}

const entryFixed = 8 + 1 + 8 + 1

func (e entry) encode() []byte {
	b := make([]byte, 0, entryFixed+len(e.OwnerID))
	b = binary.BigEndian.AppendUint64(b, e.Version)
	flag := byte(0)
	if e.Deleted {
		flag |= 1
	}
	if e.Snapshot {
		flag |= 2
	}
	b = append(b, flag)
	b = binary.BigEndian.AppendUint64(b, uint64(e.StartTime))
	b = append(b, e.OwnerKind)
	return append(b, e.OwnerID...)
}

func decodeEntry(b []byte) (entry, error) {
	if len(b) < entryFixed || b[8] > 3 {
		return entry{}, fmt.Errorf("%w: catalog entry of %d bytes", ErrCorrupt, len(b))
	}
	return entry{
		Version:   binary.BigEndian.Uint64(b),
		Deleted:   b[8]&1 != 0,
		Snapshot:  b[8]&2 != 0,
		StartTime: int64(binary.BigEndian.Uint64(b[9:])),
		OwnerKind: b[17],
		OwnerID:   string(b[entryFixed:]),
	}, nil
}

func (e entry) live() bool { return e.Version > 0 && !e.Deleted }
