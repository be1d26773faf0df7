package cli

// accord export / accord import: copy a Confluent-compatible registry
// (another Accord, Confluent's, or an export bundle) into Accord, keeping
// schema ids and version numbers (the target runs in IMPORT mode for the
// duration). Import is resumable: a state file records what was copied.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/accord/accord/backup"
)

const exportUsage = `Usage: accord export [-o FILE] [--schemas-only] [flags]

Writes the server (--url) as one export document (docs/backup.md) that
accord import reads: every live subject with its versions, ids, schemas,
references, metadata and rule sets, its config and mode, the global
config and, from an Accord server, its streams (contracts with their
review, lint and validation settings, ownership transfers, claims),
lineage edges, principals with their password hashes, tokens with their
hashes, proposals and the audit log (GET /v1/admin/dump: the --url
credentials must be an admin's, and the read is audited). The file holds
credential hashes: keep it as you keep the database.

Examples:
  accord export -o registry.export
  accord export --url https://old-registry:8081 --user admin --password "$PW" > registry.export
  accord export --url https://confluent:8081 --schemas-only -o registry.export
`

const importUsage = `Usage: accord import --from URL|file://PATH [--state FILE] [flags]
       accord import --undo --state FILE [flags]

Copies a registry (a Confluent-compatible one, or an Accord) or an export
file into the Accord server given by --url (whose credentials must be an
admin's). Subjects and versions keep their ids and version numbers: the
target's global mode is IMPORT (set with force) while versions, configs
and modes are copied through the registry API, each version after those
it references, and is restored at the end, also when the copy fails.
Then Accord's other tables (streams, lineage, principals with their
password hashes, tokens, proposals, the audit log) are sent in batches to
POST /v1/admin/import: rows the target already holds identically are
skipped, a principal or lineage edge it holds differently is kept as the
target has it, any other difference stops the import (exit 1). Audit
entries are appended in their original order with new ids, marked with
the source and their original id (origin, originId in GET /v1/audit).

Interrupted (even by kill -9, which leaves the target in IMPORT mode)?
Run the same command again with the same --state: steps already done are
skipped, the rest is done, and the target's original mode is restored.
Every step is idempotent, so a step done but not yet recorded is found
unchanged. Stopped by a conflict? The error says what was imported, what
stopped it and how to go on. --undo --state FILE deletes the versions,
subject configs and modes the import recorded and restores the target's
mode; rows (principals, streams, audit entries) stay: to go back
entirely, restore the backup taken before the import (accord backup).

Only live versions are copied (soft-deleted ones, and schemas of no
version, are not; accord backup keeps them); the source's global mode is
not copied (the target keeps its own), its global config is.

A progress bar is drawn when stdout is a terminal, progress lines
otherwise.

Source credentials: --from-token or --from-user/--from-password (env
ACCORD_FROM_TOKEN, ACCORD_FROM_USER, ACCORD_FROM_PASSWORD).

Examples:
  accord import --from http://old-registry:8081 --url http://accord:8081 --state import.state
  accord import --from file://./registry.export --state import.state
  accord import --undo --state import.state
`

// legacyBundleFormat names the export format of earlier versions (one
// JSON document of subjects), still read by import.
const legacyBundleFormat = "accord-export/1"

// bundle is what import copies through the registry API: the global
// config and the subjects. Accord's other tables travel as rows, read
// from the export file in a second pass (see importRows).
type bundle struct {
	Format   string          `json:"format"`
	Config   map[string]any  `json:"config,omitempty"` // the global config
	Subjects []bundleSubject `json:"subjects"`

	origin string           // where the export was read from: imported audit entries name it
	rows   map[string]int64 // rows per table in the export
}

type bundleSubject struct {
	Subject  string         `json:"subject"`
	Config   map[string]any `json:"config,omitempty"`
	Mode     string         `json:"mode,omitempty"`
	Versions []versionDoc   `json:"versions"`
}

