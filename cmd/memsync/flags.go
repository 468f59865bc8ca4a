package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/protocol"
)

var errHelp = errors.New("help shown")

// common holds the flags shared by the commands that need them.
type common struct {
	fs             *flag.FlagSet
	dataDir        string
	tursoURL       string
	tursoToken     string
	natsURL        string
	natsCreds      string
	dbName         string
	stream         string
	dlqStream      string
	workerName     string
	cacheDir       string
	logFormat      string
	logLevel       string
	metricsAddr    string
	maxEpisodes    int
	batchSize      int
	noPatterns     bool
	noEmbeddings   bool
	pollInterval   time.Duration
	pollMin        time.Duration
	pruneDelay     time.Duration
	pubBatch       int
	pubBytes       int
	tombstoneTTL   time.Duration
	validateEvery  time.Duration
	triggerSubj    string
	natsNkey       string
	natsUser       string
	natsPassword   string
	natsToken      string
	natsCA         string
	natsCert       string
	natsKey        string
	tursoTokenFile string
	replicas       int
	staleVersions  uint64
	staleAfter     time.Duration
	serveSocket    string
	serveAddr      string
	serveToken     string
	serveTokenFile string
	noServe        bool
	maxArgs        int      // positional arguments the command takes
	args           []string // the positional arguments given
}

// conventional environment variables honoured besides MEMSYNC_<FLAG>.
var conventionalEnv = map[string]string{
	"turso": "TURSO_DATABASE_URL", "turso-token": "TURSO_AUTH_TOKEN", "nats": "NATS_URL", "nats-creds": "NATS_CREDS",
	"nats-user": "NATS_USER", "nats-password": "NATS_PASSWORD", "nats-token": "NATS_TOKEN", "nats-nkey": "NATS_NKEY",
}

func newFlags(name string) *common {
	c := &common{fs: flag.NewFlagSet("memsync "+name, flag.ContinueOnError)}
	c.fs.StringVar(&c.dataDir, "data-dir", "./memsync-data", "directory for the local database, caches and embedded NATS store")
	c.fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	c.fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return c
}

func (c *common) tursoFlags() {
	c.fs.StringVar(&c.tursoURL, "turso", "", "Turso/libSQL URL (default file:<data-dir>/memory.db; env TURSO_DATABASE_URL)")
	c.fs.StringVar(&c.tursoToken, "turso-token", "", "Turso auth token (env TURSO_AUTH_TOKEN; never logged)")
	c.fs.StringVar(&c.tursoTokenFile, "turso-token-file", "", "file holding the Turso auth token")
}

func (c *common) natsFlags() {
	c.fs.StringVar(&c.natsURL, "nats", "", "NATS URL (env NATS_URL; `run` embeds a server when absent)")
	c.fs.StringVar(&c.natsCreds, "nats-creds", "", "NATS credentials file (env NATS_CREDS)")
	c.fs.StringVar(&c.natsNkey, "nats-nkey", "", "NATS nkey seed file (env NATS_NKEY)")
	c.fs.StringVar(&c.natsUser, "nats-user", "", "NATS user (env NATS_USER)")
	c.fs.StringVar(&c.natsPassword, "nats-password", "", "NATS password (env NATS_PASSWORD; never logged)")
	c.fs.StringVar(&c.natsToken, "nats-token", "", "NATS token (env NATS_TOKEN; never logged)")
	c.fs.StringVar(&c.natsCA, "nats-tls-ca", "", "CA certificate file to verify the NATS server")
	c.fs.StringVar(&c.natsCert, "nats-tls-cert", "", "client certificate file for NATS mutual TLS")
	c.fs.StringVar(&c.natsKey, "nats-tls-key", "", "client key file for NATS mutual TLS")
	c.fs.StringVar(&c.dbName, "db-name", "default", "database name: the <db> subject token")
	c.fs.StringVar(&c.stream, "stream", protocol.DefaultStream, "JetStream stream name")
	c.fs.StringVar(&c.dlqStream, "dlq-stream", protocol.DefaultDLQStream, "dead-letter stream name")
	c.fs.StringVar(&c.triggerSubj, "trigger-subject", "sync.trigger", "core NATS subject for manual triggers")
}

func (c *common) cacheFlags() {
	c.fs.StringVar(&c.workerName, "worker", "default", "worker identity; its cache is <data-dir>/cache/<NAME> unless --cache")
	c.fs.StringVar(&c.cacheDir, "cache", "", "cache directory (default <data-dir>/cache/<worker>)")
	c.fs.IntVar(&c.maxEpisodes, "max-episodes", 1000, "episodes kept in the cache, most recent first (0 = unbounded)")
	c.fs.BoolVar(&c.noPatterns, "no-patterns", false, "do not cache patterns")
	c.fs.BoolVar(&c.noEmbeddings, "no-embeddings", false, "do not cache embeddings")
}

