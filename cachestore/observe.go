package cachestore

import "github.com/memsync/memsync/protocol"

// DataChange is one committed change of what the cache holds: an entity's
// data was stored (Data is the protocol row JSON) or dropped (Data is nil).
// Catalog-only changes (an episode outside the window, a tombstone) are not
// reported: nothing readable changed.
type DataChange struct {
	Entity protocol.Entity
	ID     string
	Data   []byte
}

// dataLog collects the data changes of one Apply, the last change of each
// entity winning, in first-touched order.
type dataLog struct {
	at  map[string]int
	out []DataChange
}

func (l *dataLog) record(k byte, id string, data []byte) {
	key := string(k) + id
	if l.at == nil {
		l.at = map[string]int{}
	}
	if i, ok := l.at[key]; ok {
		l.out[i].Data = data
		return
	}
	l.at[key] = len(l.out)
	l.out = append(l.out, DataChange{Entity: entityOf(k), ID: id, Data: data})
}

func (a *applier) putData(k byte, id string, data []byte) error {
	if err := a.set(dataKey(k, id), data); err != nil {
		return err
	}
	if a.s.opts.OnCommit != nil {
		a.data.record(k, id, data)
	}
	return nil
}

// dropData deletes an entity's data; what a batch drops can still be
// re-admitted without a fetch (stash.go), so nothing is read here.
func (a *applier) dropData(k byte, id string) error {
	if err := a.del(dataKey(k, id)); err != nil {
		return err
	}
	if a.s.opts.OnCommit != nil {
		a.data.record(k, id, nil)
	}
	return nil
}

// notify reports a committed batch's data changes to the observer.
func (a *applier) notify() {
	if a.s.opts.OnCommit != nil && len(a.data.out) > 0 {
		a.s.opts.OnCommit(a.data.out)
	}
}
