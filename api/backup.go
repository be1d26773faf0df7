package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/backup"
)

// adminDump answers GET /v1/admin/dump?tables=a,b&kind=backup|export: a
// dump document (JSON Lines, see package backup) streamed from one
// consistent snapshot. An error after the first byte cannot change the
// status: the document then lacks its trailer, which readers refuse.
func (s *Server) adminDump(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), "reading a dump", auth.RoleAdmin); err != nil {
		return err
	}
	p := params{r: r}
	var tables []string
	if t := p.str("tables"); t != "" {
		tables = strings.Split(t, ",")
	}
	kind := p.str("kind")
	switch kind {
	case "":
		kind = backup.KindBackup
	case backup.KindBackup, backup.KindExport:
	default:
		return &httpError{errUnprocessable, "kind must be backup or export"}
	}
	if p.err != nil {
		return p.err
	}
	// A GET, so the who middleware skipped it: the dump is audited.
	who := audit.Who{RequestID: w.Header().Get("X-Request-Id")}
	if p := auth.FromContext(r.Context()); p != nil {
		who.Actor = p.Name
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	lw := &lazyWriter{w: w, rc: http.NewResponseController(w)}
	err := s.backups.Dump(audit.WithWho(r.Context(), who), lw, tables, kind)
	if err != nil && lw.started {
		// Too late for an error document: the cut document says it.
		s.log.Error("dump cut short", slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
		return nil
	}
	return err
}

// dumpStall bounds how long one write of a dump may wait on its reader.
// The server's write timeout bounds a whole answer, which a large
// registry's dump outgrows; a dump instead gets this much time per write,
// so a client that downloads keeps it going and one that stops reading
// ends it (and its snapshot transaction) within dumpStall.
const dumpStall = time.Minute

// lazyWriter sends the 200 status with the first byte, so an error found
// before anything is written still gets its error document; and it moves
// the connection's write deadline forward as the dump progresses.
type lazyWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.WriteHeader(http.StatusOK)
	}
	_ = l.rc.SetWriteDeadline(time.Now().Add(dumpStall)) // unsupported only under test recorders
	return l.w.Write(p)
}

// adminImport answers POST /v1/admin/import?origin=SOURCE: the body is a
// dump document of the tables backup.ImportTables names, applied in one
// transaction (see backup.Import); the answer counts, per table, the rows
// inserted, found unchanged and kept as the target had them. The body is
// bounded like every body (--max-body-bytes): accord import sends batches.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), "importing rows", auth.RoleAdmin); err != nil {
		return err
	}
	origin := r.URL.Query().Get("origin")
	if origin == "" || len(origin) > 512 {
		return &httpError{errUnprocessable, "origin (the source registry, 1 to 512 characters) is required"}
	}
	counts, err := s.backups.Import(r.Context(), r.Body, origin)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{errTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes: send fewer rows per batch (accord import --batch-rows)", s.maxBody)}
		}
		return err
	}
	s.writeJSON(w, 200, map[string]any{"tables": counts})
	return nil
}
