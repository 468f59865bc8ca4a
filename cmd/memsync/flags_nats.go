package main

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

// natsFlags say which NATS server to connect to and with which
// credentials: --nats, --nats-creds, --nats-nkey, user/password, token and
// TLS. Without --nats a command finds the NATS server `run` embeds for
// --data-dir (connect.go).
type natsFlags struct {
	url      string
	creds    string
	nkey     string
	user     string
	password string
	token    string
	tlsCA    string
	tlsCert  string
	tlsKey   string
	dataDir  *string
}

func (n *natsFlags) register(cl *commandLine) {
	n.dataDir = &cl.dataDir
	cl.fs.StringVar(&n.url, "nats", "", "NATS URL (env NATS_URL; run embeds a server when absent)")
	cl.fs.StringVar(&n.creds, "nats-creds", "", "NATS credentials file (env NATS_CREDS)")
	cl.fs.StringVar(&n.nkey, "nats-nkey", "", "NATS nkey seed file (env NATS_NKEY)")
	cl.fs.StringVar(&n.user, "nats-user", "", "NATS user (env NATS_USER)")
	cl.fs.StringVar(&n.password, "nats-password", "", "NATS password (env NATS_PASSWORD; never logged)")
	cl.fs.StringVar(&n.token, "nats-token", "", "NATS token (env NATS_TOKEN; never logged)")
	cl.fs.StringVar(&n.tlsCA, "nats-tls-ca", "", "CA certificate file to verify the NATS server")
	cl.fs.StringVar(&n.tlsCert, "nats-tls-cert", "", "client certificate file for NATS mutual TLS")
	cl.fs.StringVar(&n.tlsKey, "nats-tls-key", "", "client key file for NATS mutual TLS")
}

func (n *natsFlags) check() error {
	if (n.tlsCert == "") != (n.tlsKey == "") {
		return fmt.Errorf("--nats-tls-cert and --nats-tls-key go together")
	}
	return nil
}

// authOptions turns the credential flags into connect options: a
// credentials file, an nkey seed, user/password, a token, and TLS (CA,
// client cert/key).
func (n *natsFlags) authOptions() ([]nats.Option, error) {
	var opts []nats.Option
	if n.creds != "" {
		opts = append(opts, nats.UserCredentials(n.creds))
	}
	if n.nkey != "" {
		o, err := nats.NkeyOptionFromSeed(n.nkey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey: %v", err)
		}
		opts = append(opts, o)
	}
	if n.user != "" {
		opts = append(opts, nats.UserInfo(n.user, n.password))
	}
	if n.token != "" {
		opts = append(opts, nats.Token(n.token))
	}
	if n.tlsCA != "" {
		opts = append(opts, nats.RootCAs(n.tlsCA))
	}
	if n.tlsCert != "" {
		opts = append(opts, nats.ClientCert(n.tlsCert, n.tlsKey))
	}
	return opts, nil
}

// streamFlags name what memsync uses on the NATS server: the database's
// subject token, the stream, the dead-letter stream and the trigger
// subject. Every command with natsFlags has them.
type streamFlags struct {
	dbName      string
	stream      string
	dlqStream   string
	triggerSubj string // where sync.trigger requests go
}

func (s *streamFlags) register(cl *commandLine) {
	cl.fs.StringVar(&s.dbName, "db-name", "default", "database name: the <db> subject token")
	cl.fs.StringVar(&s.stream, "stream", protocol.DefaultStream, "JetStream stream name")
	cl.fs.StringVar(&s.dlqStream, "dlq-stream", protocol.DefaultDLQStream, "dead-letter stream name")
	cl.fs.StringVar(&s.triggerSubj, "trigger-subject", "sync.trigger", "core NATS subject for manual triggers")
}
