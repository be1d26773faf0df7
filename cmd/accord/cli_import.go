package main

// accord export / accord import: copy a Confluent-compatible registry
// (another Accord, Confluent's, or an export bundle) into Accord, keeping
// schema ids and version numbers (the target runs in IMPORT mode for the
// duration). Import is resumable: a state file records what was copied.

import (
	"bufio"
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
)

const exportUsage = `Usage: accord export [-o FILE] [flags]

Writes every live subject of the server (--url) with its versions, ids,
schemas, references, metadata and rule sets, its config and mode, and the
global config, as one JSON bundle that accord import reads.

Examples:
  accord export -o registry.json
  accord export --url https://old-registry:8081 --user admin --password "$PW" > registry.json
`

const importUsage = `Usage: accord import --from URL|file://PATH [--state FILE] [flags]

Copies subjects, versions (with their ids and version numbers),
references, metadata, rule sets, compatibility configs and modes from a
Confluent-compatible registry, or from an accord export bundle, into the
server given by --url. Versions are copied in id order, each after the
versions it references. The target's global mode is set to IMPORT (with
force) for the copy and restored at the end, also when the copy fails.

Interrupted? Run the same command again: with --state the versions
already copied are skipped; without it they are re-sent and found
unchanged. Only live versions are copied (soft-deleted ones are not);
subject-level modes are copied, the source's global mode is not (the
target keeps its own); the source's global config is copied.

A progress bar is drawn when stdout is a terminal, progress lines
otherwise.

Source credentials: --from-token or --from-user/--from-password (env
ACCORD_FROM_TOKEN, ACCORD_FROM_USER, ACCORD_FROM_PASSWORD).

Examples:
  accord import --from http://old-registry:8081 --url http://accord:8081 --state import.state
  accord import --from file://./registry.json --state import.state
`

// bundleFormat names the export format.
const bundleFormat = "accord-export/1"

// bundle is an export: what import copies.
type bundle struct {
	Format     string          `json:"format"`
	Source     string          `json:"source,omitempty"`
	ExportedAt time.Time       `json:"exportedAt"`
	Config     map[string]any  `json:"config,omitempty"` // the global config
	Mode       string          `json:"mode,omitempty"`   // the global mode (informative)
	Subjects   []bundleSubject `json:"subjects"`
}

type bundleSubject struct {
	Subject  string         `json:"subject"`
	Config   map[string]any `json:"config,omitempty"`
	Mode     string         `json:"mode,omitempty"`
	Versions []versionDoc   `json:"versions"`
}

// fetchBundle reads a registry through the Confluent API.
func fetchBundle(ctx context.Context, cl *client, progress io.Writer) (*bundle, error) {
	b := &bundle{Format: bundleFormat, Source: cl.base, ExportedAt: time.Now().UTC()}
	if _, err := cl.do(ctx, "GET", "/config", nil, &b.Config); err != nil {
		return nil, fmt.Errorf("reading the global config: %w", err)
	}
	var m struct {
		Mode string `json:"mode"`
	}
	if _, err := cl.do(ctx, "GET", "/mode", nil, &m); err == nil {
		b.Mode = m.Mode
	} else if !isStatus(err, 404) {
		return nil, fmt.Errorf("reading the global mode: %w", err)
	}
	var subjects []string
	if _, err := cl.do(ctx, "GET", "/subjects", nil, &subjects); err != nil {
		return nil, fmt.Errorf("listing subjects: %w", err)
	}
	sort.Strings(subjects)
	for i, s := range subjects {
		bs := bundleSubject{Subject: s}
		p := pathEscape(s)
		var versions []int
		if _, err := cl.do(ctx, "GET", "/subjects/"+p+"/versions", nil, &versions); err != nil {
			if isStatus(err, 404) {
				continue // deleted meanwhile
			}
			return nil, fmt.Errorf("listing versions of %s: %w", s, err)
		}
		for _, v := range versions {
			var vd versionDoc
			if _, err := cl.do(ctx, "GET", fmt.Sprintf("/subjects/%s/versions/%d", p, v), nil, &vd); err != nil {
				return nil, fmt.Errorf("reading %s version %d: %w", s, v, err)
			}
			vd.Subject = s
			bs.Versions = append(bs.Versions, vd)
		}
		if _, err := cl.do(ctx, "GET", "/config/"+p, nil, &bs.Config); err != nil && !isStatus(err, 404) {
			return nil, fmt.Errorf("reading the config of %s: %w", s, err)
		}
		var sm struct {
			Mode string `json:"mode"`
		}
		if _, err := cl.do(ctx, "GET", "/mode/"+p, nil, &sm); err == nil {
			bs.Mode = sm.Mode
		} else if !isStatus(err, 404) {
			return nil, fmt.Errorf("reading the mode of %s: %w", s, err)
		}
		b.Subjects = append(b.Subjects, bs)
		if progress != nil {
			fmt.Fprintf(progress, "read %d/%d subjects (%s)\n", i+1, len(subjects), s)
		}
	}
	return b, nil
}

