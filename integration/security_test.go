package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/memsync/memsync/internal/testenv"
)

// Every way to authenticate to NATS works for the commands that connect,
// and a wrong secret fails without the secret appearing in any output.
func TestNATSAuthentication(t *testing.T) {
	const password, token = "pw-SECRET-42", "tok-SECRET-43"
	kp, err := nkeys.CreateUser()
	mustDo(t, err)
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	mustDo(t, os.WriteFile(seedFile, seed, 0o600))
	pki := newPKI(t)

	cases := []struct {
		name   string
		server func(*server.Options)
		good   []string
		bad    []string
		secret string
	}{
		{"user/password", func(o *server.Options) { o.Users = []*server.User{{Username: "memsync", Password: password}} },
			[]string{"--nats-user=memsync", "--nats-password=" + password}, []string{"--nats-user=memsync", "--nats-password=wrong-" + password}, password},
		{"token", func(o *server.Options) { o.Authorization = token },
			[]string{"--nats-token=" + token}, []string{"--nats-token=wrong-" + token}, token},
		{"nkey", func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} },
			[]string{"--nats-nkey=" + seedFile}, nil, string(seed)},
		{"mutual TLS", pki.serverOptions,
			[]string{"--nats-tls-ca=" + pki.ca, "--nats-tls-cert=" + pki.cert, "--nats-tls-key=" + pki.key}, []string{"--nats-tls-ca=" + pki.ca}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := testenv.StartNATSWith(t, tc.server)
			url := "--nats=" + n.ClientURL() // tls:// for the TLS server
			memsync(t, nil, append([]string{"dlq", "list", url}, tc.good...)...).want(t, 0)
			if tc.bad == nil {
				return
			}
			r := memsync(t, nil, append([]string{"dlq", "list", url}, tc.bad...)...)
			if r.code == 0 {
				t.Fatal("a wrong credential was accepted")
			}
			if tc.secret != "" && strings.Contains(r.stdout+r.stderr, tc.secret) {
				t.Fatalf("secret leaked: %s", r.stderr)
			}
		})
	}
}

// The Turso token never appears in status output or errors, whether it
// comes from the environment or a file.
func TestTursoTokenNeverShown(t *testing.T) {
	const tok = "turso-SECRET-77"
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=3").want(t, 0)
	memsync(t, nil, "run", "--once", "--data-dir="+dir).want(t, 0)
	tokFile := filepath.Join(dir, "token")
	mustDo(t, os.WriteFile(tokFile, []byte(tok+"\n"), 0o600))
	for _, how := range [][]string{{"--turso-token-file=" + tokFile}, {"--turso-token=" + tok}} {
		r := memsync(t, nil, append([]string{"status", "--json", "--data-dir=" + dir, "--turso=libsql://127.0.0.1:1"}, how...)...).want(t, 0)
		if strings.Contains(r.stdout+r.stderr, tok) || !strings.Contains(r.stdout, `"stale": true`) {
			t.Fatalf("status with unreachable Turso: %s %s", r.stdout, r.stderr)
		}
	}
}

type pki struct{ ca, cert, key, serverCert, serverKey string }

// newPKI makes a CA, a server certificate for 127.0.0.1 and a client certificate.
func newPKI(t *testing.T) *pki {
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "memsync test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	mustDo(t, err)
	caCert, _ := x509.ParseCertificate(caDER)
	p := &pki{ca: writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)}
	issue := func(name string, usage x509.ExtKeyUsage, ips []net.IP) (string, string) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		mustDo(t, err)
		kb, _ := x509.MarshalECPrivateKey(k)
		return writePEM(t, dir, name+".pem", "CERTIFICATE", der), writePEM(t, dir, name+"-key.pem", "EC PRIVATE KEY", kb)
	}
	p.serverCert, p.serverKey = issue("server", x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	p.cert, p.key = issue("client", x509.ExtKeyUsageClientAuth, nil)
	return p
}

func (p *pki) serverOptions(o *server.Options) {
	cfg, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.serverCert, KeyFile: p.serverKey, CaFile: p.ca, Verify: true})
	if err != nil {
		panic(err)
	}
	cfg.MinVersion = tls.VersionTLS12
	o.TLSConfig, o.TLSVerify, o.TLS = cfg, true, true
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	path := filepath.Join(dir, name)
	mustDo(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}
