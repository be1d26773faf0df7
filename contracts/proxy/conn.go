package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka API keys the proxy acts on.
const (
	keyProduce          = 0
	keyMetadata         = 3
	keyFindCoordinator  = 10
	keySaslHandshake    = 17
	keyApiVersions      = 18
	keySaslAuthenticate = 36
	keyDescribeCluster  = 60
)

// header is a parsed request header.
type header struct {
	key, version int16
	corr         int32
	clientID     string
	// bodyOff is where the body starts in the frame.
	bodyOff int
	// req is the request kind with its version set, nil for a key kmsg
	// does not know.
	req kmsg.Request
}

// parseHeader reads a request header (v1, or v2 for flexible versions).
func parseHeader(frame []byte) (header, error) {
	var h header
	if len(frame) < 10 {
		return h, fmt.Errorf("request of %d bytes is shorter than a header", len(frame))
	}
	h.key = int16(binary.BigEndian.Uint16(frame))
	h.version = int16(binary.BigEndian.Uint16(frame[2:]))
	h.corr = int32(binary.BigEndian.Uint32(frame[4:]))
	off := 8
	if n := int16(binary.BigEndian.Uint16(frame[off:])); n >= 0 {
		if len(frame) < off+2+int(n) {
			return h, errors.New("client id overflows the request")
		}
		h.clientID = string(frame[off+2 : off+2+int(n)])
		off += int(n)
	}
	off += 2
	h.req = kmsg.RequestForKey(h.key)
	if h.req != nil {
		h.req.SetVersion(h.version)
		if h.req.IsFlexible() {
			n, err := skipTags(frame[off:])
			if err != nil {
				return h, fmt.Errorf("request header tags: %w", err)
			}
			off += n
		}
	}
	h.bodyOff = off
	return h, nil
}

// skipTags returns the size of the tagged-field section at src's start.
func skipTags(src []byte) (int, error) {
	count, n := binary.Uvarint(src)
	if n <= 0 {
		return 0, errors.New("bad tag count")
	}
	off := n
	for range count {
		if _, m := binary.Uvarint(src[off:]); m <= 0 {
			return 0, errors.New("bad tag")
		} else {
			off += m
		}
		size, m := binary.Uvarint(src[off:])
		if m <= 0 || size > uint64(len(src)-off-m) {
			return 0, errors.New("bad tag size")
		}
		off += m + int(size)
	}
	return off, nil
}

// flexibleResponse reports whether the response to key at version has a
// v1 header (with tags); ApiVersions answers always use v0.
func flexibleResponse(req kmsg.Request) bool {
	return req != nil && req.IsFlexible() && req.Key() != keyApiVersions
}

// appendResponse appends a whole response frame: size, header, body.
func appendResponse(dst []byte, corr int32, flexible bool, resp kmsg.Response) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(corr))
	if flexible {
		dst = append(dst, 0)
	}
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// slot is one answer owed to the client, in request order: a local frame,
// or the next upstream answer, rewritten by fix when set.
type slot struct {
	local    []byte
	upstream bool
	req      kmsg.Request
	corr     int32
	fix      func(kmsg.Response) error
	// closeAfter closes the connection once the answer is written.
	closeAfter bool
	// sent is when the request went upstream, for Observer.Upstream.
	sent time.Time
}

// session is one client connection and its upstream connection.
type session struct {
	p      *Proxy
	log    *slog.Logger
	client net.Conn
	up     net.Conn
	// principal is who authenticated (SASL); read and written by the
	// reading goroutine only.
	principal     string
	authenticated bool
	// rawSASL: a SaslHandshake v0 succeeded, so the next frame is a bare
	// PLAIN token.
	rawSASL bool
	// scratch is reused by the reading goroutine's Produce validation.
	scratch scratch
	// context ends with the session (either side stopped) or the proxy:
	// validation for a connection that is gone stops.
	context context.Context
}

func (p *Proxy) serveConn(c net.Conn, r *route) {
	log := p.log.With(slog.String("client", c.RemoteAddr().String()), slog.String("upstream", r.upstream))
	defer c.Close()
	if tc, ok := c.(*tls.Conn); ok {
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			log.Debug("proxy: TLS handshake failed", slog.Any("err", err))
			return
		}
	}
	up, err := p.dialUpstream(r.upstream)
	if err != nil {
		log.Warn("proxy: cannot reach the broker; closing the client connection", slog.Any("err", err))
		return
	}
	defer up.Close()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, up)
		p.mu.Unlock()
	}()

	obs := p.cfg.Observer
	obs.ConnOpened()
	defer obs.ConnClosed()
	sctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	s := &session{p: p, log: log, client: c, up: up, context: sctx}
	slots := make(chan slot, 128)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		if err := s.write(slots); err != nil {
			var big *FrameTooBigError
			switch {
			case errors.As(err, &big):
				log.Warn("proxy: a broker answer exceeds the size limit; closing the connection",
					slog.Int("bytes", int(big.Size)), slog.Int("limit", int(big.Limit)))
			case !isClosed(err):
				log.Debug("proxy: answering the client stopped", slog.Any("err", err))
			}
		}
		// Unblock the reader.
		c.Close()
		up.Close()
		for range slots {
		}
	}()
	// read returns only when the connection ends, always with the reason.
	err = s.read(slots)
	var big *FrameTooBigError
	switch {
	case errors.As(err, &big):
		log.Warn("proxy: a client request exceeds the size limit; closing the connection",
			slog.Int("bytes", int(big.Size)), slog.Int("limit", int(big.Limit)))
	case !isClosed(err):
		log.Debug("proxy: reading the client stopped", slog.Any("err", err))
	}
	close(slots)
	<-done
}

