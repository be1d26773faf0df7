package proxy_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/accord/accord/contracts/proxy"
)

// TestSlowRequestCutOff (issue 12, item 10): a request trickled a byte at
// a time is cut off RequestTimeout after it started, however long the
// idle timeout.
func TestSlowRequestCutOff(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), IdleTimeout: time.Hour, RequestTimeout: 400 * time.Millisecond})
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frame := apiVersionsFrame(1)
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, conn)
		closed <- time.Since(start)
	}()
	for i := 0; ; i++ {
		select {
		case took := <-closed:
			t.Logf("a request trickled a byte per 100 ms was cut off after %v (request timeout 400 ms)", took)
			if took > 3*time.Second {
				t.Errorf("cut off after %v", took)
			}
			return
		case <-time.After(100 * time.Millisecond):
			if time.Since(start) > 5*time.Second {
				t.Fatal("the slow request's connection is still open after 5 s")
			}
			conn.Write(frame[i%3 : i%3+1]) // never completes the frame
		}
	}
}

// TestProxyConnectionCap (item 10): past MaxConnections, over all
// listeners, new connections wait until one closes.
func TestProxyConnectionCap(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), MaxConnections: 2})
	var held []net.Conn
	for range 2 {
		conn, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		held = append(held, conn)
	}
	time.Sleep(100 * time.Millisecond)
	third, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, err := third.Write(apiVersionsFrame(7)); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		var sz [4]byte
		if _, err := io.ReadFull(third, sz[:]); err != nil {
			answered <- err
			return
		}
		_, err := io.ReadFull(third, make([]byte, binary.BigEndian.Uint32(sz[:])))
		answered <- err
	}()
	select {
	case err := <-answered:
		t.Fatalf("a third connection was served past the cap of 2 (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held[0].Close()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("the third connection once a slot freed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the third connection was not served after a slot freed")
	}
}

// TestProduceValidateBudget (item 8): judging a partition's records is
// bounded in time: past ValidateBudget the batch is refused rather than
// judged for minutes (a 100,000-record produce under a costly rule once
// burned minutes of CPU).
func TestProduceValidateBudget(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	enc := w.formats[0].encode
	ctx := context.Background()
	for _, cs := range []struct {
		budget time.Duration
		valid  bool
	}{{time.Minute, true}, {time.Nanosecond, false}} {
		p := startProxy(t, c, proxy.Config{Validator: w.validator(), ClientIDs: map[string]string{"orders-app": "orders-svc"}, ValidateBudget: cs.budget})
		cl := newClient(t, p, kgo.ClientID("orders-app"))
		err := cl.ProduceSync(ctx, record("orders", "1", enc("1", 1))).FirstErr()
		if cs.valid && err != nil {
			t.Errorf("budget %v: %v", cs.budget, err)
		}
		if !cs.valid && !errors.Is(err, kerr.InvalidRecord) {
			t.Errorf("budget %v: %v, want INVALID_RECORD", cs.budget, err)
		}
	}
}