func (c *common) workerFlags() {
	c.fs.IntVar(&c.batchSize, "batch-size", 256, "messages per fetch and Pebble batch")
	c.fs.Uint64Var(&c.staleVersions, "stale-versions", 1000, "flag the cache stale when Turso is this many versions ahead")
	c.fs.DurationVar(&c.staleAfter, "stale-after", 30*time.Second, "flag the cache stale when behind (or without heartbeats) for this long")
	c.fs.DurationVar(&c.validateEvery, "validate-every", 10*time.Minute, "periodic validation against Turso when --turso is set (0 = off); a confirmed divergence rebuilds the cache")
	c.keepAsideFlags()
}

// serviceFlags are for the long-running commands.
func (c *common) serviceFlags() {
	c.fs.StringVar(&c.metricsAddr, "metrics-addr", "", "address for Prometheus /metrics, /healthz and /readyz (e.g. 127.0.0.1:9464)")
}

func (c *common) changefeedFlags() {
	c.fs.DurationVar(&c.pollInterval, "poll-interval", 0, "idle change-log poll period, the longest wait between polls (default 25ms for a local file, 2s for a remote database); alone it fixes the period")
	c.fs.DurationVar(&c.pollMin, "poll-min", 0, "wait after a poll that found changes, growing with idle time up to --poll-interval (default 5ms local, 50ms remote)")
	c.fs.DurationVar(&c.pruneDelay, "prune-delay", 3*time.Minute, "age a checkpoint needs before the change log is pruned below it")
	c.fs.IntVar(&c.pubBatch, "publish-batch", 500, "change-log rows per atomic publish batch (1..999)")
	c.fs.IntVar(&c.pubBytes, "publish-max-bytes", changefeed.DefaultMaxBatchBytes, "bytes per atomic publish batch (at least 65536); rows are read only up to it")
	c.fs.IntVar(&c.replicas, "replicas", 1, "stream replicas (3 on a three-node cluster)")
	c.fs.DurationVar(&c.tombstoneTTL, "tombstone-ttl", 30*24*time.Hour, "how long delete tombstones stay in the stream (0 = forever); workers offline longer rebuild")
	c.changefeedLimitFlags()
}

// parse applies environment variables, then the command line.
func (c *common) parse(args []string) error {
	var envErr error
	c.fs.VisitAll(func(f *flag.Flag) {
		if v, ok := lookupEnv(f.Name); ok {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("environment for --%s: %v", f.Name, err)
			}
		}
	})
	if envErr != nil {
		return &exitError{2, envErr}
	}
	pos, err := c.parseInterleaved(args)
	if err != nil {
		return err
	}
	if len(pos) > c.maxArgs {
		return &exitError{2, fmt.Errorf("unexpected arguments: %v", pos[c.maxArgs:])}
	}
	c.args = pos
	return c.check()
}

