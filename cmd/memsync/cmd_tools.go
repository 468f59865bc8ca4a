package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/protocol"
)

func runSeed(ctx context.Context, args []string) error {
	c := newFlags("seed")
	c.tursoFlags()
	episodes := c.fs.Int("episodes", 1000, "episodes to write")
	patterns := c.fs.Int("patterns", 50, "patterns to write")
	dim := c.fs.Int("embedding-dim", 384, "embedding dimension (0 = no embeddings); 384 also fills the F32_BLOB column")
	seedV := c.fs.Uint64("seed", 1, "random seed (same seed, same memories)")
	if err := c.parse(args); err != nil {
		return err
	}
	if *episodes < 0 || *patterns < 0 || *dim < 0 {
		return &exitError{2, fmt.Errorf("--episodes, --patterns and --embedding-dim must be >= 0")}
	}
	log := c.logger()
	db, err := c.openTurso(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateTables(ctx); err != nil {
		return err
	}
	start := time.Now()
	p := newProgress("seed", log)
	err = seed.Seed(ctx, db.SQL(), seed.Options{Episodes: *episodes, Patterns: *patterns, EmbeddingDim: *dim, Seed: *seedV,
		Progress: func(done int) { p.update(done, *episodes) }})
	p.done()
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d episodes, %d patterns (embedding dim %d) into %s in %s\n", *episodes, *patterns, *dim, db.URL(), time.Since(start).Round(time.Millisecond))
	return nil
}

// openCacheReadOnly opens an existing cache without creating one.
func (c *common) openExistingCache() (*cachestore.Store, error) {
	dir := c.cachePath()
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("no cache at %s (run `memsync run` or `memsync worker` first)", dir)
	}
	o := c.storeOptions()
	o.UseStored = true // check the cache against the options it was built with
	// Skip the full integrity scan: status should be cheap, and validation
	// reads every entry anyway (a checksum error surfaces as ErrCorrupt).
	o.SkipVerify = true
	o.LockWait = 0 // a worker holds it for good: say so at once
	return cachestore.Open(dir, o)
}

func runValidate(ctx context.Context, args []string) error {
	c := newFlags("validate")
	c.tursoFlags()
	c.cacheFlags()
	asJSON := c.fs.Bool("json", false, "print the report as JSON")
	maxMsg := c.fs.Int64("max-message-bytes", 0, "the NATS server's max_payload, when not the default 1 MiB (rows over it are unsyncable)")
	if err := c.parse(args); err != nil {
		return err
	}
	c.logger()
	r, err := validateOnce(ctx, c, &validate.Options{MaxMessageBytes: *maxMsg})
	if err != nil {
		return &exitError{2, err}
	}
	printReport(r, *asJSON)
	if !r.Consistent {
		return &exitError{1, nil}
	}
	return nil
}

func validateOnce(ctx context.Context, c *common, opts *validate.Options) (*validate.Report, error) {
	store, err := c.openExistingCache()
	if err != nil {
		return nil, err
	}
	defer store.Close()
	db, err := c.openTurso(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return validate.Run(ctx, db, store, opts)
}

func printReport(r *validate.Report, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		return
	}
	state := "consistent"
	if !r.Consistent {
		state = "NOT consistent"
	}
	fmt.Printf("%s: stale %d, diverged %d, orphan embeddings %d (applied version %d, Turso head %d)\n",
		state, r.Stale, r.Diverged, r.OrphanEmbeddings, r.AppliedVersion, r.TursoHeadVersion)
	for _, k := range []struct {
		n string
		r validate.KindReport
	}{{"episodes", r.Episodes}, {"patterns", r.Patterns}, {"embeddings", r.Embeddings}} {
		fmt.Printf("  %-10s turso %d, expected %d, cached %d, mismatched %d\n", k.n, k.r.Turso, k.r.Expected, k.r.Cache, k.r.Mismatched)
	}
	if u := r.Unsyncable; u.Count > 0 {
		fmt.Printf("  unsyncable rows (parked, left out of every cache): %d\n", u.Count)
		for _, row := range u.Rows {
			fmt.Printf("    %s %q: %s\n", row.Entity, row.ID, row.Reason)
		}
	}
	for _, ex := range r.Examples {
		fmt.Println("  -", ex)
	}
}

// statusReport is the `status --json` output.
type statusReport struct {
	Worker           string            `json:"worker"`
	Cache            string            `json:"cache"`
	AppliedVersion   uint64            `json:"applied_version"`
	TursoHeadVersion uint64            `json:"turso_head_version"`
	Lag              uint64            `json:"lag"`
	Stale            bool              `json:"stale"`
	Position         uint64            `json:"stream_position"`
	LastSync         *time.Time        `json:"last_sync"`
	LastError        string            `json:"last_error"`
	Counts           cachestore.Counts `json:"counts"`
	DeadLetters      *uint64           `json:"dead_letters,omitempty"`
	Warnings         []string          `json:"warnings,omitempty"` // status_warn.go
}

