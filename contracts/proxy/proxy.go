package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/accord/accord/contracts/validator"
)

// Validator judges records; *validator.Validator is one.
type Validator interface {
	Validate(ctx context.Context, rec *validator.Record) validator.Verdict
}

// Config configures a Proxy.
type Config struct {
	// Listen is the bootstrap listener's address (host:port; port 0 picks
	// one). Listeners for further brokers open on the same host.
	Listen string
	// Upstream is a bootstrap broker's address (host:port).
	Upstream string
	// Validator judges every produced record (required).
	Validator Validator
	// SASL, when set, makes clients authenticate with SASL/PLAIN; the
	// principal it returns is the producer of their records.
	SASL Authenticator
	// ClientIDs maps Kafka client ids to principals when SASL is off.
	ClientIDs map[string]string
	// Logger receives the proxy's logs (slog.Default when nil).
	Logger *slog.Logger
	// MaxRequestBytes bounds a client request's size (100 MiB when 0,
	// Kafka's socket.request.max.bytes); a larger one closes the client's
	// connection.
	MaxRequestBytes int32
	// MaxResponseBytes bounds a broker answer's size (100 MiB when 0); a
	// larger one closes the client's connection. Clients bound answers
	// themselves (fetch.max.bytes), so this guards against a broker or a
	// stream gone wrong, not normal traffic.
	MaxResponseBytes int32
	// TLS, when set, makes every listener serve TLS with it (it needs a
	// certificate).
	TLS *tls.Config
	// UpstreamTLS, when set, makes the proxy reach the brokers over TLS
	// with it; an empty ServerName is each broker's host.
	UpstreamTLS *tls.Config
	// DialTimeout bounds connecting upstream (10s when 0), and a client's
	// TLS handshake.
	DialTimeout time.Duration
	// IdleTimeout closes a client connection that sends no request for
	// this long (10 min when 0, as brokers' connections.max.idle.ms;
	// negative: never), so silent clients do not hold broker connections
	// and goroutines forever.
	IdleTimeout time.Duration
	// Observer is told of connections, bytes, verdicts and upstream
	// latency (package metrics implements it); nil: nothing is measured.
	Observer Observer
	// RequestTimeout bounds reading one request once its first bytes
	// arrived (30s when 0; negative: never), so a client trickling a
	// request a byte at a time cannot hold a connection for the idle time
	// of every byte.
	RequestTimeout time.Duration
	// MaxConnections bounds the client connections open at once, over
	// all listeners (DefaultMaxConnections when 0; negative: no bound).
	// Past it, new connections wait in the listen backlog until one
	// closes.
	MaxConnections int
	// ValidateBudget bounds the time spent judging one partition's records
	// of a Produce request (30s when 0). Every rule evaluation is bounded by
	// its cost limit, but a batch of 100,000 records each near it would
	// still take minutes; past the budget the rules still to run fail and
	// the batch is refused with INVALID_RECORD. It also ends, with the
	// session, when the connection closes.
	ValidateBudget time.Duration
	// MaxDecompressedBytes bounds what the compressed batches of one
	// partition of a Produce request inflate to together
	// (DefaultMaxDecompressedBytes when 0); a partition over it is
	// refused as a corrupt message.
	MaxDecompressedBytes int
}

// DefaultMaxConnections is the default bound on client connections open
// at once: each costs two goroutines, 128 KiB of buffers and an upstream
// connection.
const DefaultMaxConnections = 4096

// DefaultMaxFrameBytes is the default bound on requests and answers:
// 100 MiB, Kafka's socket.request.max.bytes.
const DefaultMaxFrameBytes = 100 << 20

// Proxy is a validating Kafka proxy. Start it, then Close it.
type Proxy struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	advMu  sync.Mutex // serialises opening listeners for new brokers
	mu     sync.Mutex
	host   string            // the listeners' host
	main   *route            // the bootstrap listener
	routes map[string]*route // upstream host:port → its listener
	conns  map[net.Conn]struct{}
	closed bool
	// connSlots holds one token per open client connection (nil: no
	// bound, see Config.MaxConnections).
	connSlots chan struct{}
}

// route is a listener and the broker it stands for.
type route struct {
	upstream string
	ln       net.Listener
	host     string
	port     int32
}

