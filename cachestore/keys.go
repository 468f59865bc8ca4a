package cachestore

import (
	"encoding/binary"

	"github.com/memsync/memsync/protocol"
)

// kind bytes used inside keys.
const (
	kindEpisode   = 'e'
	kindPattern   = 'p'
	kindEmbedding = 'm'
)

func kindOf(e protocol.Entity) byte {
	switch e {
	case protocol.EntityEpisode:
		return kindEpisode
	case protocol.EntityPattern:
		return kindPattern
	}
	return kindEmbedding
}

func entityOf(k byte) protocol.Entity {
	switch k {
	case kindEpisode:
		return protocol.EntityEpisode
	case kindPattern:
		return protocol.EntityPattern
	}
	return protocol.EntityEmbedding
}

func metaKey(name string) []byte { return []byte("m/" + name) }

func catalogPrefix(k byte) []byte { return []byte{'c', '/', k, '/'} }

func catalogKey(k byte, id string) []byte { return append(catalogPrefix(k), id...) }

func dataPrefix(k byte) []byte { return []byte{'d', '/', k, '/'} }

func dataKey(k byte, id string) []byte { return append(dataPrefix(k), id...) }

var sortPrefix = []byte("s/")

// sortKey orders episodes most recent first, ties by id ascending.
func sortKey(startTime int64, id string) []byte {
	k := make([]byte, 0, 2+8+len(id))
	k = append(k, sortPrefix...)
	k = binary.BigEndian.AppendUint64(k, ^(uint64(startTime) ^ (1 << 63)))
	return append(k, id...)
}

func idFromSortKey(k []byte) string { return string(k[len(sortPrefix)+8:]) }

// startFromSortKey inverts sortKey's start time encoding.
func startFromSortKey(k []byte) int64 {
	return int64(^binary.BigEndian.Uint64(k[len(sortPrefix):]) ^ (1 << 63))
}

func ownerPrefix(owner byte, ownerID string) []byte {
	k := make([]byte, 0, 5+len(ownerID))
	k = append(k, 'o', '/', owner)
	k = binary.BigEndian.AppendUint16(k, uint16(len(ownerID)))
	return append(k, ownerID...)
}

func ownerKey(owner byte, ownerID, embID string) []byte {
	return append(ownerPrefix(owner, ownerID), embID...)
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}
