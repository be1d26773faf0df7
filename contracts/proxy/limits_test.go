package proxy_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
)

// logBuffer collects a proxy's logs for a test to read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// apiVersionsFrame is a size-prefixed ApiVersions v0 request.
func apiVersionsFrame(corr int32) []byte {
	body := []byte{0, 18, 0, 0} // key 18, version 0
	body = binary.BigEndian.AppendUint32(body, uint32(corr))
	body = append(body, 0xff, 0xff) // null client id
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// expectClosed reads from c until the proxy closes it.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the proxy did not close the connection: %v", err)
	}
}

// TestRequestTooBig: a request over MaxRequestBytes closes the client's
// connection with a warning, before its body is read, and the proxy does
// not allocate what the size prefix claims.
func TestRequestTooBig(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	var logs logBuffer
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), MaxRequestBytes: 1 << 20,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A request within the limit is answered.
	if _, err := conn.Write(apiVersionsFrame(1)); err != nil {
		t.Fatal(err)
	}
	var size [4]byte
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		t.Fatalf("no answer to a small request: %v", err)
	}
	if _, err := io.CopyN(io.Discard, conn, int64(binary.BigEndian.Uint32(size[:]))); err != nil {
		t.Fatal(err)
	}
	// 1 GiB announced: refused from the prefix alone.
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := conn.Write(binary.BigEndian.AppendUint32(nil, 1<<30)); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, conn)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("the proxy allocated %d bytes for a refused request", grew)
	}
	waitFor(t, "the warning", func() bool {
		return strings.Contains(logs.String(), "client request exceeds the size limit") && strings.Contains(logs.String(), "bytes=1073741824")
	})
}

// TestRequestAnnouncedNotSent: a size prefix within the limit costs only
// what arrives: the proxy waits for the bytes without allocating them all.
func TestRequestAnnouncedNotSent(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator()})
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	conn.Write(binary.BigEndian.AppendUint32(nil, 90<<20)) // 90 MiB, under the default limit
	conn.Write(make([]byte, 1000))
	time.Sleep(200 * time.Millisecond)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	conn.Close()
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("the proxy allocated %d bytes for a request of which 1000 bytes arrived", grew)
	}
}

// TestResponseTooBig: a broker answer over MaxResponseBytes closes the
// client's connection with a warning; the answer is not allocated.
func TestResponseTooBig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The "broker" answers any request with a 1 GiB size prefix.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var size [4]byte
				if _, err := io.ReadFull(c, size[:]); err != nil {
					return
				}
				io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(size[:])))
				c.Write(binary.BigEndian.AppendUint32(nil, 1<<30))
				io.Copy(io.Discard, c)
			}()
		}
	}()
	w := startAccord(t)
	var logs logBuffer
	p, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: ln.Addr().String(), Validator: w.validator(),
		MaxResponseBytes: 4 << 20, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := conn.Write(apiVersionsFrame(7)); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, conn)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("the proxy allocated %d bytes for a refused answer", grew)
	}
	waitFor(t, "the warning", func() bool {
		s := logs.String()
		return strings.Contains(s, "broker answer exceeds the size limit") && strings.Contains(s, "limit=4194304")
	})
}

// TestTLS runs TLS on both sides: clients to the proxy, the proxy to a
// broker that speaks only TLS. Valid records reach the broker, invalid
// ones are refused, and a client that does not trust the proxy's
// certificate gets nowhere.
func TestTLS(t *testing.T) {
	cert, pool := accordtest.SelfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	w := startAccord(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"), kfake.TLS(serverTLS))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), ClientIDs: map[string]string{"orders-app": "orders-svc"},
		TLS: serverTLS, UpstreamTLS: &tls.Config{RootCAs: pool}})
	cl := newClient(t, p, kgo.ClientID("orders-app"), kgo.DialTLSConfig(&tls.Config{RootCAs: pool}))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	enc := w.formats[0].encode
	if err := cl.ProduceSync(ctx, record("orders", "ok", enc("o-1", 5))).FirstErr(); err != nil {
		t.Fatalf("valid record over TLS: %v", err)
	}
	if err := cl.ProduceSync(ctx, record("orders", "bad", enc("o-2", -5))).FirstErr(); !errors.Is(err, kerr.InvalidRecord) {
		t.Fatalf("invalid record over TLS: got %v, want INVALID_RECORD", err)
	}
	// Read back straight from the TLS broker.
	rd, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DialTLSConfig(&tls.Config{RootCAs: pool}),
		kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var ids []string
	for len(ids) < 1 && ctx.Err() == nil {
		rd.PollFetches(ctx).EachRecord(func(r *kgo.Record) { ids = append(ids, idOf(r)) })
	}
	if len(ids) != 1 || ids[0] != "ok" {
		t.Fatalf("broker holds %v, want [ok]", ids)
	}

	// A plaintext client, and a client that does not trust the
	// certificate, are not served.
	plain, err := kgo.NewClient(kgo.SeedBrokers(p.Addr()), kgo.RequestRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	short, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if _, err := plain.Request(short, kmsg.NewPtrMetadataRequest()); err == nil {
		t.Error("a plaintext client was served by a TLS listener")
	}
	if _, err := tls.Dial("tcp", p.Addr(), &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		t.Error("a client that does not trust the certificate completed a handshake")
	}
}

// TestUpstreamTLSUntrusted: a proxy that does not trust the broker's
// certificate does not talk to it, and says why.
func TestUpstreamTLSUntrusted(t *testing.T) {
	cert, _ := accordtest.SelfSigned(t)
	w := startAccord(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var logs logBuffer
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), UpstreamTLS: &tls.Config{RootCAs: x509.NewCertPool()},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	expectClosed(t, conn)
	waitFor(t, "the dial failure", func() bool {
		return strings.Contains(logs.String(), "cannot reach the broker") && strings.Contains(logs.String(), "certificate")
	})
}

// TestTLSConfigWithoutCertificate: New refuses a listener TLS
// configuration that could never complete a handshake.
func TestTLSConfigWithoutCertificate(t *testing.T) {
	_, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: "127.0.0.1:9092", Validator: okValidator{}, TLS: &tls.Config{}})
	if err == nil {
		t.Fatal("accepted")
	}
}

// okValidator passes every record.
type okValidator struct{}

func (okValidator) Validate(context.Context, *validator.Record) validator.Verdict {
	return validator.Verdict{Valid: true}
}

// TestIdleAndHandshakeTimeouts: a client that stops sending is
// disconnected after IdleTimeout, one answered request or not; a TLS
// client that never completes its handshake is disconnected after
// DialTimeout, so silent clients cannot pile up connections.
func TestIdleAndHandshakeTimeouts(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), IdleTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(apiVersionsFrame(1)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	expectClosed(t, conn) // reads the answer, then waits for the close
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("an idle client was closed after %v, want about 300ms", el)
	}

	cert, _ := accordtest.SelfSigned(t)
	tp := startProxy(t, c, proxy.Config{Validator: w.validator(), DialTimeout: 300 * time.Millisecond,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	raw, err := net.Dial("tcp", tp.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	start = time.Now()
	expectClosed(t, raw) // no ClientHello: the handshake times out
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("a client without a handshake was closed after %v, want about 300ms", el)
	}
}