// writeExport writes the export document of the registry behind cl to w:
// the global config and every live subject through the Confluent API
// (so any Confluent-compatible registry can be the source), then, from an
// Accord source and unless schemasOnly, the rows of Accord's other tables
// (streams, lineage, principals with password and token hashes,
// proposals, the audit log) from GET /v1/admin/dump (admins only).
// Subjects are written as they are read, never all held in memory.
func writeExport(ctx context.Context, cl *client, out io.Writer, schemasOnly bool, progress io.Writer) (backup.Trailer, error) {
	w, err := backup.NewWriter(out, backup.Header{Kind: backup.KindExport, Source: cl.base})
	if err != nil {
		return backup.Trailer{}, err
	}
	var cfg map[string]any
	if _, err := cl.do(ctx, "GET", "/config", nil, &cfg); err != nil {
		return backup.Trailer{}, fmt.Errorf("reading the global config: %w", err)
	}
	if err := w.Config(cfg); err != nil {
		return backup.Trailer{}, err
	}
	var subjects []string
	if _, err := cl.do(ctx, "GET", "/subjects", nil, &subjects); err != nil {
		return backup.Trailer{}, fmt.Errorf("listing subjects: %w", err)
	}
	sort.Strings(subjects)
	nSubjects := 0
	for i, s := range subjects {
		bs := bundleSubject{Subject: s}
		p := pathEscape(s)
		var versions []int
		if _, err := cl.do(ctx, "GET", "/subjects/"+p+"/versions", nil, &versions); err != nil {
			if isStatus(err, 404) {
				continue // deleted meanwhile
			}
			return backup.Trailer{}, fmt.Errorf("listing versions of %s: %w", s, err)
		}
		for _, v := range versions {
			var vd versionDoc
			if _, err := cl.do(ctx, "GET", fmt.Sprintf("/subjects/%s/versions/%d", p, v), nil, &vd); err != nil {
				return backup.Trailer{}, fmt.Errorf("reading %s version %d: %w", s, v, err)
			}
			vd.Subject = s
			bs.Versions = append(bs.Versions, vd)
		}
		if _, err := cl.do(ctx, "GET", "/config/"+p, nil, &bs.Config); err != nil && !isStatus(err, 404) {
			return backup.Trailer{}, fmt.Errorf("reading the config of %s: %w", s, err)
		}
		var sm struct {
			Mode string `json:"mode"`
		}
		if _, err := cl.do(ctx, "GET", "/mode/"+p, nil, &sm); err == nil {
			bs.Mode = sm.Mode
		} else if !isStatus(err, 404) {
			return backup.Trailer{}, fmt.Errorf("reading the mode of %s: %w", s, err)
		}
		if err := w.Subject(bs); err != nil {
			return backup.Trailer{}, err
		}
		nSubjects++
		if progress != nil {
			fmt.Fprintf(progress, "read %d/%d subjects (%s)\n", i+1, len(subjects), s)
		}
	}
	tables, rows := 0, int64(0)
	if !schemasOnly {
		var err error
		if tables, rows, err = copyAccordRows(ctx, cl, w, progress); err != nil {
			return backup.Trailer{}, err
		}
	}
	if err := w.Close(); err != nil {
		return backup.Trailer{}, err
	}
	return backup.Trailer{Tables: tables, Rows: rows, Subjects: nSubjects}, nil
}

// copyAccordRows copies the source's GET /v1/admin/dump of the tables
// import moves as rows into w. A source without the endpoint (not
// Accord) has none: only its schemas, configs and modes are exported.
func copyAccordRows(ctx context.Context, cl *client, w *backup.Writer, progress io.Writer) (int, int64, error) {
	resp, err := cl.raw(ctx, "GET", "/v1/admin/dump?kind=export&tables="+strings.Join(backup.ImportTables(), ","), "", nil)
	if isStatus(err, 404) {
		if progress != nil {
			fmt.Fprintln(progress, "the source has no /v1/admin/dump (not Accord): exporting schemas, configs and modes only")
		}
		return 0, 0, nil
	}
	if isStatus(err, 403) || isStatus(err, 401) {
		return 0, 0, usageErr("exporting streams, lineage, principals, proposals and the audit log needs an admin of the source (or --schemas-only): %w", err)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("reading the source's tables: %w", err)
	}
	defer resp.Body.Close()
	rd, err := backup.NewReader(resp.Body)
	if err != nil {
		return 0, 0, fmt.Errorf("reading the source's tables: %w", err)
	}
	tables, rows := 0, int64(0)
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("reading the source's tables: %w", err)
		}
		switch {
		case rec.Table != nil:
			tables++
			err = w.Table(rec.Table.Name, rec.Table.Columns)
		case rec.Row != nil:
			rows++
			err = w.Row(rec.Row)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if progress != nil {
		fmt.Fprintf(progress, "read %d rows of %d tables (streams, lineage, principals, proposals, audit)\n", rows, tables)
	}
	return tables, rows, nil
}

