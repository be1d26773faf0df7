package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const adminPassword = "admin-password-1"

// server is a whole Accord stack behind httptest, with authentication.
type server struct {
	stack *accordtest.Stack
	admin accordtest.Client
}

func newServer(t *testing.T, target string, bootstrap bool) *server {
	t.Helper()
	opts := accordtest.Options{Auth: true, Watch: true, LogWriter: io.Discard}
	if bootstrap {
		opts.Admin, opts.AdminSecret = "root", adminPassword
	}
	st := accordtest.New(t, target, opts)
	srv := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit,
		Lineage: st.Lineage, Proposals: st.Proposals, Backups: backup.NewService(st.Store.DB(), nil)}))
	t.Cleanup(srv.Close)
	return &server{stack: st, admin: accordtest.Client{Base: srv.URL, User: "root", Password: adminPassword}}
}

// restoreInto restores doc into a fresh store at target.
func restoreInto(t *testing.T, target string, doc []byte, opts backup.RestoreOptions) error {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = backup.Restore(context.Background(), store.DB(), bytes.NewReader(doc), opts)
	return err
}

// TestBackupUnderWritesRestoresEverything backs up a seeded server while
// writers register, restores it elsewhere and checks that the backup has
// every write acknowledged before it started and none that was not
// committed; then, quiet, that a backup restored elsewhere answers every
// listing as the source does and keeps its credentials working.
func TestBackupUnderWritesRestoresEverything(t *testing.T) {
	for _, e := range accordtest.Engines {
		t.Run(e.Name, func(t *testing.T) {
			srcTarget := e.Target(t)
			src := newServer(t, srcTarget, true)
			seeded := accordtest.Seed(t, src.admin)

			// Writers register new subjects until told to stop.
			var (
				mu      sync.Mutex
				acked   = map[string]time.Time{}
				stop    atomic.Bool
				wg      sync.WaitGroup
				started atomic.Int64
			)
			for w := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; !stop.Load(); n++ {
						subject := fmt.Sprintf("load-%d-%d", w, n)
						code, body := src.admin.Call(t, "POST", "/subjects/"+subject+"/versions", `{"schema":"\"string\""}`)
						if code != 200 {
							t.Errorf("register %s: %d %s", subject, code, body)
							return
						}
						started.Add(1)
						mu.Lock()
						acked[subject] = time.Now()
						mu.Unlock()
					}
				}()
			}
			for started.Load() < 20 {
				time.Sleep(5 * time.Millisecond)
			}
			// Backup through the read-only path a CLI beside the server takes.
			ro, closeRO, err := sqlstore.OpenReadOnly(context.Background(), srcTarget)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			before := map[string]bool{}
			for s := range acked {
				before[s] = true
			}
			mu.Unlock()
			var doc bytes.Buffer
			if _, err := backup.Backup(context.Background(), ro, &doc); err != nil {
				t.Fatal(err)
			}
			closeRO()
			for started.Load() < int64(len(before))+20 {
				time.Sleep(5 * time.Millisecond) // writes go on after the backup
			}
			stop.Store(true)
			wg.Wait()

			dstTarget := e.Target(t)
			if err := restoreInto(t, dstTarget, doc.Bytes(), backup.RestoreOptions{}); err != nil {
				t.Fatal(err)
			}
			dst := newServer(t, dstTarget, false)
			var inBackup []string
			if err := jsonGet(t, dst.admin, "/subjects?subjectPrefix=load-", &inBackup); err != nil {
				t.Fatal(err)
			}
			has := map[string]bool{}
			for _, s := range inBackup {
				has[s] = true
			}
			for s := range before {
				if !has[s] {
					t.Errorf("%s was acknowledged before the backup started but is not in it", s)
				}
			}
			mu.Lock()
			for _, s := range inBackup {
				if _, ok := acked[s]; !ok {
					t.Errorf("the backup has %s, which the source never acknowledged", s)
				}
			}
			t.Logf("backup under writes: %d acknowledged before it, %d in it, %d acknowledged in all", len(before), len(inBackup), len(acked))
			mu.Unlock()
			// Each registration's audit entry came with it (one transaction).
			var entries []struct{ Target string }
			if err := jsonGet(t, dst.admin, "/v1/audit?action=schema.register&limit=1000", &entries); err != nil {
				t.Fatal(err)
			}
			audited := map[string]bool{}
			for _, e := range entries {
				audited[e.Target] = true
			}
			for _, s := range inBackup {
				if !audited[s] {
					t.Errorf("%s is in the backup without its audit entry", s)
				}
			}

			// Quiet: a second backup restored elsewhere answers as the source.
			doc.Reset()
			if _, err := backup.Backup(context.Background(), src.stack.Store.DB(), &doc); err != nil {
				t.Fatal(err)
			}
			want := accordtest.Listings(t, src.admin, accordtest.ListOptions{})
			quiet := e.Target(t)
			if err := restoreInto(t, quiet, doc.Bytes(), backup.RestoreOptions{}); err != nil {
				t.Fatal(err)
			}
			restored := newServer(t, quiet, false)
			accordtest.CompareListings(t, want, accordtest.Listings(t, restored.admin, accordtest.ListOptions{}))
			checkCredentials(t, restored.admin, seeded)

			// A store that holds something is refused, naming it; --force
			// replaces it. (The store is used by a server that has
			// stopped: one process per SQLite folder.)
			forced := e.Target(t)
			t.Run("a used store", func(t *testing.T) {
				fresh := newServer(t, forced, true)
				fresh.admin.Must(t, "POST", "/subjects/other/versions", `{"schema":"\"int\""}`)
			})
			err = restoreInto(t, forced, doc.Bytes(), backup.RestoreOptions{})
			var ne *backup.NotEmptyError
			if !errors.As(err, &ne) || ne.Rows["principals"] != 1 || ne.Rows["versions"] != 1 || !strings.Contains(err.Error(), "audit_log:") {
				t.Fatalf("restore into a used store: %v", err)
			}
			if err := restoreInto(t, forced, doc.Bytes(), backup.RestoreOptions{Force: true}); err != nil {
				t.Fatal(err)
			}
			again := newServer(t, forced, false)
			accordtest.CompareListings(t, want, accordtest.Listings(t, again.admin, accordtest.ListOptions{}))
		})
	}
}