func cliExport(args []string) int {
	fs := newFlagSet("export", exportUsage)
	var cf clientFlags
	cf.register(fs)
	out := fs.String("o", "", "write the bundle to FILE (default: stdout)")
	pos, code, done := parseVerb(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		fs.Usage()
		return exitCode("export", usageErr("unexpected argument %q", pos[0]))
	}
	cl, err := cf.resolve()
	if err != nil {
		return exitCode("export", err)
	}
	var progress io.Writer
	if *out != "" {
		progress = os.Stderr
	}
	b, err := fetchBundle(context.Background(), cl, progress)
	if err != nil {
		return exitCode("export", err)
	}
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return exitCode("export", err)
	}
	raw = append(raw, '\n')
	if *out == "" {
		_, err = os.Stdout.Write(raw)
	} else {
		err = writeFileAtomic(*out, raw)
	}
	if err != nil {
		return exitCode("export", usageErr("writing the bundle: %w", err))
	}
	if *out != "" {
		fmt.Fprintf(os.Stderr, "exported %d subjects to %s\n", len(b.Subjects), *out)
	}
	return exitOK
}

func writeFileAtomic(path string, raw []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadSource reads the source: a registry URL or an export bundle.
func loadSource(ctx context.Context, from string, cf clientFlags, progress io.Writer) (*bundle, error) {
	u, err := url.Parse(from)
	if err != nil {
		return nil, usageErr("--from %q: %w", from, err)
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		src := clientFlags{url: from, output: "text", config: os.DevNull,
			token: firstOf(cf.token, os.Getenv("ACCORD_FROM_TOKEN")), user: firstOf(cf.user, os.Getenv("ACCORD_FROM_USER")),
			password: firstOf(cf.password, os.Getenv("ACCORD_FROM_PASSWORD"))}
		cl, err := src.resolve()
		if err != nil {
			return nil, err
		}
		// The target's environment credentials must not leak to the source.
		cl.token, cl.user, cl.password = src.token, src.user, src.password
		return fetchBundle(ctx, cl, progress)
	}
	path := from
	if u.Scheme == "file" {
		path = strings.TrimPrefix(from, "file://")
	} else if u.Scheme != "" && len(u.Scheme) > 1 {
		return nil, usageErr("--from %q: want http(s)://... or file://PATH", from)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "accord-export.json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("reading the bundle: %w", err)
	}
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, usageErr("bundle %s: %w", path, err)
	}
	if b.Format != bundleFormat {
		return nil, usageErr("bundle %s: format %q, want %q", path, b.Format, bundleFormat)
	}
	return &b, nil
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
// step done, appended as they complete (so an interruption loses at most
// the line being written).
type importState struct {
	path       string
	f          *os.File
	ModeBefore string          `json:"modeBefore"` // the target's global mode before the first run
	done       map[string]bool // subject@version, "config:subject", "mode:subject", "config:"
}

type stateLine struct {
	ModeBefore *string `json:"modeBefore,omitempty"`
	Done       string  `json:"done,omitempty"`
	ID         int64   `json:"id,omitempty"`
}

func openState(path string) (*importState, error) {
	st := &importState{path: path, done: map[string]bool{}}
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
			if l.Done != "" {
				st.done[l.Done] = true
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
	if l.Done != "" {
		st.done[l.Done] = true
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

func cliImport(args []string) int {
	fs := newFlagSet("import", importUsage)
	var cf clientFlags
	cf.register(fs)
	from := fs.String("from", "", "source: a registry URL (http(s)://...) or an export bundle (file://PATH)")
	statePath := fs.String("state", "", "state file recording progress, to resume an interrupted import")
	var src clientFlags
	fs.StringVar(&src.token, "from-token", "", "source API token (env ACCORD_FROM_TOKEN)")
	fs.StringVar(&src.user, "from-user", "", "source HTTP Basic user (env ACCORD_FROM_USER)")
	fs.StringVar(&src.password, "from-password", "", "source HTTP Basic password (env ACCORD_FROM_PASSWORD)")
	pos, code, done := parseVerb(fs, args)
	if done {
		return code
	}
	if *from == "" || len(pos) > 0 {
		fs.Usage()
		return exitCode("import", usageErr("want --from URL|file://PATH and no other argument"))
	}
	cl, err := cf.resolve()
	if err != nil {
		return exitCode("import", err)
	}
	if err := runImport(context.Background(), cl, *from, src, *statePath); err != nil {
		return exitCode("import", err)
	}
	return exitOK
}

func runImport(ctx context.Context, cl *client, from string, srcFlags clientFlags, statePath string) (err error) {
	tty := term.IsTerminal(int(os.Stdout.Fd()))
	var readProgress io.Writer
	if !tty {
		readProgress = os.Stdout
	}
	b, err := loadSource(ctx, from, srcFlags, readProgress)
	if err != nil {
		return err
	}
	st, err := openState(statePath)
	if err != nil {
		return err
	}
	defer st.close()

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
	}
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
	}()

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
	bar := &progressBar{w: os.Stdout, tty: tty, total: len(items)}
	copied, skipped := 0, 0
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
			return fmt.Errorf("copying %s version %d (id %d): %w", v.Subject, v.Version, v.ID, err)
		}
		if out.ID != v.ID {
			return fmt.Errorf("copying %s version %d: the target gave id %d, not %d", v.Subject, v.Version, out.ID, v.ID)
		}
		copied++
		bar.step(fmt.Sprintf("%s v%d id %d", v.Subject, v.Version, v.ID))
		return st.record(stateLine{Done: key, ID: v.ID})
	}
	for _, v := range items {
		if st.done[versionKey(v.Subject, v.Version)] {
			skipped++
			bar.step(fmt.Sprintf("%s v%d (done earlier)", v.Subject, v.Version))
			continue
		}
		if err := copyOne(v, 0); err != nil {
			return err
		}
	}

	// Configs, then modes: a READONLY mode copied earlier would have
	// refused the versions.
	nConfigs, nModes := 0, 0
	if len(b.Config) > 0 && !st.done["config:"] {
		if err := putConfig(ctx, cl, "", b.Config); err != nil {
			return err
		}
		nConfigs++
		if err := st.record(stateLine{Done: "config:"}); err != nil {
			return err
		}
	}
	for _, s := range b.Subjects {
		if len(s.Config) > 0 && !st.done["config:"+s.Subject] {
			if err := putConfig(ctx, cl, s.Subject, s.Config); err != nil {
				return err
			}
			nConfigs++
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
			nModes++
			if err := st.record(stateLine{Done: "mode:" + s.Subject}); err != nil {
				return err
			}
		}
	}
	fmt.Printf("imported %d subjects: %d versions copied, %d already done, %d configs, %d modes; target mode restored to %s\n",
		len(b.Subjects), copied, skipped, nConfigs, nModes, st.ModeBefore)
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
