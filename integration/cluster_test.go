package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/worker"
)

var clusterSecrets = []string{"MEMSYNC_CHANGEFEED_PASSWORD=cf-pw", "MEMSYNC_WORKER_PASSWORD=wk-pw",
	"MEMSYNC_OPERATOR_PASSWORD=op-pw", "MEMSYNC_SYS_PASSWORD=sys-pw"}

// The docker-compose topology as real processes on 127.0.0.1: three
// `memsync nats` nodes clustered with deploy/nats.conf (least-privilege
// users), a changefeed with replicas 3 and two workers. One NATS node is
// killed during continuous changes; sync continues and both caches validate
// consistent.
func TestClusterTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("starts seven processes")
	}
	dir := t.TempDir()
	var client, route [3]string
	for i := range 3 {
		client[i], route[i] = freeAddr(t), freeAddr(t)
	}
	var nodes [3]*proc
	for i := range 3 {
		var routes []string
		for j := range 3 {
			if j != i {
				routes = append(routes, "nats-route://"+route[j])
			}
		}
		nodes[i] = &proc{t: t, args: []string{"nats", "--config=../deploy/nats.conf", "--listen=" + client[i],
			"--data-dir=" + filepath.Join(dir, fmt.Sprint("n", i)), "--server-name=" + fmt.Sprint("n", i),
			"--cluster-listen=" + route[i], "--routes=" + strings.Join(routes, ","), "--log-format=json"}, env: clusterSecrets}
		nodes[i].start()
	}
	defer func() {
		for _, n := range nodes {
			n.kill()
		}
	}()
	urls := "nats://" + strings.Join(client[:], ",nats://")
	op := operatorConn(t, urls)
	dbPath := filepath.Join(dir, "memory.db")
	db := testenv.TursoAt(t, dbPath)
	mustDo(t, seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: 100, Patterns: 5, EmbeddingDim: 16, Seed: 8}))

	common := []string{"--data-dir=" + dir, "--nats=" + urls, "--log-format=json"}
	cf := &proc{t: t, args: append([]string{"changefeed", "--replicas=3", "--poll-interval=20ms", "--nats-user=changefeed", "--nats-password=cf-pw"}, common...)}
	cf.start()
	var workers []*proc
	for _, name := range []string{"w1", "w2"} {
		w := &proc{t: t, args: append([]string{"worker", "--worker=" + name, "--max-episodes=30", "--nats-user=worker", "--nats-password=wk-pw"}, common...)}
		w.start()
		workers = append(workers, w)
	}
	stopWriting := startChaosWriter(t, db)
	time.Sleep(1500 * time.Millisecond)
	nodes[0].kill() // one NATS node dies mid-sync
	time.Sleep(1500 * time.Millisecond)
	written := stopWriting()
	for _, name := range []string{"w1", "w2"} {
		waitWorkerDone(t, op, db, name)
	}
	cf.stop()
	for _, w := range workers {
		w.stop()
	}
	for _, name := range []string{"w1", "w2"} {
		out := memsync(t, nil, "validate", "--data-dir="+dir, "--worker="+name, "--max-episodes=30", "--json")
		if out.code != 0 {
			t.Fatalf("%s after a node failure: %s\nworker logs:\n%s\n%s", name, out.stdout, workers[0].logs(), workers[1].logs())
		}
	}
	t.Logf("%d agent writes, one of three NATS nodes killed, both caches consistent", written)
}

func operatorConn(t *testing.T, urls string) jetstream.JetStream {
	t.Helper()
	var nc *nats.Conn
	eventually(t, 30*time.Second, "the cluster to accept the operator", func() bool {
		var err error
		nc, err = nats.Connect(urls, nats.UserInfo("operator", "op-pw"), nats.MaxReconnects(-1))
		return err == nil
	})
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	eventually(t, 30*time.Second, "a JetStream meta leader", func() bool {
		_, err := js.AccountInfo(t.Context())
		return err == nil
	})
	return js
}

// waitWorkerDone waits until the named worker's consumer has nothing
// pending and the published checkpoint reached the Turso head.
func waitWorkerDone(t *testing.T, js jetstream.JetStream, db interface {
	Head(context.Context) (uint64, error)
}, name string) {
	t.Helper()
	eventually(t, 60*time.Second, name+" to catch up", func() bool { return workerDone(t, js, db, name) })
}

// workerDone reports worker name acknowledged up to the checkpoint of the
// change log's head.
func workerDone(t *testing.T, js jetstream.JetStream, db interface {
	Head(context.Context) (uint64, error)
}, name string) bool {
	s, err := js.Stream(t.Context(), "MEMSYNC")
	if err != nil {
		return false
	}
	m, err := s.GetLastMsgForSubject(t.Context(), "memsync.default._checkpoint")
	if err != nil {
		return false
	}
	head, _ := db.Head(t.Context())
	if !strings.Contains(string(m.Data), fmt.Sprintf(`"cursor":%d,`, head)) {
		return false
	}
	c, err := s.Consumer(t.Context(), worker.ConsumerName("default", name))
	if err != nil {
		return false
	}
	info, err := c.Info(t.Context())
	// The checkpoint is the last message of every batch and is in the
	// worker's filter: acked up to it means applied up to it. (A new
	// clustered consumer can briefly report NumPending 0.)
	return err == nil && info.AckFloor.Stream >= m.Sequence && info.NumAckPending == 0
}
