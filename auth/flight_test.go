package auth_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/registry/sqlstore"
)

// countingStore counts principal look-ups (one per password verified).
type countingStore struct {
	auth.Store
	principals atomic.Int64
}

func (c *countingStore) Principal(ctx context.Context, name string) (auth.PrincipalRecord, error) {
	c.principals.Add(1)
	return c.Store.Principal(ctx, name)
}

// TestConcurrentMissesVerifyOnce: many requests with the same credentials
// on a cold cache (every connection of a client when its entry expires)
// hash the password once, not once each; a wrong password shared the same
// way still fails for all.
func TestConcurrentMissesVerifyOnce(t *testing.T) {
	st, err := sqlstore.Open(t.Context(), t.TempDir(), sqlstore.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := auth.New(sqlauth.New(st.DB()), auth.Options{}).Bootstrap(t.Context(), "root", adminPassword); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, password string
		ok             bool
	}{
		{"right password", adminPassword, true},
		{"wrong password", "not the password", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := &countingStore{Store: sqlauth.New(st.DB())}
			a := auth.New(store, auth.Options{Logger: slog.New(slog.DiscardHandler)})
			header := "Basic " + base64.StdEncoding.EncodeToString([]byte("root:"+c.password))
			const clients = 32
			var wg sync.WaitGroup
			var succeeded atomic.Int64
			start := make(chan struct{})
			for range clients {
				wg.Go(func() {
					<-start
					if p, err := a.AuthenticateHeader(context.Background(), header); err == nil && p.Name == "root" {
						succeeded.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if want := map[bool]int64{true: clients, false: 0}[c.ok]; succeeded.Load() != want {
				t.Errorf("%d of %d requests authenticated, want %d", succeeded.Load(), clients, want)
			}
			if n := store.principals.Load(); n != 1 {
				t.Errorf("%d password verifications for %d concurrent requests with the same credentials, want 1", n, clients)
			}
		})
	}
}
