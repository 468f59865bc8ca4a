package rebuild

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
)

// powerLoss is a fileOps that performs every call for real, logs it, and
// models the minimum POSIX durability guarantees: a written file survives a
// power loss only once it and its directory were fsynced after the write; a
// rename only once the target's directory was. At crashAt (the index of a
// call) the power goes out: that call and all later ones fail, and lose()
// undoes what was not durable. It is a model of a file system, not a real
// power loss.
type powerLoss struct {
	root       string
	crashAt    int // -1: never
	keepRename bool
	log        []string
	pending    []*effect
}

// effect is an operation not yet durable.
type effect struct {
	rename        bool
	path, from    string // path: the file written, or the rename target
	data, entries bool   // write: content synced, directory entry synced
}

var errPowerLoss = errors.New("power loss")

func (p *powerLoss) call(op string, paths ...string) error {
	rel := make([]string, len(paths))
	for i, x := range paths {
		rel[i] = p.rel(x)
	}
	if p.crashAt >= 0 && len(p.log) >= p.crashAt {
		return errPowerLoss
	}
	p.log = append(p.log, op+" "+strings.Join(rel, " -> "))
	return nil
}

func (p *powerLoss) rel(x string) string {
	r, _ := filepath.Rel(p.root, x)
	if i := strings.Index(r, ".aside-"); i >= 0 {
		r = r[:i] + ".aside"
	}
	return r
}

func (p *powerLoss) writeFile(path string, data []byte) error {
	if err := p.call("write", path); err != nil {
		return err
	}
	p.pending = append(p.pending, &effect{path: path})
	return osFiles{}.writeFile(path, data)
}

func (p *powerLoss) rename(from, to string) error {
	if err := p.call("rename", from, to); err != nil {
		return err
	}
	p.move(p.pending, from, to)
	p.pending = append(p.pending, &effect{rename: true, from: from, path: to})
	return osFiles{}.rename(from, to)
}

// move follows files written inside a renamed directory.
func (p *powerLoss) move(effects []*effect, from, to string) {
	for _, e := range effects {
		if rest, ok := strings.CutPrefix(e.path, from+string(filepath.Separator)); ok {
			e.path = filepath.Join(to, rest)
		}
	}
}

func (p *powerLoss) remove(path string) error {
	if err := p.call("remove", path); err != nil {
		return err
	}
	// a file removed before it was durable may as well never have existed
	p.pending = slices.DeleteFunc(p.pending, func(e *effect) bool { return !e.rename && e.path == path })
	return osFiles{}.remove(path)
}

func (p *powerLoss) sync(path string) error {
	if err := p.call("sync", path); err != nil {
		return err
	}
	kept := p.pending[:0]
	for _, e := range p.pending {
		e.data = e.data || e.path == path
		e.entries = e.entries || filepath.Dir(e.path) == path
		if !(e.entries && (e.rename || e.data)) {
			kept = append(kept, e)
		}
	}
	p.pending = kept
	return osFiles{}.sync(path)
}

// lose undoes, newest first, the effects a power loss may take away:
// unsynced writes always, unsynced renames unless keepRename (the
// adversarial case where the rename reached the disk and the marker did not).
func (p *powerLoss) lose() error {
	for i := len(p.pending) - 1; i >= 0; i-- {
		e := p.pending[i]
		var err error
		switch {
		case !e.rename:
			err = osFiles{}.remove(e.path)
		case !p.keepRename:
			err = osFiles{}.rename(e.path, e.from)
			p.move(p.pending[:i], e.path, e.from)
		}
		if err != nil {
			return err
		}
	}
	p.pending = nil
	return nil
}
