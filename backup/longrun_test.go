package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/backup"
	"github.com/accord/accord/registry/sqlstore"
)

// slowWriter takes its time over every write, as a slow disk or a slow
// client downloading a dump does.
type slowWriter struct {
	w     io.Writer
	delay time.Duration
}

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.w.Write(p)
}

// TestBackupAndRestoreOutliveTheCallDeadline: --db-timeout bounds a
// request's database calls, but a backup or restore of a large store
// legitimately holds its one transaction far longer; neither may be cut
// by it (only by its caller's context).
func TestBackupAndRestoreOutliveTheCallDeadline(t *testing.T) {
	src := newServer(t, t.TempDir(), true)
	// Five schemas of ~70 KB each: the backup's 64 KB buffer flushes to
	// the slow writer while the table's cursor is still open.
	for i := range 5 {
		var fields []string
		for f := range 2000 {
			fields = append(fields, fmt.Sprintf(`{"name":"field_%d_%05d","type":"long"}`, i, f))
		}
		schema := `{"type":"record","name":"R","fields":[` + strings.Join(fields, ",") + `]}`
		body, _ := json.Marshal(map[string]string{"schema": schema})
		src.admin.Must(t, "POST", fmt.Sprintf("/subjects/s%d/versions", i), string(body))
	}
	const timeout = 50 * time.Millisecond
	dir := t.TempDir()
	store, err := sqlstore.Open(context.Background(), dir, sqlstore.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var doc bytes.Buffer
	if _, err := backup.Backup(context.Background(), src.stack.Store.DB(), &doc); err != nil {
		t.Fatal(err)
	}
	// The restore reads its document slowly: well past the transaction
	// deadline (twice the call timeout).
	in := &slowReader{r: bytes.NewReader(doc.Bytes()), delay: timeout, slow: 6}
	if _, err := backup.Restore(context.Background(), store.DB(), in, backup.RestoreOptions{}); err != nil {
		t.Fatalf("a slow restore was cut: %v", err)
	}
	var out bytes.Buffer
	if _, err := backup.Backup(context.Background(), store.DB(), slowWriter{w: &out, delay: timeout}); err != nil {
		t.Fatalf("a slow backup was cut: %v", err)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"end"`)) {
		t.Fatalf("the slow backup has no trailer:\n%s", out.String())
	}
	// The caller's context still ends them.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := backup.Backup(ctx, store.DB(), io.Discard); err == nil {
		t.Fatal("a backup outlived its caller's context")
	}
}

// slowReader pauses before each of its first reads (of at most 4 KB).
type slowReader struct {
	r     io.Reader
	delay time.Duration
	slow  int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.slow > 0 {
		s.slow--
		time.Sleep(s.delay)
	}
	if len(p) > 4096 {
		p = p[:4096]
	}
	return s.r.Read(p)
}
