package auth_test

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fixture is an authenticator over a fresh store with a few principals.
type fixture struct {
	a, replica *auth.Authenticator // two processes sharing one database
	clk        *clock
	adminTok   string
	svcTok     string
}

const adminPassword = "correct horse battery staple"

func eachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, e := range []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", storetest.PostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			st, err := sqlstore.Open(t.Context(), e.target(t), sqlstore.WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			clk := &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			opts := auth.Options{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)}
			f := &fixture{a: auth.New(sqlauth.New(st.DB()), opts), replica: auth.New(sqlauth.New(st.DB()), opts), clk: clk}
			ctx := t.Context()
			if _, err := f.a.Bootstrap(ctx, "root", adminPassword); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.CreatePrincipal(ctx, auth.NewPrincipal{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}}); err != nil {
				t.Fatal(err)
			}
			tok, err := f.a.IssueToken(ctx, "root", "", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			f.adminTok = tok.Text
			if tok, err = f.a.IssueToken(ctx, "orders-svc", "ci", clk.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			f.svcTok = tok.Text
			fn(t, f)
		})
	}
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestAuthenticate(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		id, _, _ := auth.ParseToken(f.svcTok)
		otherID, _, _, _ := auth.NewToken()
		for _, c := range []struct {
			name, header string
			want         string // principal name, "" for failure
			msg          string // part of the failure message
		}{
			{"bearer token", "Bearer " + f.svcTok, "orders-svc", ""},
			{"bearer lowercase scheme", "bearer " + f.svcTok, "orders-svc", ""},
			{"basic with token", basic("orders-svc", f.svcTok), "orders-svc", ""},
			{"basic with password", basic("root", adminPassword), "root", ""},
			{"basic with admin token", basic("root", f.adminTok), "root", ""},
			{"no header", "", "", "authentication required"},
			{"wrong password", basic("root", "not the password!"), "", "invalid credentials"},
			{"unknown user", basic("ghost", adminPassword), "", "invalid credentials"},
			{"principal without password", basic("orders-svc", adminPassword), "", "invalid credentials"},
			{"token of another principal", basic("root", f.svcTok), "", "invalid credentials"},
			{"wrong secret", "Bearer " + auth.TokenPrefix + id + "_" + strings.Repeat("a", 52), "", "invalid credentials"},
			{"unknown token id", "Bearer " + strings.Replace(f.svcTok, id, otherID, 1), "", "invalid credentials"},
			{"not a token", "Bearer hunter2", "", "invalid credentials"},
			{"bearer without token", "Bearer ", "", "malformed"},
			{"scheme only", "Basic", "", "malformed"},
			{"basic not base64", "Basic %%%", "", "malformed"},
			{"basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("root")), "", "malformed"},
			{"basic empty user", basic("", adminPassword), "", "malformed"},
			{"unknown scheme", "Digest abc", "", "unsupported"},
			{"huge header", "Bearer " + strings.Repeat("x", 5000), "", "malformed"},
		} {
			t.Run(c.name, func(t *testing.T) {
				// Twice: the second answer comes from the cache.
				for i := range 2 {
					p, err := f.a.AuthenticateHeader(t.Context(), c.header)
					if c.want != "" {
						if err != nil || p == nil || p.Name != c.want {
							t.Fatalf("try %d: got %v, %v; want %s", i, p, err, c.want)
						}
						continue
					}
					if !errors.Is(err, auth.ErrUnauthenticated) {
						t.Fatalf("try %d: got %v, %v; want ErrUnauthenticated", i, p, err)
					}
					if i == 0 && !strings.Contains(err.Error(), c.msg) {
						t.Errorf("message %q does not mention %q", err, c.msg)
					}
				}
			})
		}
	})
}