// frameBuffered reports whether a whole request is buffered in br, so
// reading it will not block.
func frameBuffered(br *bufio.Reader) bool {
	n := br.Buffered()
	if n < 4 {
		return false
	}
	hdr, _ := br.Peek(4)
	return n-4 >= int(binary.BigEndian.Uint32(hdr))
}

// dialUpstream connects to a broker, with TLS when configured: the
// server name is the broker's host unless the configuration names one.
func (p *Proxy) dialUpstream(addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: p.cfg.DialTimeout}
	if p.cfg.UpstreamTLS == nil {
		return d.DialContext(p.ctx, "tcp", addr)
	}
	cfg := p.cfg.UpstreamTLS.Clone()
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		cfg.ServerName = host
	}
	td := &tls.Dialer{NetDialer: d, Config: cfg}
	return td.DialContext(p.ctx, "tcp", addr)
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF)
}

// FrameTooBigError is a frame whose size prefix exceeds the limit; the
// connection it came on is closed, since the rest of the stream cannot be
// framed without reading it.
type FrameTooBigError struct {
	Size, Limit int32
}

func (e *FrameTooBigError) Error() string {
	return fmt.Sprintf("frame of %d bytes exceeds the limit of %d bytes", e.Size, e.Limit)
}

// frameChunk is the most a frame's buffer grows ahead of the bytes that
// have arrived.
const frameChunk = 1 << 20

