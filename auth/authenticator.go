package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultCacheTTL is how long a verified credential is trusted without
// asking the store again, and so the longest a token revoked (or a
// principal disabled) on another replica keeps working.
const DefaultCacheTTL = 30 * time.Second

// maxHeaderLen bounds the Authorization header worth looking at: real
// credentials are far shorter, and longer ones are refused before any
// hashing.
const maxHeaderLen = 4096

// touchEvery limits writes of a token's last-used time.
const touchEvery = time.Minute

// Options configures an Authenticator. The zero value is usable.
type Options struct {
	// CacheTTL is DefaultCacheTTL when 0.
	CacheTTL time.Duration
	Logger   *slog.Logger
	// Now is the clock (time.Now when nil), for tests.
	Now func() time.Time
}

// Authenticator verifies the credentials of requests and manages
// principals and tokens (so that every change also purges its cache). It
// is safe for concurrent use.
type Authenticator struct {
	store    Store
	cache    *verifyCache
	throttle *throttle          // failed password attempts (throttle.go)
	flight   singleflight.Group // verifications in progress, by credential
	log      *slog.Logger
	now      func() time.Time
	// ticks is the verification cache's clock, in nanoseconds.
	ticks func() int64
}

// New returns an Authenticator over store.
func New(store Store, opts Options) *Authenticator {
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// The cache's clock is read on every request: a monotonic reading
	// (time.Since of a fixed instant reads one clock where time.Now reads
	// two, 100-200 ns each on a VM's kvm-clock), which a step of the wall
	// clock cannot stretch a TTL with. Tests that set Now move both.
	ticks := monotonic
	if opts.Now == nil {
		opts.Now = time.Now
	} else {
		ticks = func() int64 { return opts.Now().UnixNano() }
	}
	return &Authenticator{
		store:    store,
		cache:    newVerifyCache(opts.CacheTTL),
		throttle: newThrottle(),
		log:      opts.Logger.With("component", "auth"),
		now:      opts.Now,
		ticks:    ticks,
	}
}

// epoch is the origin of monotonic.
var epoch = time.Now()

// monotonic is the time since the process started, in nanoseconds.
func monotonic() int64 { return int64(time.Since(epoch)) }

// Store returns the store a was built on.
func (a *Authenticator) Store() Store { return a.store }

var errBadCredentials = Errorf(ErrUnauthenticated, "invalid credentials")

// Authenticate returns the principal that r's Authorization header proves:
// "Bearer <token>", or "Basic base64(name:password)" where the password is
// the principal's password or one of its API tokens (what Confluent
// clients send from basic.auth.user.info). Errors wrap ErrUnauthenticated
// unless the store failed.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	// The server stores header names canonically: index the map directly
	// rather than pay Get's canonicalization on every request.
	var h string
	if v := r.Header["Authorization"]; len(v) > 0 {
		h = v[0]
	}
	return a.AuthenticateHeaderFrom(ctx, h, r.RemoteAddr)
}

// AuthenticateHeader is Authenticate for the Authorization header's value,
// from a client whose address is unknown: password attempts are then
// throttled per principal only.
func (a *Authenticator) AuthenticateHeader(ctx context.Context, header string) (*Principal, error) {
	return a.AuthenticateHeaderFrom(ctx, header, "")
}