func (r *runner) export(ctx context.Context, args []string) int {
	fs := r.newFlagSet("export", exportUsage)
	var cf clientFlags
	cf.register(fs)
	out := fs.String("o", "", "write the export to FILE (default: stdout)")
	schemasOnly := fs.Bool("schemas-only", false, "export only what the Confluent API shows (subjects, configs, modes)")
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		fs.Usage()
		return r.exit("export", usageErr("unexpected argument %q", pos[0]))
	}
	cl, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("export", err)
	}
	if *out == "" {
		if _, err := writeExport(ctx, cl, r.stdout, *schemasOnly, nil); err != nil {
			return r.exit("export", err)
		}
		return exitOK
	}
	var end backup.Trailer
	err = writeAtomically(*out, func(w io.Writer) error {
		var err error
		end, err = writeExport(ctx, cl, w, *schemasOnly, r.stderr)
		return err
	})
	if err != nil {
		return r.exit("export", err)
	}
	fmt.Fprintf(r.stderr, "exported %d subjects and %d rows of %d tables to %s\n", end.Subjects, end.Rows, end.Tables, *out)
	return exitOK
}

// loadSource makes the source a file: an export file as given, or a
// registry exported to a temporary file (removed by cleanup).
func (r *runner) loadSource(ctx context.Context, from string, cf clientFlags, progress io.Writer) (path string, cleanup func(), err error) {
	u, err := url.Parse(from)
	if err != nil {
		return "", nil, usageErr("--from %q: %w", from, err)
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		src := clientFlags{url: from, output: "text", config: os.DevNull,
			token: firstOf(cf.token, r.getenv("ACCORD_FROM_TOKEN")), user: firstOf(cf.user, r.getenv("ACCORD_FROM_USER")),
			password: firstOf(cf.password, r.getenv("ACCORD_FROM_PASSWORD"))}
		cl, err := src.resolve(r.getenv)
		if err != nil {
			return "", nil, err
		}
		// The target's environment credentials must not leak to the source.
		cl.token, cl.user, cl.password = src.token, src.user, src.password
		f, err := os.CreateTemp("", "accord-import-*.export")
		if err != nil {
			return "", nil, usageErr("spooling the source: %w", err)
		}
		cleanup := func() { os.Remove(f.Name()) }
		_, err = writeExport(ctx, cl, f, false, progress)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return "", nil, err
		}
		return f.Name(), cleanup, nil
	}
	path = from
	if u.Scheme == "file" {
		path = strings.TrimPrefix(from, "file://")
	} else if u.Scheme != "" && len(u.Scheme) > 1 {
		return "", nil, usageErr("--from %q: want http(s)://... or file://PATH", from)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "accord-export.json")
	}
	if _, err := os.Stat(path); err != nil {
		return "", nil, usageErr("reading the export: %w", err)
	}
	return path, func() {}, nil
}

// readBundle reads the subjects and global config of an export file (a
// dump document, or the legacy single-document bundle), counting the
// rows it carries for the second pass.
func readBundle(path string) (*bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("reading the export: %w", err)
	}
	defer f.Close()
	rd, err := backup.NewReader(f)
	if err != nil {
		// Perhaps the legacy format: one JSON document.
		raw, rerr := os.ReadFile(path)
		var b bundle
		if rerr == nil && json.Unmarshal(raw, &b) == nil && b.Format == legacyBundleFormat {
			b.origin = "file://" + path
			return &b, nil
		}
		return nil, usageErr("export %s: %w", path, err)
	}
	if rd.Header.Kind != backup.KindExport {
		return nil, usageErr("export %s: a %s document; restore a backup with accord restore", path, rd.Header.Kind)
	}
	b := &bundle{Format: rd.Header.Format, origin: firstOf(rd.Header.Source, "file://"+path), rows: map[string]int64{}}
	table := ""
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, usageErr("export %s: %w", path, err)
		}
		switch {
		case rec.Config != nil:
			if err := json.Unmarshal(rec.Config, &b.Config); err != nil {
				return nil, usageErr("export %s: the global config: %w", path, err)
			}
		case rec.Subject != nil:
			var bs bundleSubject
			if err := json.Unmarshal(rec.Subject, &bs); err != nil {
				return nil, usageErr("export %s: a subject: %w", path, err)
			}
			b.Subjects = append(b.Subjects, bs)
		case rec.Table != nil:
			table = rec.Table.Name
		case rec.Row != nil:
			b.rows[table]++
		}
	}
	return b, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// importState is the --state file: a header line, then one line per
