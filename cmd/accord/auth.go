package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/registry/sqlstore"
)

// bootstrapSecretEnv holds the first admin's password or token when no
// --bootstrap-admin-password-file is given.
const bootstrapSecretEnv = "ACCORD_BOOTSTRAP_ADMIN_PASSWORD"

// authConfig is what the auth flags decided, before anything is opened.
type authConfig struct {
	enabled bool
	addr    string
	admin   string // --bootstrap-admin, "" for none
	secret  string // its password or token
}

// resolveAuth applies the rules: authentication defaults to off on a
// loopback address (unless a bootstrap admin is given) and on everywhere
// else; off is refused on any address but loopback; a bootstrap admin
// needs a password or token from a file or the environment, never a
// default.
func resolveAuth(addr, mode, admin, secretFile string, getenv func(string) string) (authConfig, error) {
	c := authConfig{addr: addr, admin: admin}
	envSecret := getenv(bootstrapSecretEnv)
	switch {
	case secretFile != "" && envSecret != "":
		return c, fmt.Errorf("both --bootstrap-admin-password-file and %s are set: use one", bootstrapSecretEnv)
	case secretFile != "":
		raw, err := os.ReadFile(secretFile)
		if err != nil {
			return c, fmt.Errorf("reading --bootstrap-admin-password-file: %w", err)
		}
		c.secret = strings.TrimRight(string(raw), "\r\n")
		if c.secret == "" {
			return c, fmt.Errorf("--bootstrap-admin-password-file %s is empty", secretFile)
		}
	default:
		c.secret = envSecret
	}
	switch {
	case admin != "" && c.secret == "":
		return c, fmt.Errorf("--bootstrap-admin %s needs a password or token from --bootstrap-admin-password-file or %s (there is no default)", admin, bootstrapSecretEnv)
	case admin == "" && c.secret != "":
		return c, fmt.Errorf("a bootstrap password or token is set but --bootstrap-admin NAME is not")
	}
	loopback := isLoopback(addr)
	switch strings.ToLower(mode) {
	case "":
		c.enabled = !loopback || admin != ""
	case "on", "true":
		c.enabled = true
	case "off", "false":
		if !loopback {
			return c, fmt.Errorf("refusing to serve %s without authentication: only a loopback address (127.0.0.1, ::1, localhost) may be open; use --auth on with --bootstrap-admin NAME", addr)
		}
		if admin != "" {
			return c, errors.New("--bootstrap-admin needs authentication: drop --auth off")
		}
	default:
		return c, fmt.Errorf("bad --auth %q: want on or off", mode)
	}
	return c, nil
}

// isLoopback reports whether addr (host:port) listens on this machine
// only. An empty host means every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// setUp returns the authenticator for the server, nil when authentication
// is off, after bootstrapping the first admin. With authentication on it
// refuses to start when no enabled admin exists: nobody could sign in.
func (c authConfig) setUp(ctx context.Context, log *slog.Logger, store *sqlstore.Store) (*auth.Authenticator, error) {
	if !c.enabled {
		log.Warn("authentication is OFF: the API is unauthenticated and reachable only from this machine; use --auth on with --bootstrap-admin NAME to require credentials",
			slog.String("addr", c.addr))
		return nil, nil
	}
	a := auth.New(sqlauth.New(store.DB()), auth.Options{Logger: log})
	if c.admin != "" {
		created, err := a.Bootstrap(ctx, c.admin, c.secret)
		if err != nil {
			return nil, fmt.Errorf("bootstrapping admin %q: %w", c.admin, err)
		}
		if created {
			log.Info("bootstrap admin ready", slog.String("principal", c.admin))
		} else {
			log.Info("bootstrap admin exists; left unchanged", slog.String("principal", c.admin))
		}
	}
	ok, err := a.HasAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("authentication is on but no enabled admin exists: start with --bootstrap-admin NAME and a password or token in --bootstrap-admin-password-file or %s", bootstrapSecretEnv)
	}
	log.Info("authentication on: requests need an API token or HTTP Basic credentials")
	return a, nil
}