// AuthenticateHeaderFrom is Authenticate for the Authorization header's
// value sent from remoteAddr (host:port, as http.Request.RemoteAddr). Too
// many wrong passwords for a principal or from an address make further
// password attempts fail with a *ThrottledError (see throttle.go).
func (a *Authenticator) AuthenticateHeaderFrom(ctx context.Context, header, remoteAddr string) (*Principal, error) {
	if header == "" {
		return nil, Errorf(ErrUnauthenticated, "authentication required: send an API token (Authorization: Bearer <token>) or HTTP Basic credentials")
	}
	if len(header) > maxHeaderLen {
		return nil, Errorf(ErrUnauthenticated, "malformed Authorization header: longer than %d bytes", maxHeaderLen)
	}
	t := a.ticks()
	h := a.cache.key(header)
	if p, failed := a.cache.get(header, h, t); p != nil {
		return p, nil
	} else if failed {
		return nil, errBadCredentials
	}
	// Concurrent misses of one credential share one verification: when a
	// client's entry expires, every connection it has misses at once, and
	// a password's argon2id hash costs tens of milliseconds and 19 MiB
	// each (a hundred connections stalled every request for seconds every
	// TTL). The verification outlives a caller that goes away (its
	// database calls keep their own deadlines), since others wait on it.
	// Identical wrong passwords sent at once count as one failed attempt
	// for the throttle: they are one guess.
	v, err, _ := a.flight.Do(header, func() (any, error) {
		gen := a.cache.gen.Load()
		now := a.now()
		p, until, err := a.verify(context.WithoutCancel(ctx), header, remoteAddr, now)
		if err != nil {
			if errors.Is(err, ErrUnauthenticated) {
				a.cache.fail(gen, h, t)
			}
			return nil, err
		}
		a.cache.put(gen, header, h, p, t, now, until)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Principal), nil
}

// verify checks a credential against the store. until is when the proof
// stops being valid on its own (a token's expiry), zero if never.
func (a *Authenticator) verify(ctx context.Context, header, remoteAddr string, now time.Time) (p *Principal, until time.Time, err error) {
	scheme, rest, _ := strings.Cut(header, " ")
	rest = strings.TrimSpace(rest)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if rest == "" {
			return nil, time.Time{}, Errorf(ErrUnauthenticated, "malformed Authorization header: Bearer without a token")
		}
		return a.verifyToken(ctx, rest, "", now)
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, time.Time{}, Errorf(ErrUnauthenticated, "malformed Authorization header: Basic credentials are not base64")
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" {
			return nil, time.Time{}, Errorf(ErrUnauthenticated, "malformed Authorization header: Basic credentials must be name:password or name:token")
		}
		if _, _, isToken := ParseToken(pass); isToken {
			return a.verifyToken(ctx, pass, user, now)
		}
		addr := clientKey(remoteAddr)
		if err := a.throttle.check(user, addr, now); err != nil {
			return nil, time.Time{}, err
		}
		p, err := a.verifyPassword(ctx, user, pass)
		switch {
		case err == nil:
			a.throttle.succeed(user, addr, now)
		case err == errBadCredentials:
			a.throttle.fail(user, addr, now)
		}
		return p, time.Time{}, err
	default:
		return nil, time.Time{}, Errorf(ErrUnauthenticated, "unsupported Authorization scheme %q: use Bearer or Basic", truncate(scheme, 20))
	}
}

// verifyToken checks an API token; user, when not empty, must be the
// token's principal (Basic name:token).
func (a *Authenticator) verifyToken(ctx context.Context, text, user string, now time.Time) (*Principal, time.Time, error) {
	id, secret, ok := ParseToken(text)
	if !ok {
		return nil, time.Time{}, errBadCredentials
	}
	tok, err := a.store.Token(ctx, id)
	switch {
	case errors.Is(err, ErrTokenNotFound):
		return nil, time.Time{}, errBadCredentials
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("auth: verifying token %s: %w", id, err)
	}
	if !secretMatches(secret, tok.SecretHash) || (user != "" && user != tok.Principal) {
		return nil, time.Time{}, errBadCredentials
	}
	// The caller proved it holds the token: it may learn why it no longer works.
	switch tok.State(now) {
	case TokenRevoked:
		return nil, time.Time{}, Errorf(ErrUnauthenticated, "token %s was revoked", id)
	case TokenExpired:
		return nil, time.Time{}, Errorf(ErrUnauthenticated, "token %s expired at %s", id, tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
	rec, err := a.store.Principal(ctx, tok.Principal)
	switch {
	case errors.Is(err, ErrPrincipalNotFound):
		return nil, time.Time{}, errBadCredentials
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("auth: verifying token %s: %w", id, err)
	case rec.Disabled:
		return nil, time.Time{}, Errorf(ErrUnauthenticated, "principal %q is disabled", rec.Name)
	}
	if now.Sub(tok.LastUsedAt) >= touchEvery {
		// Best effort: a failed write must not fail the request.
		if err := a.store.TouchToken(ctx, id, now); err != nil {
			a.log.DebugContext(ctx, "recording token use", "token", id, "err", err)
		}
	}
	return rec.Principal(), tok.ExpiresAt, nil
}

// verifyPassword checks Basic name:password. Unknown names and principals
// without a password cost one argon2id too, so timing does not tell which
// names exist.
func (a *Authenticator) verifyPassword(ctx context.Context, user, pass string) (*Principal, error) {
	rec, err := a.store.Principal(ctx, user)
	if err != nil && !errors.Is(err, ErrPrincipalNotFound) {
		return nil, fmt.Errorf("auth: verifying the password of %q: %w", user, err)
	}
	hash := rec.PasswordHash
	if hash == "" {
		hash = dummyHash()
	}
	if !VerifyPassword(pass, hash) || rec.PasswordHash == "" {
		return nil, errBadCredentials
	}
	if rec.Disabled {
		return nil, Errorf(ErrUnauthenticated, "principal %q is disabled", rec.Name)
	}
	return rec.Principal(), nil
}

var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a password of anyone, only spent time")
	if err != nil {
		panic(err) // only if the system's random source fails
	}
	return h
})

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
