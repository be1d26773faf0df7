package sqlauth_test

import (
	"errors"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// eachEngine runs fn with a fresh store on SQLite and on PostgreSQL.
func eachEngine(t *testing.T, fn func(t *testing.T, s *sqlauth.Store)) {
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
			fn(t, sqlauth.New(st.DB()))
		})
	}
}

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

func TestPrincipals(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlauth.Store) {
		ctx := t.Context()
		admin := auth.PrincipalRecord{Name: "root", Roles: []auth.Role{auth.RoleAdmin}, PasswordHash: "$argon2id$x", CreatedAt: t0, UpdatedAt: t0}
		svc := auth.PrincipalRecord{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}, CreatedAt: t0, UpdatedAt: t0}
		for _, p := range []auth.PrincipalRecord{admin, svc} {
			if err := s.CreatePrincipal(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreatePrincipal(ctx, svc); !errors.Is(err, auth.ErrPrincipalExists) {
			t.Errorf("duplicate: %v, want ErrPrincipalExists", err)
		}
		got, err := s.Principal(ctx, "root")
		if err != nil || got.PasswordHash != admin.PasswordHash || !slices.Equal(got.Roles, admin.Roles) || !got.CreatedAt.Equal(t0) {
			t.Errorf("Principal(root) = %+v, %v", got, err)
		}
		if _, err := s.Principal(ctx, "nobody"); !errors.Is(err, auth.ErrPrincipalNotFound) {
			t.Errorf("Principal(nobody): %v", err)
		}
		all, err := s.Principals(ctx)
		if err != nil || len(all) != 2 || all[0].Name != "orders-svc" || all[1].Name != "root" {
			t.Errorf("Principals = %+v, %v", all, err)
		}

		// The last enabled admin can be neither disabled nor demoted.
		for what, fn := range map[string]func(*auth.PrincipalRecord) error{
			"disable": func(p *auth.PrincipalRecord) error { p.Disabled = true; return nil },
			"demote":  func(p *auth.PrincipalRecord) error { p.Roles = []auth.Role{auth.RoleReader}; return nil },
		} {
			if _, err := s.UpdatePrincipal(ctx, "root", fn); !errors.Is(err, auth.ErrLastAdmin) {
				t.Errorf("%s last admin: %v, want ErrLastAdmin", what, err)
			}
		}
		up, err := s.UpdatePrincipal(ctx, "orders-svc", func(p *auth.PrincipalRecord) error {
			p.Roles = []auth.Role{auth.RoleAdmin, auth.RoleService}
			p.PasswordHash = "h2"
			p.Name = "renamed" // ignored
			return nil
		})
		if err != nil || up.Name != "orders-svc" {
			t.Fatalf("update: %+v, %v", up, err)
		}
		if _, err := s.UpdatePrincipal(ctx, "root", func(p *auth.PrincipalRecord) error { p.Disabled = true; return nil }); err != nil {
			t.Errorf("disabling an admin while another exists: %v", err)
		}
		got, _ = s.Principal(ctx, "orders-svc")
		if got.PasswordHash != "h2" || !slices.Equal(got.Roles, []auth.Role{auth.RoleAdmin, auth.RoleService}) {
			t.Errorf("after update: %+v", got)
		}
		if _, err := s.UpdatePrincipal(ctx, "nobody", func(*auth.PrincipalRecord) error { return nil }); !errors.Is(err, auth.ErrPrincipalNotFound) {
			t.Errorf("update nobody: %v", err)
		}
		// fn's error aborts the update.
		boom := errors.New("boom")
		if _, err := s.UpdatePrincipal(ctx, "orders-svc", func(p *auth.PrincipalRecord) error { p.PasswordHash = ""; return boom }); !errors.Is(err, boom) {
			t.Errorf("update failing: %v", err)
		}
		if got, _ := s.Principal(ctx, "orders-svc"); got.PasswordHash != "h2" {
			t.Errorf("a failed update was stored: %+v", got)
		}
	})
}

func TestTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlauth.Store) {
		ctx := t.Context()
		if err := s.CreatePrincipal(ctx, auth.PrincipalRecord{Name: "svc", Roles: []auth.Role{auth.RoleService}, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		tok := auth.TokenRecord{ID: "id1", Principal: "svc", SecretHash: auth.HashSecret("s"), Description: "ci", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateToken(ctx, auth.TokenRecord{ID: "id2", Principal: "svc", SecretHash: "x", CreatedAt: t0.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateToken(ctx, auth.TokenRecord{ID: "id3", Principal: "ghost", SecretHash: "x", CreatedAt: t0}); !errors.Is(err, auth.ErrPrincipalNotFound) {
			t.Errorf("token of a missing principal: %v", err)
		}
		got, err := s.Token(ctx, "id1")
		if err != nil || got != tok {
			t.Errorf("Token = %+v, %v; want %+v", got, err, tok)
		}
		if _, err := s.Token(ctx, "nope"); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Errorf("Token(nope): %v", err)
		}
		list, err := s.Tokens(ctx, "svc")
		if err != nil || len(list) != 2 || list[0].ID != "id2" {
			t.Errorf("Tokens(svc) = %+v, %v (want newest first)", list, err)
		}
		if list, _ := s.Tokens(ctx, "other"); len(list) != 0 {
			t.Errorf("Tokens(other) = %+v", list)
		}
		if list, _ := s.Tokens(ctx, ""); len(list) != 2 {
			t.Errorf("Tokens('') = %+v", list)
		}
		if err := s.TouchToken(ctx, "id1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		r1, err := s.RevokeToken(ctx, "id1", t0.Add(2*time.Minute))
		if err != nil || !r1.RevokedAt.Equal(t0.Add(2*time.Minute)) || !r1.LastUsedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("revoke: %+v, %v", r1, err)
		}
		r2, err := s.RevokeToken(ctx, "id1", t0.Add(time.Hour))
		if err != nil || !r2.RevokedAt.Equal(r1.RevokedAt) {
			t.Errorf("second revoke moved the time: %+v, %v", r2, err)
		}
		if r1.State(t0) != auth.TokenRevoked {
			t.Errorf("state %s", r1.State(t0))
		}
		if _, err := s.RevokeToken(ctx, "nope", t0); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Errorf("revoke nope: %v", err)
		}
	})
}