// readFrame reads one size-prefixed frame into buf (grown as needed). A
// size over limit is a *FrameTooBigError. Memory follows the bytes that
// arrive rather than the size the prefix claims: a peer that announces
// 100 MiB and sends nothing costs a chunk, not 100 MiB.
func readFrame(r *bufio.Reader, buf []byte, limit int32) ([]byte, error) {
	var sz [4]byte
	if _, err := io.ReadFull(r, sz[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(sz[:]))
	if n < 0 || n > limit {
		return nil, &FrameTooBigError{Size: n, Limit: limit}
	}
	buf = buf[:0]
	for len(buf) < int(n) {
		next := min(int(n), len(buf)+max(len(buf), frameChunk))
		if cap(buf) < next {
			buf = slices.Grow(buf, next-len(buf))
		}
		if _, err := io.ReadFull(r, buf[len(buf):next]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		buf = buf[:next]
	}
	return buf, nil
}

// read reads the client's requests, answers or forwards each, and queues
// one slot per answer owed.
func (s *session) read(slots chan<- slot) error {
	br := bufio.NewReaderSize(s.client, 64<<10)
	bw := bufio.NewWriterSize(s.up, 64<<10)
	var buf []byte
	send := func(frame []byte) error {
		var sz [4]byte
		binary.BigEndian.PutUint32(sz[:], uint32(len(frame)))
		bw.Write(sz[:])
		bw.Write(frame)
		if !frameBuffered(br) {
			return bw.Flush()
		}
		return nil
	}
	for {
		// Flush before a read that may block: pipelined requests already
		// here go upstream together, and none waits on a slow next one.
		if bw.Buffered() > 0 && !frameBuffered(br) {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("writing upstream: %w", err)
			}
		}
		if idle := s.p.cfg.IdleTimeout; idle > 0 {
			if err := s.client.SetReadDeadline(time.Now().Add(idle)); err != nil {
				return err
			}
		} else if s.p.cfg.RequestTimeout > 0 {
			if err := s.client.SetReadDeadline(time.Time{}); err != nil { // the last request's
				return err
			}
		}
		if rt := s.p.cfg.RequestTimeout; rt > 0 {
			// The idle deadline waits for a request to start; once its
			// first byte is here the whole request must follow in time.
			if _, err := br.Peek(1); err != nil {
				return err
			}
			if err := s.client.SetReadDeadline(time.Now().Add(rt)); err != nil {
				return err
			}
		}
		frame, err := readFrame(br, buf, s.p.cfg.MaxRequestBytes)
		if err != nil {
			return err
		}
		s.p.cfg.Observer.BytesIn(4 + len(frame))
		buf = frame[:0]
		if s.rawSASL {
			s.rawSASL = false
			sl, ok := s.authenticate(nil, frame)
			slots <- sl
			if !ok {
				return errors.New("SASL authentication failed")
			}
			continue
		}
		h, err := parseHeader(frame)
		if err != nil {
			return err
		}
		if s.p.cfg.SASL != nil && !s.authenticated {
			switch h.key {
			case keyApiVersions, keySaslHandshake, keySaslAuthenticate:
			default:
				return fmt.Errorf("request key %d before SASL authentication", h.key)
			}
		}
		switch {
		case h.req == nil:
			// A key this proxy does not know: forward as is.
			slots <- slot{upstream: true, corr: h.corr, sent: time.Now()}
			if err := send(frame); err != nil {
				return err
			}
		case h.key == keySaslHandshake && s.p.cfg.SASL != nil:
			slots <- s.handshake(h, frame)
		case h.key == keySaslAuthenticate && s.p.cfg.SASL != nil:
			sl, ok := s.authenticate(&h, frame)
			slots <- sl
			if !ok {
				return errors.New("SASL authentication failed")
			}
		case h.key == keyProduce:
			out, err := s.produce(h, frame)
			if err != nil {
				return err
			}
			if out.forward != nil {
				if err := send(out.forward); err != nil {
					return err
				}
			}
			if out.slot != nil {
				slots <- *out.slot
			}
		default:
			slots <- slot{upstream: true, req: h.req, corr: h.corr, fix: s.p.fixer(h.key), sent: time.Now()}
			if err := send(frame); err != nil {
				return err
			}
		}
	}
}

// write sends the answers in order: local ones as they are, upstream ones
// read in turn from the broker (which answers in request order).
func (s *session) write(slots <-chan slot) error {
	bw := bufio.NewWriterSize(s.client, 64<<10)
	br := bufio.NewReaderSize(s.up, 64<<10)
	var buf []byte
	for sl := range slots {
		out := sl.local
		if sl.upstream {
			frame, err := readFrame(br, buf, s.p.cfg.MaxResponseBytes)
			if err != nil {
				return fmt.Errorf("reading upstream: %w", err)
			}
			buf = frame[:0]
			if !sl.sent.IsZero() {
				s.p.cfg.Observer.Upstream(time.Since(sl.sent))
			}
			if len(frame) < 4 || int32(binary.BigEndian.Uint32(frame)) != sl.corr {
				return fmt.Errorf("upstream answered out of order (want correlation id %d)", sl.corr)
			}
			out = frame
			if sl.fix != nil {
				switch fixed, err := s.rewrite(sl, frame); {
				case errors.Is(err, errUnchanged):
				case err != nil:
					s.log.Warn("proxy: cannot rewrite an upstream answer; passing it unchanged", slog.Int("key", int(sl.req.Key())), slog.Any("err", err))
				default:
					out = fixed
				}
			}
			var sz [4]byte
			binary.BigEndian.PutUint32(sz[:], uint32(len(out)))
			if _, err := bw.Write(sz[:]); err != nil {
				return err
			}
		}
		if _, err := bw.Write(out); err != nil {
			return err
		}
		if sl.upstream {
			s.p.cfg.Observer.BytesOut(4 + len(out))
		} else {
			s.p.cfg.Observer.BytesOut(len(out))
		}
		if len(slots) == 0 || sl.closeAfter {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		if sl.closeAfter {
			return errors.New("closing after a refusal")
		}
	}
	return bw.Flush()
}

// errUnchanged is returned by a slot's fix when the answer needs no
// rewriting: the original bytes are passed on, not re-encoded.
var errUnchanged = errors.New("unchanged")

// rewrite parses an upstream answer frame (header and body, no size),
// applies sl.fix and returns the new frame.
func (s *session) rewrite(sl slot, frame []byte) ([]byte, error) {
	off := 4
	if flexibleResponse(sl.req) {
		n, err := skipTags(frame[off:])
		if err != nil {
			return nil, err
		}
		off += n
	}
	resp := sl.req.ResponseKind()
	resp.SetVersion(sl.req.GetVersion())
	if err := resp.ReadFrom(frame[off:]); err != nil {
		return nil, fmt.Errorf("decoding the answer to key %d v%d: %w", sl.req.Key(), sl.req.GetVersion(), err)
	}
	if err := sl.fix(resp); err != nil {
		return nil, err
	}
	out := appendResponse(nil, sl.corr, flexibleResponse(sl.req), resp)
	return out[4:], nil
}

// ctx is the session's context (the proxy's when unset), for validation
// and authentication.
func (s *session) ctx() context.Context {
	if s.context == nil {
		return s.p.ctx
	}
	return s.context
}
