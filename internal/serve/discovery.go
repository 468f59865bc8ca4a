package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Info is a server's discovery file, <dataDir>/serve/<worker>.json.
type Info struct {
	PID     int       `json:"pid"`
	Worker  string    `json:"worker"`
	Socket  string    `json:"socket"`
	Addr    string    `json:"addr"`
	NATSURL string    `json:"nats_url"`
	Started time.Time `json:"started"`
}

// NATSInfo is the embedded NATS server's discovery file,
// <dataDir>/serve/nats.json.
type NATSInfo struct {
	PID     int       `json:"pid"`
	URL     string    `json:"url"`
	Started time.Time `json:"started"`
}

// Discover finds worker's server for dataDir. It returns the discovery file
// only when its process is alive and its socket (or, without one, its TCP
// address) accepts a connection. No file is ErrNoServer; a file left by a
// process that exited, or whose server does not answer, is ErrStale, and
// the file is removed.
func Discover(dataDir, worker string) (Info, error) {
	path := DiscoveryPath(dataDir, worker)
	var info Info
	raw, err := readDiscovery(path, &info)
	if err != nil {
		return Info{}, err
	}
	if err := checkAlive(path, raw, info.PID); err != nil {
		return Info{}, err
	}
	network, addr := "unix", info.Socket
	if addr == "" {
		network, addr = "tcp", info.Addr
	}
	if addr == "" || !answers(network, addr) {
		removeIf(path, raw)
		return Info{}, fmt.Errorf("%w: %s: pid %d is alive but nothing answers on %s %q; removed the file", ErrStale, path, info.PID, network, addr)
	}
	return info, nil
}

// DiscoverNATS returns the URL of the NATS server `memsync run` embeds for
// dataDir, when its process is alive and a TCP connection to the URL's
// host:port succeeds within 300 ms; otherwise ErrNoServer or ErrStale (the
// stale file removed), as Discover.
func DiscoverNATS(dataDir string) (string, error) {
	path := NATSPath(dataDir)
	var info NATSInfo
	raw, err := readDiscovery(path, &info)
	if err != nil {
		return "", err
	}
	if err := checkAlive(path, raw, info.PID); err != nil {
		return "", err
	}
	hostport, err := natsHostPort(info.URL)
	if err != nil || !answers("tcp", hostport) {
		removeIf(path, raw)
		return "", fmt.Errorf("%w: %s: pid %d is alive but NATS does not answer on %q; removed the file", ErrStale, path, info.PID, info.URL)
	}
	return info.URL, nil
}

// WriteNATS records the embedded NATS server's URL for dataDir; remove
// deletes the file (if it is still this process's).
func WriteNATS(dataDir, natsURL string) (remove func(), err error) {
	if _, err := natsHostPort(natsURL); err != nil {
		return nil, fmt.Errorf("%w: NATS URL %q: %v", ErrOptions, natsURL, err)
	}
	path := NATSPath(dataDir)
	info := NATSInfo{PID: os.Getpid(), URL: natsURL, Started: time.Now().UTC().Truncate(time.Second)}
	raw, err := writeDiscovery(path, info)
	if err != nil {
		return nil, err
	}
	return func() { removeIf(path, raw) }, nil
}

func natsHostPort(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	if p.Host == "" {
		return "", errors.New("no host")
	}
	if p.Port() == "" {
		return net.JoinHostPort(p.Hostname(), "4222"), nil
	}
	return p.Host, nil
}

// readDiscovery reads and decodes a discovery file. A file that does not
// decode is stale (and removed): files are written atomically, so it was
// not written by a server.
func readDiscovery(path string, v any) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no discovery file %s", ErrNoServer, path)
	}
	if err != nil {
		return nil, fmt.Errorf("serve: reading %s: %w", path, err)
	}
	if err := decodeDiscovery(raw, v); err != nil {
		removeIf(path, raw)
		return nil, fmt.Errorf("%w: %s does not decode (%v); removed it", ErrStale, path, err)
	}
	return raw, nil
}

// decodeDiscovery decodes one discovery file and checks its pid.
func decodeDiscovery(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	var pid int
	switch x := v.(type) {
	case *Info:
		pid = x.PID
	case *NATSInfo:
		pid = x.PID
	}
	if pid <= 0 {
		return fmt.Errorf("pid %d", pid)
	}
	return nil
}

// checkAlive reports a file whose process has exited as ErrStale and
// removes it. EPERM means the process exists (another user's).
func checkAlive(path string, raw []byte, pid int) error {
	err := syscall.Kill(pid, 0)
	if err == nil || errors.Is(err, syscall.EPERM) {
		return nil
	}
	removeIf(path, raw)
	return fmt.Errorf("%w: %s was left by pid %d, which has exited; removed it", ErrStale, path, pid)
}

// writeDiscovery writes v to path atomically (temp file + rename), 0600,
// in a 0700 directory, and returns the bytes written.
func writeDiscovery(path string, v any) ([]byte, error) {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("serve: encoding %s: %w", path, err)
	}
	raw = append(raw, '\n')
	dir := filepath.Dir(path)
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(raw)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("serve: writing %s: %w", path, err)
	}
	return raw, nil
}

// removeIf removes path if it still holds raw: a file another server wrote
// since is left alone.
func removeIf(path string, raw []byte) {
	if cur, err := os.ReadFile(path); err == nil && bytes.Equal(cur, raw) {
		_ = os.Remove(path)
	}
}