func runStatus(ctx context.Context, args []string) error {
	c := newFlags("status")
	c.tursoFlags()
	c.natsFlags()
	c.cacheFlags()
	asJSON := c.fs.Bool("json", false, "print as JSON")
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	var n *natsConn // one connection serves the live form and the dead-letter count
	if c.natsURL == "" {
		c.natsURL = c.discoveredNATS()
	}
	if c.natsURL != "" {
		var err error
		if n, err = c.connectNATS(log, false); err != nil {
			return err
		}
		defer n.close()
	}
	if live, ok := c.liveStatus(ctx, n); ok {
		live = withWarnings(live, c.statusWarnings(ctx))
		if *asJSON {
			fmt.Println(string(live))
			return nil
		}
		return printLive(live)
	}
	s, err := offlineStatus(ctx, c, n)
	if err != nil {
		return &exitError{2, err}
	}
	s.Warnings = c.statusWarnings(ctx)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Printf("worker %s (%s)\n  applied version %d, Turso head %d, lag %d, stale %v\n  last sync %v\n  cached: %d episodes, %d patterns, %d embeddings\n",
		s.Worker, s.Cache, s.AppliedVersion, s.TursoHeadVersion, s.Lag, s.Stale, s.LastSync, s.Counts.Episodes, s.Counts.Patterns, s.Counts.Embeddings)
	if s.LastError != "" {
		fmt.Printf("  last error: %s\n", s.LastError)
	}
	for _, w := range s.Warnings {
		fmt.Printf("  warning: %s\n", w)
	}
	return nil
}

// offlineStatus reads a stopped worker's cache and Turso.
func offlineStatus(ctx context.Context, c *common, n *natsConn) (*statusReport, error) {
	store, err := c.openExistingCache()
	if errors.Is(err, cachestore.ErrLocked) {
		return nil, fmt.Errorf("%w (the worker is running: give --nats for its live status)", err)
	}
	if err != nil {
		return nil, err
	}
	defer store.Close()
	st := store.State()
	s := &statusReport{Worker: c.workerName, Cache: store.Dir(), AppliedVersion: st.AppliedVersion, Position: st.Position}
	if st.LastSyncMs > 0 {
		t := time.UnixMilli(st.LastSyncMs).UTC()
		s.LastSync = &t
	}
	if s.Counts, err = store.Counts(); err != nil {
		return nil, err
	}
	s.TursoHeadVersion, s.LastError = tursoHead(ctx, c)
	if s.TursoHeadVersion > s.AppliedVersion {
		s.Lag = s.TursoHeadVersion - s.AppliedVersion
	}
	s.Stale = s.Lag > 0 || s.LastError != ""
	s.DeadLetters = c.deadLetterCount(ctx, n)
	return s, nil
}

// tursoHead reads the change-log head; an unreachable Turso is reported, not fatal.
func tursoHead(ctx context.Context, c *common) (uint64, string) {
	db, err := c.openTurso(ctx)
	if err != nil {
		return 0, err.Error()
	}
	defer db.Close()
	h, err := db.Head(ctx)
	if err != nil {
		return 0, err.Error()
	}
	return h, ""
}

func runNATS(ctx context.Context, args []string) error {
	c := newFlags("nats")
	o := natsServerFlags{}
	c.fs.StringVar(&o.listen, "listen", "127.0.0.1:4222", "HOST:PORT for clients")
	c.fs.StringVar(&o.config, "config", "", "nats-server configuration file (accounts, users, permissions); the flags override its listen, store and cluster settings")
	c.fs.StringVar(&o.name, "server-name", "", "server name (required in a cluster)")
	c.fs.StringVar(&o.cluster, "cluster-name", "memsync", "cluster name")
	c.fs.StringVar(&o.clusterListen, "cluster-listen", "", "HOST:PORT for cluster routes (enables clustering)")
	c.fs.StringVar(&o.routes, "routes", "", "comma-separated nats-route://HOST:PORT of the other nodes")
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	opts, err := o.options(filepath.Join(c.dataDir, "nats"))
	if err != nil {
		return &exitError{2, err}
	}
	srv, err := startServer(opts)
	if err != nil {
		return err
	}
	log.Info("NATS JetStream server running", "url", srv.ClientURL(), "store", opts.StoreDir, "server", opts.ServerName, "cluster", opts.Cluster.Name)
	<-ctx.Done()
	srv.Shutdown()
	srv.WaitForShutdown()
	return nil
}

// deadLetterCount counts the dead-letter stream when --nats is given.
func (c *common) deadLetterCount(ctx context.Context, n *natsConn) *uint64 {
	if n == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := n.js.Stream(ctx, c.dlqStream)
	if err != nil {
		zero := uint64(0)
		return &zero
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil
	}
	return &info.State.Msgs
}

// liveStatus asks a running worker's status endpoint (with --nats); false
// when no worker answers, and the offline form is used instead.
func (c *common) liveStatus(ctx context.Context, n *natsConn) ([]byte, bool) {
	if n == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	m, err := n.nc.RequestWithContext(ctx, protocol.ServiceSubject(c.dbName, c.workerName, "status"), nil)
	if err != nil {
		return nil, false
	}
	return m.Data, true
}

func printLive(b []byte) error {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	fmt.Println(string(out))
	return nil
}
