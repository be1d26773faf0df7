package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// startBounded serves a handler that reads the whole body under lim.
func startBounded(t *testing.T, lim connLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, ln := boundedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		w.Write([]byte("ok"))
	}), ln, lim)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestSlowBodyCutOff (item 10): a body sent a byte at a time is cut off
// at the read deadline: the attack review's 10,000 connections each
// sending a byte every 5 s all stayed open.
func TestSlowBodyCutOff(t *testing.T) {
	addr := startBounded(t, connLimits{readTimeout: 500 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, c) // returns when the server closes the connection
		closed <- time.Since(start)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case took := <-closed:
			t.Logf("a body trickled a byte per 100 ms was cut off after %v (read timeout 500 ms)", took)
			if took > 3*time.Second {
				t.Errorf("cut off after %v", took)
			}
			return
		case <-tick.C:
			if time.Since(start) > 5*time.Second {
				t.Fatal("the slow body's connection is still open after 5 s")
			}
			c.Write([]byte("x"))
		}
	}
}

// TestConnectionCap (item 10): past --max-connections new connections are
// not served until one closes.
func TestConnectionCap(t *testing.T) {
	addr := startBounded(t, connLimits{maxConns: 2, readTimeout: time.Minute})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n") // and never the body
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond)
	third, err := net.Dial("tcp", addr) // the backlog takes it
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	io.WriteString(third, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	answered := make(chan error, 1)
	go func() {
		_, err := http.ReadResponse(bufio.NewReader(third), nil)
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
