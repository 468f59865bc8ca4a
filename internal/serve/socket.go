package serve

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// dialTimeout bounds the probes of a socket or address (stale checks,
// Discover).
const dialTimeout = 300 * time.Millisecond

// privateDir creates dir (0700) or checks an existing one: it must be a
// directory owned by this user; its mode is set to 0700 if it is not.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("serve: creating %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("serve: %s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("serve: %s is owned by uid %d, not by this user (uid %d); refusing to use it", dir, st.Uid, os.Getuid())
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("serve: making %s private: %w", dir, err)
		}
	}
	return nil
}

// listenUnix listens on path: its directory made private, a socket a live
// server answers on refused (ErrInUse), a stale one removed, the new socket
// 0600 before anything is served on it.
func listenUnix(path string) (*net.UnixListener, error) {
	if len(path) > 103 {
		return nil, fmt.Errorf("%w: socket path %s is %d bytes; unix sockets allow about 104 (use SocketPath)", ErrOptions, path, len(path))
	}
	if err := privateDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := clearStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%w: %s: another server started listening on it", ErrInUse, path)
		}
		return nil, fmt.Errorf("serve: listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("serve: chmod 0600 %s: %w", path, err)
	}
	return ln, nil
}

// clearStale removes a socket file nobody answers on; a live one is
// ErrInUse, and anything that is not a socket is left alone (an error).
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("serve: %s exists and is not a socket; refusing to replace it", path)
	}
	if answers("unix", path) {
		return fmt.Errorf("%w: a live server answers on %s (another memsync worker or run for this data dir and worker?)", ErrInUse, path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("serve: removing the stale socket %s: %w", path, err)
	}
	return nil
}

// answers reports whether something accepts a connection on addr.
func answers(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, dialTimeout)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