func TestExpiryRevocationAndCache(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		bearer := "Bearer " + f.svcTok
		ok := func(a *auth.Authenticator, what string) {
			t.Helper()
			if _, err := a.AuthenticateHeader(ctx, bearer); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		fails := func(a *auth.Authenticator, what, msg string) {
			t.Helper()
			_, err := a.AuthenticateHeader(ctx, bearer)
			if !errors.Is(err, auth.ErrUnauthenticated) || !strings.Contains(err.Error(), msg) {
				t.Fatalf("%s: got %v, want ErrUnauthenticated mentioning %q", what, err, msg)
			}
		}
		ok(f.a, "fresh token")
		ok(f.replica, "fresh token on the replica")

		// Revoked here: refused here at once, on the replica (whose cache
		// still holds the token) once the cache TTL has passed.
		id, _, _ := auth.ParseToken(f.svcTok)
		if _, err := f.a.RevokeToken(ctx, id); err != nil {
			t.Fatal(err)
		}
		fails(f.a, "revoked, same process", "revoked")
		ok(f.replica, "revoked, replica within the TTL")
		f.clk.Add(auth.DefaultCacheTTL + time.Second)
		fails(f.replica, "revoked, replica after the TTL", "revoked")

		// Expiry: a token valid now is refused after its expiry, even
		// from the cache.
		tok, err := f.a.IssueToken(ctx, "orders-svc", "", f.clk.Now().Add(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		bearer = "Bearer " + tok.Text
		ok(f.a, "short-lived token")
		f.clk.Add(11 * time.Second)
		fails(f.a, "expired token", "expired")

		// A disabled principal is refused at once.
		tok, err = f.a.IssueToken(ctx, "orders-svc", "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		bearer = "Bearer " + tok.Text
		ok(f.a, "new token")
		disabled := true
		if _, err := f.a.UpdatePrincipal(ctx, "orders-svc", auth.PrincipalUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		fails(f.a, "disabled principal", "disabled")
		enabled := false
		if _, err := f.a.UpdatePrincipal(ctx, "orders-svc", auth.PrincipalUpdate{Disabled: &enabled}); err != nil {
			t.Fatal(err)
		}
		ok(f.a, "enabled again")

		// A password set after a failed attempt works at once (the
		// failure cache is purged by the change).
		pw := "a brand new password"
		if _, err := f.a.AuthenticateHeader(ctx, basic("orders-svc", pw)); err == nil {
			t.Fatal("password accepted before it was set")
		}
		if _, err := f.a.UpdatePrincipal(ctx, "orders-svc", auth.PrincipalUpdate{Password: &pw}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.AuthenticateHeader(ctx, basic("orders-svc", pw)); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}

func TestManagementValidation(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		for _, np := range []auth.NewPrincipal{
			{Name: "", Roles: []auth.Role{auth.RoleReader}},
			{Name: "has:colon", Roles: []auth.Role{auth.RoleReader}},
			{Name: "-dash", Roles: []auth.Role{auth.RoleReader}},
			{Name: "ok", Roles: nil},
			{Name: "ok", Roles: []auth.Role{"superuser"}},
			{Name: "ok", Roles: []auth.Role{auth.RoleReader}, Password: "short"},
		} {
			if _, err := f.a.CreatePrincipal(ctx, np); !errors.Is(err, auth.ErrInvalid) {
				t.Errorf("CreatePrincipal(%+v): %v, want ErrInvalid", np, err)
			}
		}
		if _, err := f.a.CreatePrincipal(ctx, auth.NewPrincipal{Name: "root", Roles: []auth.Role{auth.RoleReader}}); !errors.Is(err, auth.ErrPrincipalExists) {
			t.Errorf("duplicate: %v", err)
		}
		rec, err := f.a.CreatePrincipal(ctx, auth.NewPrincipal{Name: "alice@acme", Roles: []auth.Role{auth.RoleReader, auth.RoleReviewer, auth.RoleReader}})
		if err != nil || len(rec.Roles) != 2 || rec.Roles[0] != auth.RoleReviewer {
			t.Errorf("roles not normalized: %+v, %v", rec, err)
		}
		if _, err := f.a.IssueToken(ctx, "root", "", f.clk.Now().Add(-time.Second)); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("token expiring in the past: %v", err)
		}
		if _, err := f.a.IssueToken(ctx, "ghost", "", time.Time{}); !errors.Is(err, auth.ErrPrincipalNotFound) {
			t.Errorf("token for nobody: %v", err)
		}
		if ok, err := f.a.HasAdmin(ctx); !ok || err != nil {
			t.Errorf("HasAdmin = %v, %v", ok, err)
		}
	})
}

func TestBootstrap(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		// Existing principal: left as it is.
		if created, err := f.a.Bootstrap(ctx, "root", "another password entirely"); err != nil || created {
			t.Errorf("re-bootstrap: %v, %v", created, err)
		}
		if _, err := f.a.AuthenticateHeader(ctx, basic("root", adminPassword)); err != nil {
			t.Errorf("password changed by a re-bootstrap: %v", err)
		}
		// A pre-generated token.
		_, text, _, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if created, err := f.a.Bootstrap(ctx, "ops", text); err != nil || !created {
			t.Fatalf("token bootstrap: %v, %v", created, err)
		}
		p, err := f.a.AuthenticateHeader(ctx, "Bearer "+text)
		if err != nil || !p.IsAdmin() {
			t.Fatalf("bootstrap token: %v, %v", p, err)
		}
		if created, err := f.a.Bootstrap(ctx, "ops", text); err != nil || created {
			t.Errorf("token bootstrap again: %v, %v", created, err)
		}
		if _, err := f.a.Bootstrap(ctx, "root", text); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("someone else's token: %v", err)
		}
		if _, err := f.a.Bootstrap(ctx, "x", ""); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("no secret: %v", err)
		}
	})
}

func TestTokenFormat(t *testing.T) {
	id, text, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	gotID, secret, ok := auth.ParseToken(text)
	if !ok || gotID != id || auth.HashSecret(secret) != hash || strings.Contains(text, ":") {
		t.Fatalf("round trip of %q: %q %q %v", text, gotID, secret, ok)
	}
	if strings.Contains(hash, secret) || len(hash) != 64 {
		t.Errorf("hash %q", hash)
	}
	for _, bad := range []string{"", "acc_", "acc_x_y", text + "a", strings.ToUpper(text), strings.Replace(text, "acc_", "abc_", 1)} {
		if _, _, ok := auth.ParseToken(bad); ok {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword(adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if !auth.VerifyPassword(adminPassword, h) || auth.VerifyPassword(adminPassword+"x", h) || auth.VerifyPassword(adminPassword, "$argon2id$garbage") {
		t.Error("verification wrong")
	}
	if h2, _ := auth.HashPassword(adminPassword); h2 == h {
		t.Error("no salt")
	}
}