// step done, appended as each completes on the target (so an
// interruption loses at most the line being written, and the step it
// names is found done on the target when redone).
type importState struct {
	path       string
	f          *os.File
	ModeBefore string           `json:"modeBefore"` // the target's global mode before the first run
	done       map[string]bool  // subject@version, "config:subject", "mode:subject", "config:"
	order      []string         // done, in the order done (for --undo)
	rows       map[string]int64 // table -> rows of the export sent and committed
}

type stateLine struct {
	ModeBefore *string `json:"modeBefore,omitempty"`
	Done       string  `json:"done,omitempty"`
	ID         int64   `json:"id,omitempty"`
	Table      string  `json:"table,omitempty"` // with Rows: that many rows of the table are imported
	Rows       int64   `json:"rows,omitempty"`
}

func openState(path string) (*importState, error) {
	st := &importState{path: path, done: map[string]bool{}, rows: map[string]int64{}}
	if path == "" {
		return st, nil
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l stateLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue // a line cut short by an interruption
			}
			if l.ModeBefore != nil {
				st.ModeBefore = *l.ModeBefore
			}
			if l.Done != "" && !st.done[l.Done] {
				st.done[l.Done] = true
				st.order = append(st.order, l.Done)
			}
			if l.Table != "" {
				st.rows[l.Table] = max(st.rows[l.Table], l.Rows)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, usageErr("reading --state %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, usageErr("reading --state: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, usageErr("opening --state: %w", err)
	}
	st.f = f
	return st, nil
}

func (st *importState) record(l stateLine) error {
	if l.Done != "" && !st.done[l.Done] {
		st.done[l.Done] = true
		st.order = append(st.order, l.Done)
	}
	if l.Table != "" {
		st.rows[l.Table] = l.Rows
	}
	if st.f == nil {
		return nil
	}
	raw, _ := json.Marshal(l)
	if _, err := st.f.Write(append(raw, '\n')); err != nil {
		return fmt.Errorf("writing --state: %w", err)
	}
	return nil
}

func (st *importState) close() {
	if st.f != nil {
		st.f.Close()
	}
}

// progressBar draws a bar on a terminal and plain lines otherwise.
type progressBar struct {
	w     io.Writer
	tty   bool
	total int
	n     int
	last  time.Time
}

func (p *progressBar) step(label string) {
	p.n++
	if p.tty {
		if p.n != p.total && time.Since(p.last) < 100*time.Millisecond {
			return
		}
		p.last = time.Now()
		const width = 30
		fill := width
		if p.total > 0 {
			fill = p.n * width / p.total
		}
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d %-40.40s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), p.n, p.total, label)
		if p.n == p.total {
			fmt.Fprintln(p.w)
		}
		return
	}
	// About twenty lines for a large import; every step for a small one.
	if every := max(1, p.total/20); p.n%every == 0 || p.n == p.total {
		fmt.Fprintf(p.w, "progress: %d/%d versions (%s)\n", p.n, p.total, label)
	}
}