// New returns a Proxy for cfg; Start opens its listener.
func New(cfg Config) (*Proxy, error) {
	if cfg.Validator == nil {
		return nil, errors.New("proxy: no validator")
	}
	if _, _, err := net.SplitHostPort(cfg.Upstream); err != nil {
		return nil, fmt.Errorf("proxy: upstream %q: %w", cfg.Upstream, err)
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("proxy: listen %q: %w", cfg.Listen, err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxFrameBytes
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxFrameBytes
	}
	if cfg.TLS != nil && len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil && cfg.TLS.GetConfigForClient == nil {
		return nil, errors.New("proxy: TLS configuration without a certificate")
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.ValidateBudget <= 0 {
		cfg.ValidateBudget = 30 * time.Second
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.MaxDecompressedBytes <= 0 {
		cfg.MaxDecompressedBytes = DefaultMaxDecompressedBytes
	}
	p := &Proxy{cfg: cfg, log: cfg.Logger, host: host, routes: map[string]*route{}, conns: map[net.Conn]struct{}{}}
	if cfg.MaxConnections > 0 {
		p.connSlots = make(chan struct{}, cfg.MaxConnections)
	}
	return p, nil
}

// Start opens the bootstrap listener and serves it until Close or ctx
// ends.
func (p *Proxy) Start(ctx context.Context) error {
	p.ctx, p.cancel = context.WithCancel(ctx)
	r, err := p.listen(p.cfg.Listen, p.cfg.Upstream)
	if err != nil {
		p.cancel()
		return err
	}
	p.mu.Lock()
	p.main = r
	p.mu.Unlock()
	context.AfterFunc(p.ctx, func() { p.Close() })
	return nil
}

// Run starts the proxy and serves until ctx ends.
func (p *Proxy) Run(ctx context.Context) error {
	if err := p.Start(ctx); err != nil {
		return err
	}
	<-p.ctx.Done()
	p.Close()
	return nil
}

// Addr is the bootstrap listener's address.
func (p *Proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.main.ln.Addr().String()
}

// Close stops the listeners, closes every connection and waits for their
// goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.cancel()
		for _, r := range p.routes {
			r.ln.Close()
		}
		for c := range p.conns {
			c.Close()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// listen opens a listener for upstream and serves it.
func (p *Proxy) listen(addr, upstream string) (*route, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("proxy: listening on %s: %w", addr, err)
	}
	tcp := ln.Addr().(*net.TCPAddr)
	if p.cfg.TLS != nil {
		ln = tls.NewListener(ln, p.cfg.TLS)
	}
	r := &route{upstream: upstream, ln: ln, host: p.host, port: int32(tcp.Port)}
	if r.host == "" || r.host == "0.0.0.0" || r.host == "::" {
		r.host = tcp.IP.String()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		ln.Close()
		return nil, errors.New("proxy: closed")
	}
	p.routes[upstream] = r
	p.wg.Add(1)
	p.mu.Unlock()
	p.log.Info("proxy listening", slog.String("addr", ln.Addr().String()), slog.String("upstream", upstream),
		slog.Bool("tls", p.cfg.TLS != nil), slog.Bool("upstream_tls", p.cfg.UpstreamTLS != nil))
	go p.accept(r)
	return r, nil
}

func (p *Proxy) accept(r *route) {
	defer p.wg.Done()
	for {
		if p.connSlots != nil {
			// Wait for a slot before accepting: past the bound, clients
			// wait in the listen backlog rather than cost a goroutine each.
			select {
			case p.connSlots <- struct{}{}:
			case <-p.ctx.Done():
				return
			}
		}
		c, err := r.ln.Accept()
		if err != nil {
			p.releaseSlot()
			if p.ctx.Err() == nil {
				p.log.Error("proxy: accept failed; listener stopped", slog.String("addr", r.ln.Addr().String()), slog.Any("err", err))
			}
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			p.releaseSlot()
			return
		}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go func() {
			defer p.wg.Done()
			defer p.releaseSlot()
			p.serveConn(c, r)
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// releaseSlot frees a connection slot taken in accept.
func (p *Proxy) releaseSlot() {
	if p.connSlots != nil {
		<-p.connSlots
	}
}

// advertise returns the proxy address clients must use for the broker at
// host:port, opening a listener for it on first sight. single says the
// answer names one broker only, which the bootstrap listener then stands
// for.
func (p *Proxy) advertise(host string, port int32, single bool) (string, int32) {
	if host == "" || port <= 0 {
		return host, port
	}
	up := net.JoinHostPort(host, strconv.Itoa(int(port)))
	p.advMu.Lock()
	defer p.advMu.Unlock()
	p.mu.Lock()
	r, ok := p.routes[up]
	if !ok && single && p.main != nil {
		// One broker known by another name than --upstream: the same one.
		r, ok = p.main, true
		p.routes[up] = r
	}
	p.mu.Unlock()
	if ok {
		return r.host, r.port
	}
	r, err := p.listen(net.JoinHostPort(p.host, "0"), up)
	if err != nil {
		p.log.Error("proxy: cannot open a listener for a broker; clients will be told its own address", slog.String("broker", up), slog.Any("err", err))
		return host, port
	}
	return r.host, r.port
}
