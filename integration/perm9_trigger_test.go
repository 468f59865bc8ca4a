package integration

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/protocol"
)

// deployPasswords are the users' passwords deploy/nats.conf reads from the
// environment (clusterSecrets).
var deployPasswords = map[string]string{"changefeed": "cf-pw", "worker": "wk-pw", "operator": "op-pw"}

// deployServer starts a real nats-server from deploy/nats.conf itself,
// with only the listen port (random) and the store (a temp dir) overridden.
func deployServer(t *testing.T) *server.Server {
	t.Helper()
	for _, kv := range clusterSecrets {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	opts, err := server.ProcessConfigFile("../deploy/nats.conf")
	mustDo(t, err)
	opts.Host, opts.Port, opts.StoreDir, opts.JetStream = "127.0.0.1", -1, t.TempDir(), true
	opts.NoLog, opts.NoSigs = true, true
	srv, err := server.NewServer(opts)
	mustDo(t, err)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server from deploy/nats.conf not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

// userConn is a connection as one deployment user that records every
// asynchronous error the server reports (permission violations).
type userConn struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	mu   sync.Mutex
	errs []string
}

func connectAs(t *testing.T, srv *server.Server, user string) *userConn {
	t.Helper()
	u := &userConn{}
	nc, err := nats.Connect(srv.ClientURL(), nats.UserInfo(user, deployPasswords[user]),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			u.mu.Lock()
			defer u.mu.Unlock()
			u.errs = append(u.errs, err.Error())
		}))
	mustDo(t, err)
	t.Cleanup(nc.Close)
	u.nc = nc
	u.js, err = jetstream.New(nc)
	mustDo(t, err)
	return u
}

// violations are the permission violations the server reported so far.
func (u *userConn) violations() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, e := range u.errs {
		if strings.Contains(strings.ToLower(e), "permissions violation") {
			out = append(out, e)
		}
	}
	return out
}

// Issue 9 item 5: with the real deploy/nats.conf only the operator may
// publish sync.trigger; the changefeed and worker users get a permission
// violation and their trigger never reaches a listener. The workers may
// ask for a poll on sync.trigger.poll (incremental only, enforced by the
// changefeed's responder).
func TestPerm9OnlyOperatorPublishesTriggers(t *testing.T) {
	srv := deployServer(t)
	op := connectAs(t, srv, "operator")
	cases := []struct {
		user, subject string
		allowed       bool
	}{
		{"worker", protocol.DefaultTriggerSubject, false},
		{"changefeed", protocol.DefaultTriggerSubject, false},
		{"operator", protocol.DefaultTriggerSubject, true},
		{"worker", ops.PollSubject(""), true},
		{"changefeed", ops.PollSubject(""), false},
		{"operator", ops.PollSubject(""), true},
	}
	for _, tc := range cases {
		t.Run(tc.user+" on "+tc.subject, func(t *testing.T) {
			sub, err := op.nc.SubscribeSync(tc.subject)
			mustDo(t, err)
			defer sub.Unsubscribe()
			mustDo(t, op.nc.Flush())
			u := connectAs(t, srv, tc.user)
			mustDo(t, u.nc.Publish(tc.subject, []byte(`{"mode":"full","target":"*","reason":"perm9 `+tc.user+`"}`)))
			mustDo(t, u.nc.Flush())
			// A marker from the operator after it: the listener's first
			// message is the user's trigger if it got through, else the
			// marker.
			mustDo(t, op.nc.Publish(tc.subject, []byte("marker")))
			m, err := sub.NextMsg(10 * time.Second)
			mustDo(t, err)
			got := string(m.Data) != "marker"
			if got != tc.allowed {
				t.Fatalf("%s publishing %s reached the listener: %v, want %v", tc.user, tc.subject, got, tc.allowed)
			}
			if tc.allowed {
				if v := u.violations(); len(v) != 0 {
					t.Fatalf("%s: permission violations %v", tc.user, v)
				}
				return
			}
			eventually(t, 10*time.Second, "the server to report the permission violation", func() bool {
				v := u.violations()
				return len(v) == 1 && strings.Contains(v[0], tc.subject)
			})
		})
	}
}

// triggerReply requests on subject as u and decodes the one reply.
func triggerReply(t *testing.T, u *userConn, subject string, trig protocol.Trigger) protocol.TriggerReply {
	t.Helper()
	rep, err := tryTrigger(u, subject, trig, 30*time.Second)
	mustDo(t, err)
	return rep
}

// tryTrigger is triggerReply for a listener that may not be there yet
// (another component may listen on the subject without answering).
func tryTrigger(u *userConn, subject string, trig protocol.Trigger, wait time.Duration) (protocol.TriggerReply, error) {
	var rep protocol.TriggerReply
	b, _ := json.Marshal(trig)
	m, err := u.nc.Request(subject, b, wait)
	if err != nil {
		return rep, err
	}
	return rep, json.Unmarshal(m.Data, &rep)
}