func (r *runner) importCmd(ctx context.Context, args []string) int {
	fs := r.newFlagSet("import", importUsage)
	var cf clientFlags
	cf.register(fs)
	from := fs.String("from", "", "source: a registry URL (http(s)://...) or an export file (file://PATH)")
	statePath := fs.String("state", "", "state file recording progress, to resume an interrupted import (or to --undo it)")
	batchRows := fs.Int("batch-rows", 500, "rows per POST /v1/admin/import (1 to 10000; each batch is one transaction)")
	undo := fs.Bool("undo", false, "delete what the import recorded in --state (versions, subject configs and modes)")
	var src clientFlags
	fs.StringVar(&src.token, "from-token", "", "source API token (env ACCORD_FROM_TOKEN)")
	fs.StringVar(&src.user, "from-user", "", "source HTTP Basic user (env ACCORD_FROM_USER)")
	fs.StringVar(&src.password, "from-password", "", "source HTTP Basic password (env ACCORD_FROM_PASSWORD)")
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	if *undo {
		if *statePath == "" || *from != "" || len(pos) > 0 {
			fs.Usage()
			return r.exit("import", usageErr("--undo wants --state FILE and no --from"))
		}
		cl, err := cf.resolve(r.getenv)
		if err != nil {
			return r.exit("import", err)
		}
		if err := r.undoImport(ctx, cl, *statePath); err != nil {
			return r.exit("import", err)
		}
		return exitOK
	}
	if *from == "" || len(pos) > 0 {
		fs.Usage()
		return r.exit("import", usageErr("want --from URL|file://PATH and no other argument"))
	}
	if *batchRows < 1 || *batchRows > 10000 {
		return r.exit("import", usageErr("--batch-rows %d: want 1 to 10000", *batchRows))
	}
	cl, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("import", err)
	}
	if err := r.runImport(ctx, cl, *from, src, *statePath, *batchRows); err != nil {
		return r.exit("import", err)
	}
	return exitOK
}

// importReport is what an import did, for its last line and, when it
// stops, for saying what is on the target and how to go on.
type importReport struct {
	copied, skipped  int    // versions
	last             string // the last version copied
	configs, modes   int
	rows             map[string]*backup.Counts
	statePath, from  string
	targetModeBefore string
}

func (r *importReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d versions copied (%d done earlier)", r.copied, r.skipped)
	if r.last != "" {
		fmt.Fprintf(&b, ", the last %s", r.last)
	}
	fmt.Fprintf(&b, ", %d configs, %d modes", r.configs, r.modes)
	for _, t := range backup.Tables(r.rows) {
		c := r.rows[t]
		fmt.Fprintf(&b, ", %s %d new", t, c.Inserted)
		if c.Unchanged > 0 {
			fmt.Fprintf(&b, " (+%d already there)", c.Unchanged)
		}
		if c.Kept > 0 {
			fmt.Fprintf(&b, " (%d kept as the target had them)", c.Kept)
		}
	}
	return b.String()
}

// stopped explains an import that failed midway.
func (r *importReport) stopped(err error) error {
	how := "resume: fix the cause and run the same command again; without --state every step is re-sent and found done"
	undo := "undo: restore the backup taken before the import (accord restore), or delete the copied versions by hand"
	if r.statePath != "" {
		how = fmt.Sprintf("resume: fix the cause and run the same command again (accord import --from %s --state %s): steps done are skipped", r.from, r.statePath)
		undo = fmt.Sprintf("undo: accord import --undo --state %s (deletes the copied versions, configs and modes; imported rows stay)", r.statePath)
	}
	var ce *backup.ConflictError
	if errors.As(err, &ce) || isStatus(err, 409) {
		how = "the target already holds something else under the same id or name; " + how
	}
	return fmt.Errorf("%w\nimported before stopping: %s; the target's mode is back to %s\n%s\n%s", err, r, r.targetModeBefore, how, undo)
}