// checkCredentials signs in on target with the seeded service's password
// and token, made on the source.
func checkCredentials(t *testing.T, target accordtest.Client, s accordtest.Seeded) {
	t.Helper()
	if code, body := target.As(s.ServiceName, s.ServicePassword).Call(t, "GET", "/v1/whoami", ""); code != 200 || !strings.Contains(body, s.ServiceName) {
		t.Errorf("the service's password on the target: %d %s", code, body)
	}
	if code, body := target.As(s.ServiceName, s.ServiceToken).Call(t, "GET", "/v1/whoami", ""); code != 200 || !strings.Contains(body, s.ServiceName) {
		t.Errorf("the service's token on the target: %d %s", code, body)
	}
	if code, _ := target.As(s.ServiceName, "wrong").Call(t, "GET", "/v1/whoami", ""); code != 401 {
		t.Errorf("a wrong password on the target: %d", code)
	}
}

// TestRestoreRefusesACutBackup: a backup without its trailer (an
// interrupted one) restores nothing.
func TestRestoreRefusesACutBackup(t *testing.T) {
	src := newServer(t, t.TempDir(), true)
	src.admin.Must(t, "POST", "/subjects/a/versions", `{"schema":"\"int\""}`)
	var doc bytes.Buffer
	if _, err := backup.Backup(context.Background(), src.stack.Store.DB(), &doc); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(doc.String(), "\n"), "\n")
	cut := strings.Join(lines[:len(lines)-1], "")
	dst := t.TempDir()
	if err := restoreInto(t, dst, []byte(cut), backup.RestoreOptions{}); !errors.Is(err, backup.ErrTruncated) {
		t.Fatalf("restoring a cut backup: %v", err)
	}
	store, err := sqlstore.Open(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var n int
	if err := store.DB().Read.QueryRow(`SELECT COUNT(*) FROM versions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after a refused restore: %d versions, %v", n, err)
	}
	// A wrong trailer is refused too.
	bad := strings.Replace(doc.String(), `"end":{"tables":`, `"end":{"tables":1`, 1)
	if err := restoreInto(t, dst, []byte(bad), backup.RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "trailer") {
		t.Fatalf("restoring with a wrong trailer: %v", err)
	}
}

func jsonGet(t *testing.T, c accordtest.Client, path string, v any) error {
	t.Helper()
	code, body := c.Call(t, "GET", path, "")
	if code != 200 {
		return fmt.Errorf("GET %s: %d %s", path, code, body)
	}
	return json.Unmarshal([]byte(body), v)
}

// TestRestoreAcrossEngines: the document is engine-neutral, so a SQLite
// backup restores into PostgreSQL and back, every listing the same.
func TestRestoreAcrossEngines(t *testing.T) {
	pgTarget := storetest.PostgresSchema(t)
	src := newServer(t, t.TempDir(), true)
	seeded := accordtest.Seed(t, src.admin)
	want := accordtest.Listings(t, src.admin, accordtest.ListOptions{})
	var doc bytes.Buffer
	if _, err := backup.Backup(context.Background(), src.stack.Store.DB(), &doc); err != nil {
		t.Fatal(err)
	}
	if err := restoreInto(t, pgTarget, doc.Bytes(), backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	pg := newServer(t, pgTarget, false)
	accordtest.CompareListings(t, want, accordtest.Listings(t, pg.admin, accordtest.ListOptions{}))

	doc.Reset()
	if _, err := backup.Backup(context.Background(), pg.stack.Store.DB(), &doc); err != nil {
		t.Fatal(err)
	}
	back := t.TempDir()
	if err := restoreInto(t, back, doc.Bytes(), backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	again := newServer(t, back, false)
	accordtest.CompareListings(t, want, accordtest.Listings(t, again.admin, accordtest.ListOptions{}))
	checkCredentials(t, again.admin, seeded)
	// New ids follow the restored ones (PostgreSQL's identity sequences
	// moved past them): a new proposal and audit entry get fresh ids.
	svc := pg.admin.As(seeded.ServiceName, seeded.ServicePassword)
	body := svc.Must(t, "POST", "/v1/proposals", `{"stream":"orders","schema":"{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"acme\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"total\",\"type\":\"long\"},{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"},{\"name\":\"note2\",\"type\":\"string\",\"default\":\"\"},{\"name\":\"x\",\"type\":\"string\",\"default\":\"\"}]}"}`)
	if !strings.Contains(body, `"id":4`) {
		t.Errorf("a proposal after the restore: %s", body)
	}
}
