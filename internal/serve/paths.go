package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxSocketPath is the longest socket path SocketPath returns under the data
// dir; the kernel limit is 104 (macOS) to 108 (Linux) bytes with the NUL.
const maxSocketPath = 100

// natsFile is the discovery file of the embedded NATS server.
const natsFile = "nats"

// DiscoveryDir is the directory of dataDir's discovery files (and, when
// short enough, sockets): <dataDir>/serve, absolute.
func DiscoveryDir(dataDir string) string { return filepath.Join(absPath(dataDir), "serve") }

// DiscoveryPath is the discovery file of worker's server:
// <dataDir>/serve/<worker>.json (the name encoded, see EncodeName).
func DiscoveryPath(dataDir, worker string) string {
	return filepath.Join(DiscoveryDir(dataDir), EncodeName(worker)+".json")
}

// NATSPath is the discovery file of the NATS server `memsync run` embeds.
func NATSPath(dataDir string) string { return filepath.Join(DiscoveryDir(dataDir), natsFile+".json") }

// SocketPath is where worker's server listens: <dataDir>/serve/<worker>.sock
// (absolute) or, when that is over 100 bytes (unix socket paths are limited
// to 104-108), os.TempDir()/memsync-<uid>/<16 hex of sha256(abs dataDir
// "\x00" worker)>.sock. The discovery file records the path either way.
func SocketPath(dataDir, worker string) string {
	abs := absPath(dataDir)
	p := filepath.Join(abs, "serve", EncodeName(worker)+".sock")
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(abs + "\x00" + worker))
	return filepath.Join(os.TempDir(), fmt.Sprintf("memsync-%d", os.Getuid()), hex.EncodeToString(sum[:])[:16]+".sock")
}

// EncodeName turns a worker name into a file name token: bytes in
// [A-Za-z0-9._-] are kept, every other byte is %XX, a leading "." is
// escaped (no hidden files, no "." or ".."), "" is "default", "nats" is
// escaped (that name is the NATS discovery file's), and a name over 128
// bytes encoded is cut and suffixed with a hash of the whole name.
func EncodeName(worker string) string {
	if worker == "" {
		worker = "default"
	}
	var b strings.Builder
	for i := 0; i < len(worker); i++ {
		c := worker[i]
		if safeByte(c) && !(i == 0 && c == '.') && !(i == 0 && worker == natsFile) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	s := b.String()
	if len(s) > 128 {
		sum := sha256.Sum256([]byte(worker))
		s = strings.TrimRight(s[:100], "%0123456789ABCDEF") + "~" + hex.EncodeToString(sum[:8])
	}
	return s
}

func safeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}