func (r *runner) runImport(ctx context.Context, cl *client, from string, srcFlags clientFlags, statePath string, batchRows int) (err error) {
	f, isFile := r.stdout.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	var readProgress io.Writer
	if !tty {
		readProgress = r.stdout
	}
	path, cleanup, err := r.loadSource(ctx, from, srcFlags, readProgress)
	if err != nil {
		return err
	}
	defer cleanup()
	b, err := readBundle(path)
	if err != nil {
		return err
	}
	st, err := openState(statePath)
	if err != nil {
		return err
	}
	defer st.close()
	rep := &importReport{rows: map[string]*backup.Counts{}, statePath: statePath, from: from}

	// The target's mode before the first run: a resumed run finds IMPORT,
	// set by the interrupted one, and must restore the original instead.
	if st.ModeBefore == "" {
		var m struct {
			Mode string `json:"mode"`
		}
		if _, err := cl.do(ctx, "GET", "/mode", nil, &m); err != nil {
			return fmt.Errorf("reading the target's mode: %w", err)
		}
		st.ModeBefore = m.Mode
		if err := st.record(stateLine{ModeBefore: &m.Mode}); err != nil {
			return err
		}
		if m.Mode == "IMPORT" {
			fmt.Fprintln(r.stderr, "accord import: warning: the target is already in IMPORT mode (an import interrupted without --state?); "+
				"it is left in IMPORT mode at the end: set its mode (PUT /mode) once every import is done")
		}
	}
	rep.targetModeBefore = st.ModeBefore
	if _, err := cl.do(ctx, "PUT", "/mode?force=true", map[string]string{"mode": "IMPORT"}, nil); err != nil {
		return fmt.Errorf("setting the target to IMPORT mode: %w", err)
	}
	defer func() {
		// Restored also on failure: a target left in IMPORT mode would
		// accept writes with caller-chosen ids.
		_, rerr := cl.do(ctx, "PUT", "/mode?force=true", map[string]string{"mode": st.ModeBefore}, nil)
		if rerr != nil {
			err = errors.Join(err, fmt.Errorf("restoring the target's mode %s: %w", st.ModeBefore, rerr))
		}
		if err != nil {
			err = rep.stopped(err)
		}
	}()

	if err := r.copyVersions(ctx, cl, b, st, rep, tty); err != nil {
		return err
	}
	// Configs, then modes: a READONLY mode copied earlier would have
	// refused the versions.
	if len(b.Config) > 0 && !st.done["config:"] {
		if err := putConfig(ctx, cl, "", b.Config); err != nil {
			return err
		}
		rep.configs++
		if err := st.record(stateLine{Done: "config:"}); err != nil {
			return err
		}
	}
	for _, s := range b.Subjects {
		if len(s.Config) > 0 && !st.done["config:"+s.Subject] {
			if err := putConfig(ctx, cl, s.Subject, s.Config); err != nil {
				return err
			}
			rep.configs++
			if err := st.record(stateLine{Done: "config:" + s.Subject}); err != nil {
				return err
			}
		}
	}
	for _, s := range b.Subjects {
		if s.Mode != "" && !st.done["mode:"+s.Subject] {
			if _, err := cl.do(ctx, "PUT", "/mode/"+pathEscape(s.Subject)+"?force=true", map[string]string{"mode": s.Mode}, nil); err != nil {
				return fmt.Errorf("setting the mode of %s: %w", s.Subject, err)
			}
			rep.modes++
			if err := st.record(stateLine{Done: "mode:" + s.Subject}); err != nil {
				return err
			}
		}
	}
	if len(b.rows) > 0 {
		if err := r.importRows(ctx, cl, path, b.origin, st, rep, tty, batchRows); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.stdout, "imported %d subjects: %s; target mode restored to %s\n", len(b.Subjects), rep, st.ModeBefore)
	return nil
}

// copyVersions registers every version of b on the target with its id
// and version number, references first, recording each in st.
func (r *runner) copyVersions(ctx context.Context, cl *client, b *bundle, st *importState, rep *importReport, tty bool) error {
	byKey := map[string]*versionDoc{}
	var items []*versionDoc
	for i := range b.Subjects {
		for j := range b.Subjects[i].Versions {
			v := &b.Subjects[i].Versions[j]
			v.Subject = b.Subjects[i].Subject
			byKey[versionKey(v.Subject, v.Version)] = v
			items = append(items, v)
		}
	}
	sort.Slice(items, func(i, j int) bool {
		a, c := items[i], items[j]
		if a.ID != c.ID {
			return a.ID < c.ID
		}
		if a.Subject != c.Subject {
			return a.Subject < c.Subject
		}
		return a.Version < c.Version
	})
	bar := &progressBar{w: r.stdout, tty: tty, total: len(items)}
	var copyOne func(v *versionDoc, depth int) error
	copyOne = func(v *versionDoc, depth int) error {
		key := versionKey(v.Subject, v.Version)
		if st.done[key] {
			return nil
		}
		if depth > 64 {
			return fmt.Errorf("%s: references nest deeper than 64 (a cycle?)", key)
		}
		for _, r := range v.References { // references first, whatever their ids
			if dep, ok := byKey[versionKey(r.Subject, r.Version)]; ok {
				if err := copyOne(dep, depth+1); err != nil {
					return err
				}
			}
		}
		body := struct {
			schemaDoc
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		}{schemaDoc{Schema: v.Schema, SchemaType: v.schemaType(), References: v.References, Metadata: v.Metadata, RuleSet: v.RuleSet}.body(), v.ID, v.Version}
		var out struct {
			ID int64 `json:"id"`
		}
		if _, err := cl.do(ctx, "POST", "/subjects/"+pathEscape(v.Subject)+"/versions", body, &out); err != nil {
			// Already there (a rerun without --state, after the subject's
			// mode was copied as READONLY): done, not a failure.
			var have versionDoc
			if _, gerr := cl.do(ctx, "GET", fmt.Sprintf("/subjects/%s/versions/%d", pathEscape(v.Subject), v.Version), nil, &have); gerr != nil || have.ID != v.ID {
				return fmt.Errorf("copying %s version %d (id %d): %w", v.Subject, v.Version, v.ID, err)
			}
			out.ID = have.ID
		}
		if out.ID != v.ID {
			return fmt.Errorf("copying %s version %d: the target gave id %d, not %d", v.Subject, v.Version, out.ID, v.ID)
		}
		rep.copied++
		rep.last = fmt.Sprintf("%s version %d (id %d)", v.Subject, v.Version, v.ID)
		bar.step(fmt.Sprintf("%s v%d id %d", v.Subject, v.Version, v.ID))
		return st.record(stateLine{Done: key, ID: v.ID})
	}
	for _, v := range items {
		if st.done[versionKey(v.Subject, v.Version)] {
			rep.skipped++
			bar.step(fmt.Sprintf("%s v%d (done earlier)", v.Subject, v.Version))
			continue
		}
		if err := copyOne(v, 0); err != nil {
			return err
		}
	}
	return nil
}

