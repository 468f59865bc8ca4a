package turso

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// releaseWait bounds how long Close waits for libSQL to let go of a file.
const releaseWait = 2 * time.Second

// localPath is the file a local DSN names ("file:path?opts" → path).
func localPath(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

// fileHandles tracks the descriptors of the database file that this DB's
// connections opened. libSQL closes a connection, checkpoints its WAL and
// deletes the WAL file a few milliseconds after the call that closes it
// has returned; a caller that copies, replaces or reopens the files in
// that window races the checkpoint (seen as "disk I/O error" on the next
// open, or a backup without the last commits). SQLite closes the main
// file's descriptor last, so waiting for it covers the checkpoint. Other
// handles on the same file in this process keep their own descriptors and
// are not waited for. Where descriptors cannot be listed (no /proc) the
// wait is skipped.
//
// INVARIANT 13: once DB.Close has returned on a local file, no connection of
// that DB writes to it: the files are the caller's to copy or replace.
type fileHandles struct {
	path  string // absolute
	mu    sync.Mutex
	owned map[int]bool
}

func newFileHandles(dsn string) *fileHandles {
	abs, err := filepath.Abs(localPath(dsn))
	if err != nil {
		abs = localPath(dsn)
	}
	return &fileHandles{path: abs, owned: map[int]bool{}}
}

// opening returns the descriptors open on the file now; opened records
// those that appeared since as this DB's.
func (h *fileHandles) opening() map[int]bool { return fdsOn(h.path) }

func (h *fileHandles) opened(before map[int]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for fd := range fdsOn(h.path) {
		if !before[fd] {
			h.owned[fd] = true
		}
	}
}

// waitClosed returns once no descriptor this DB opened is still open on
// the file, or after releaseWait.
func (h *fileHandles) waitClosed() {
	h.mu.Lock()
	defer h.mu.Unlock()
	deadline := time.Now().Add(releaseWait)
	// back off from 1 ms: a close normally completes within ~10 ms, and
	// listing /proc/self/fd every millisecond for seconds costs CPU when
	// another handle keeps the file busy
	pause := time.Millisecond
	for {
		now := fdsOn(h.path)
		left := false
		for fd := range h.owned {
			if now[fd] {
				left = true
			} else {
				delete(h.owned, fd)
			}
		}
		if !left || time.Now().After(deadline) {
			return
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// fdsOn lists this process's descriptors open on exactly path.
func fdsOn(path string) map[int]bool {
	fds := map[int]bool{}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fds
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == path {
			fds[fd] = true
		}
	}
	return fds
}