// parseInterleaved parses flags given before, between and after the
// positional arguments (`search "flaky tests" --domain web-api`).
func (c *common) parseInterleaved(args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, &exitError{2, nil}
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func lookupEnv(flagName string) (string, bool) {
	key := "MEMSYNC_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
	if v, ok := os.LookupEnv(key); ok {
		return v, true
	}
	if k, ok := conventionalEnv[flagName]; ok {
		return os.LookupEnv(k)
	}
	return "", false
}

func (c *common) check() error {
	if err := c.readTokenFile(); err != nil {
		return &exitError{2, err}
	}
	if err := c.readServeTokenFile(); err != nil {
		return &exitError{2, err}
	}
	if (c.natsCert == "") != (c.natsKey == "") {
		return &exitError{2, fmt.Errorf("--nats-tls-cert and --nats-tls-key go together")}
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return &exitError{2, fmt.Errorf("--log-format %q: want text or json", c.logFormat)}
	}
	if c.maxEpisodes < 0 {
		return &exitError{2, fmt.Errorf("--max-episodes %d: must be >= 0", c.maxEpisodes)}
	}
	return nil
}

func (c *common) tursoTarget() string {
	if c.tursoURL != "" {
		return c.tursoURL
	}
	return "file:" + filepath.Join(c.dataDir, "memory.db")
}

func (c *common) cachePath() string {
	if c.cacheDir != "" {
		return c.cacheDir
	}
	return filepath.Join(c.dataDir, "cache", c.workerName)
}

// readTokenFile loads --turso-token-file (the token never travels on a command line).
func (c *common) readTokenFile() error {
	if c.tursoTokenFile == "" {
		return nil
	}
	b, err := os.ReadFile(c.tursoTokenFile)
	if err != nil {
		return fmt.Errorf("--turso-token-file: %v", err)
	}
	c.tursoToken = strings.TrimSpace(string(b))
	return nil
}

// readServeTokenFile loads --serve-token-file.
func (c *common) readServeTokenFile() error {
	if c.serveTokenFile == "" {
		return nil
	}
	b, err := os.ReadFile(c.serveTokenFile)
	if err != nil {
		return fmt.Errorf("--serve-token-file: %v", err)
	}
	c.serveToken = strings.TrimSpace(string(b))
	if c.serveToken == "" {
		return fmt.Errorf("--serve-token-file %s is empty", c.serveTokenFile)
	}
	return nil
}

// keepAsideFlags registers the disk budget of the old caches a rebuild keeps
// aside (issue 9, item 6b). The values are read back from the flag set
// (asideBudget), so commands without these flags get the defaults.
func (c *common) keepAsideFlags() {
	n := keepAsideCount(rebuild.KeepAside)
	c.fs.Var(&n, "keep-aside", "old caches a rebuild keeps aside for inspection, newest first (0 = none)")
	b := keepAsideBytes(rebuild.DefaultKeepAsideBytes)
	c.fs.Var(&b, "keep-aside-bytes", "disk budget of the old caches kept aside, e.g. 4GiB, 512MiB (0 = none); the oldest are deleted first")
}

// asideBudget is the keep-aside budget given on the command line.
func (c *common) asideBudget() rebuild.AsideBudget {
	b := rebuild.DefaultAsideBudget()
	if f := c.fs.Lookup("keep-aside"); f != nil {
		b.Keep = int(*f.Value.(*keepAsideCount))
	}
	if f := c.fs.Lookup("keep-aside-bytes"); f != nil {
		b.Bytes = int64(*f.Value.(*keepAsideBytes))
	}
	return b
}

// keepAsideCount is --keep-aside: a non-negative integer.
type keepAsideCount int

func (n *keepAsideCount) String() string { return strconv.Itoa(int(*n)) }

func (n *keepAsideCount) Set(s string) error {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return fmt.Errorf("%q: want a non-negative integer", s)
	}
	*n = keepAsideCount(v)
	return nil
}

// keepAsideBytes is --keep-aside-bytes: a size in bytes with an optional KiB/MiB/GiB/TiB (or
// KB/MB/GB/TB, also powers of 1024) suffix.
type keepAsideBytes int64

func (b *keepAsideBytes) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *keepAsideBytes) Set(s string) error {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"TB", 40}, {"GB", 30}, {"MB", 20}, {"KB", 10}, {"B", 0}}
	num, shift := strings.TrimSpace(s), uint(0)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, shift = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("%q: want a non-negative size in bytes, e.g. 4GiB or 1073741824", s)
	}
	*b = keepAsideBytes(n << shift)
	return nil
}

// changefeedLimitFlags registers the dead-letter stream's byte limit and the
// full re-capture rate limit (issue 9, items 6 and 5). The values are read
// back from the flag set (changefeedLimits).
func (c *common) changefeedLimitFlags() {
	b := dlqMaxBytes{keepAsideBytes(changefeed.DefaultDLQMaxBytes)}
	c.fs.Var(&b, "dlq-max-bytes", "byte limit of the dead-letter stream, e.g. 256MiB (at least 1MiB); the oldest dead letters are discarded beyond it")
	c.fs.Duration("full-recapture-every", changefeed.DefaultFullRecaptureEvery, "least time between two full re-captures asked by `trigger --mode full` (0 = no limit); one within it is refused")
}

// changefeedLimits sets the options of changefeedLimitFlags given on the
// command line (commands without these flags keep the defaults).
func (c *common) changefeedLimits(o *changefeed.Options) {
	if f := c.fs.Lookup("dlq-max-bytes"); f != nil {
		o.DLQMaxBytes = int64(f.Value.(*dlqMaxBytes).keepAsideBytes)
	}
	if f := c.fs.Lookup("full-recapture-every"); f != nil {
		if o.FullRecaptureEvery = f.Value.(flag.Getter).Get().(time.Duration); o.FullRecaptureEvery <= 0 {
			o.FullRecaptureEvery = -1 // no limit
		}
	}
}

// dlqMaxBytes is --dlq-max-bytes: a size as --keep-aside-bytes takes, at
// least changefeed.MinDLQMaxBytes (0 would mean "the default" below).
type dlqMaxBytes struct{ keepAsideBytes }

func (b *dlqMaxBytes) Set(s string) error {
	if err := b.keepAsideBytes.Set(s); err != nil {
		return err
	}
	if int64(b.keepAsideBytes) < changefeed.MinDLQMaxBytes {
		return fmt.Errorf("%q: the dead-letter stream needs at least 1MiB (one poison message of the max payload)", s)
	}
	return nil
}