// importBatchBytes bounds a batch sent to POST /v1/admin/import (plus
// one row), well under the server's default body limit; --batch-rows
// bounds its rows.
const importBatchBytes = 4 << 20

// importRows sends the export's rows in batches, each one transaction on
// the target, recording after each how many rows of each table are done.
func (r *runner) importRows(ctx context.Context, cl *client, path, origin string, st *importState, rep *importReport, tty bool, batchRows int) error {
	f, err := os.Open(path)
	if err != nil {
		return usageErr("reading the export: %w", err)
	}
	defer f.Close()
	rd, err := backup.NewReader(f)
	if err != nil {
		return usageErr("reading the export: %w", err)
	}
	var (
		buf     bytes.Buffer
		w       *backup.Writer
		table   string
		columns []string
		seen    = map[string]int64{} // rows of each table read so far
		pending = map[string]int64{} // table -> rows done once the batch commits
		nRows   int
		total   int64
	)
	flush := func() error {
		if w == nil || nRows == 0 {
			return nil
		}
		if err := w.Close(); err != nil {
			return err
		}
		resp, err := cl.raw(ctx, "POST", "/v1/admin/import?origin="+url.QueryEscape(origin), "application/x-ndjson", bytes.NewReader(buf.Bytes()))
		if err != nil {
			return fmt.Errorf("importing rows (%s): %w", describeBatch(pending), err)
		}
		var out struct {
			Tables map[string]*backup.Counts `json:"tables"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("importing rows: reading the answer: %w", err)
		}
		for t, c := range out.Tables {
			if rep.rows[t] == nil {
				rep.rows[t] = &backup.Counts{}
			}
			rep.rows[t].Inserted += c.Inserted
			rep.rows[t].Unchanged += c.Unchanged
			rep.rows[t].Kept += c.Kept
		}
		for t, n := range pending {
			if err := st.record(stateLine{Table: t, Rows: n}); err != nil {
				return err
			}
		}
		total += int64(nRows)
		if tty {
			fmt.Fprintf(r.stdout, "\rrows: %d imported", total)
		} else {
			fmt.Fprintf(r.stdout, "progress: %d rows imported\n", total)
		}
		buf.Reset()
		w, nRows, pending = nil, 0, map[string]int64{}
		return nil
	}
	start := func() error {
		var err error
		w, err = backup.NewWriter(&buf, backup.Header{Kind: backup.KindExport, Source: origin})
		if err == nil {
			err = w.Table(table, columns)
		}
		return err
	}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return usageErr("reading the export: %w", err)
		}
		switch {
		case rec.Table != nil:
			table, columns = rec.Table.Name, rec.Table.Columns
			if w != nil {
				if err := w.Table(table, columns); err != nil {
					return err
				}
			}
		case rec.Row != nil:
			seen[table]++
			if seen[table] <= st.rows[table] {
				continue // committed by an earlier run
			}
			if w == nil {
				if err := start(); err != nil {
					return err
				}
			}
			if err := w.Row(rec.Row); err != nil {
				return err
			}
			nRows++
			pending[table] = seen[table]
			if nRows >= batchRows || buf.Len() >= importBatchBytes {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	err = flush()
	if tty && total > 0 {
		fmt.Fprintln(r.stdout)
	}
	return err
}

func describeBatch(pending map[string]int64) string {
	var parts []string
	for t, n := range pending {
		parts = append(parts, fmt.Sprintf("%s up to row %d", t, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// undoImport restores the target's mode as it was before the import and
// deletes what the import recorded in statePath, newest first: subject
// modes and configs, then versions (soft, then for good).
func (r *runner) undoImport(ctx context.Context, cl *client, statePath string) error {
	if _, err := os.Stat(statePath); err != nil {
		return usageErr("--state: %w", err)
	}
	st, err := openState(statePath)
	if err != nil {
		return err
	}
	defer st.close()
	if _, err := cl.do(ctx, "PUT", "/mode?force=true", map[string]string{"mode": st.ModeBefore}, nil); err != nil {
		return fmt.Errorf("restoring the target's mode %s: %w", st.ModeBefore, err)
	}
	versions, configs, modes := 0, 0, 0
	var keep []string
	for i := len(st.order) - 1; i >= 0; i-- {
		key := st.order[i]
		var err error
		switch {
		case key == "config:":
			keep = append(keep, "the global config (its earlier value is unknown)")
		case strings.HasPrefix(key, "config:"):
			_, err = cl.do(ctx, "DELETE", "/config/"+pathEscape(strings.TrimPrefix(key, "config:")), nil, nil)
			configs++
		case strings.HasPrefix(key, "mode:"):
			_, err = cl.do(ctx, "DELETE", "/mode/"+pathEscape(strings.TrimPrefix(key, "mode:")), nil, nil)
			modes++
		}
		if err != nil && !isStatus(err, 404) {
			return fmt.Errorf("undoing %s: %w", key, err)
		}
	}
	for i := len(st.order) - 1; i >= 0; i-- {
		key := st.order[i]
		at := strings.LastIndexByte(key, '@')
		if strings.HasPrefix(key, "config:") || strings.HasPrefix(key, "mode:") || at < 0 {
			continue
		}
		p := "/subjects/" + pathEscape(key[:at]) + "/versions/" + key[at+1:]
		if _, err := cl.do(ctx, "DELETE", p, nil, nil); err != nil && !isStatus(err, 404) {
			return fmt.Errorf("undoing %s: %w", key, err)
		}
		if _, err := cl.do(ctx, "DELETE", p+"?permanent=true", nil, nil); err != nil && !isStatus(err, 404) {
			return fmt.Errorf("undoing %s: %w", key, err)
		}
		versions++
	}
	fmt.Fprintf(r.stdout, "undone: %d versions deleted for good, %d subject configs and %d modes removed; target mode restored to %s\n", versions, configs, modes, st.ModeBefore)
	var rows []string
	for t, n := range st.rows {
		rows = append(rows, fmt.Sprintf("%s %d", t, n))
	}
	sort.Strings(rows)
	if len(rows) > 0 {
		keep = append(keep, "imported rows ("+strings.Join(rows, ", ")+"): restore the backup taken before the import to remove them")
	}
	if len(keep) > 0 {
		fmt.Fprintf(r.stdout, "left as is: %s\n", strings.Join(keep, "; "))
	}
	return nil
}

func versionKey(subject string, version int) string { return fmt.Sprintf("%s@%d", subject, version) }

// putConfig writes a config document; when the target refuses a field
// it does not know (another registry's extension), only the level is
// copied.
func putConfig(ctx context.Context, cl *client, subject string, cfg map[string]any) error {
	path := "/config"
	if subject != "" {
		path += "/" + pathEscape(subject)
	}
	_, err := cl.do(ctx, "PUT", path, cfg, nil)
	if isStatus(err, 422) {
		if level, ok := cfg["compatibilityLevel"].(string); ok {
			_, err = cl.do(ctx, "PUT", path, map[string]string{"compatibility": level}, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("copying the config of %q: %w", subject, err)
	}
	return nil
}
