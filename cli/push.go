package cli

// accord push: register schema files, references first. Idempotent: a
// schema that already is a version of its subject is reported, not
// registered again.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

const pushUsage = `Usage: accord push FILE (--subject SUBJECT | --stream NAME [--key]) [flags]
       accord push SUBJECT=FILE [SUBJECT=FILE ...] [flags]
       accord push [FILE] -f CONTRACTS --stream NAME [--key] [flags]

Registers schema files. References come from --ref flags, and for .proto
files also from their imports: an import found as a local file (relative
to the importing file) is pushed first under a subject named like the
import, otherwise the subject of that name on the server is used.
With -f, the references (and, without FILE, the file) come from the
stream's Stream document in the contract files (see accord apply --help):
schemas they declare for referenced subjects are pushed first.
Pushing a schema that is already a version of the subject changes nothing
and says so, so push is safe to rerun.

Exit status: 0 registered (or already there), 1 refused by the server
(incompatible, lint error, forbidden), 2 usage (e.g. a --stream that does
not exist), file or connection errors.

Examples:
  accord push schemas/orders.avsc --stream orders
  accord push schemas/orders-key.avsc --stream orders --key
  accord push payment.proto --subject payments-value          # pushes ./money.proto first if imported
  accord push payment.proto --subject payments-value --ref money.proto=money.proto:3
  accord push orders-value=orders.avsc customers-value=customers.avsc --output json
  accord push -f contracts/ --stream orders     # orders' valueSchema with its references
`

// pushResult is one registration, as `--output json` prints it.
type pushResult struct {
	File    string   `json:"file"`
	Subject string   `json:"subject"`
	ID      int64    `json:"id"`
	Version int      `json:"version"`
	Changed bool     `json:"registered"` // false: it already was a version
	Lints   []string `json:"lints,omitempty"`
}

func (r *runner) push(ctx context.Context, args []string) int {
	fs := r.newFlagSet("push", pushUsage)
	var cf clientFlags
	cf.register(fs)
	stream := fs.String("stream", "", "register under the stream's value subject (key subject with --key)")
	subject := fs.String("subject", "", "subject to register under (one FILE)")
	key := fs.Bool("key", false, "with --stream: the key subject")
	typ := fs.String("type", "", "schema type: AVRO, PROTOBUF or JSON (default: from the extension)")
	var refs refFlags
	fs.Var(&refs, "ref", "reference NAME=SUBJECT[:VERSION] or NAME=@FILE (repeatable)")
	contractsPath := fs.String("f", "", "contract files (a directory or a file, as accord apply -f): the --stream's schema file and references come from its Stream document")
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	var contract *localSchema
	var deps []*localSchema
	if *contractsPath != "" {
		if *stream == "" || len(refs) > 0 || len(pos) > 1 || *typ != "" {
			return r.exit("push", usageErr("-f goes with --stream, at most one FILE and no --ref or --type (the contract declares them)"))
		}
		var err error
		if contract, deps, err = contractSchema(*contractsPath, *stream, *key); err != nil {
			return r.exit("push", err)
		}
		if len(pos) == 0 {
			pos = []string{contract.File}
		}
	}
	type job struct{ subject, file string }
	var jobs []job
	for _, p := range pos {
		if s, f, ok := strings.Cut(p, "="); ok && s != "" && f != "" {
			jobs = append(jobs, job{s, f})
		} else {
			jobs = append(jobs, job{"", p})
		}
	}
	if len(jobs) == 0 {
		fs.Usage()
		return r.exit("push", usageErr("no FILE given"))
	}
	if (*subject != "" || *stream != "") && (len(jobs) != 1 || jobs[0].subject != "") {
		return r.exit("push", usageErr("--subject and --stream take exactly one FILE (use SUBJECT=FILE for several)"))
	}
	if *subject != "" && *stream != "" {
		return r.exit("push", usageErr("give --subject or --stream, not both"))
	}
	cl, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("push", err)
	}
	if *subject != "" {
		jobs[0].subject = *subject
	}
	if *stream != "" {
		var st streamDoc
		if _, err := cl.do(ctx, "GET", "/v1/streams/"+pathEscape(*stream), nil, &st); err != nil {
			if isStatus(err, 404) {
				// Naming a stream that is not there is the caller's
				// mistake, not a refusal of the schema.
				return r.exit("push", usageErr("stream %s does not exist on %s", *stream, cl.base))
			}
			return r.exit("push", err)
		}
		jobs[0].subject = st.ValueSubjects[0]
		if *key {
			if st.KeySubject == "" {
				return r.exit("push", usageErr("stream %s has no key subject", *stream))
			}
			jobs[0].subject = st.KeySubject
		}
	}
	if contract != nil {
		results, err := pushContract(ctx, cl, jobs[0].subject, jobs[0].file, contract, deps)
		if cf.output == "json" {
			if jerr := printJSON(r.stdout, results); err == nil {
				err = jerr
			}
		} else {
			for _, p := range results {
				p.print(r.stdout)
			}
		}
		return r.exit("push", err)
	}
	var results []pushResult
	for _, j := range jobs {
		if j.subject == "" {
			return r.exit("push", usageErr("%s: which subject? use --subject, --stream or SUBJECT=FILE", j.file))
		}
		rr := &refResolver{cl: cl, push: true, seen: map[string]bool{}}
		res, err := rr.pushFile(ctx, j.subject, j.file, *typ, refs)
		results = append(results, rr.pushed...)
		if err != nil {
			if cf.output == "json" {
				_ = printJSON(r.stdout, results)
			}
			return r.exit("push", fmt.Errorf("%s: %w", j.file, err))
		}
		results = append(results, res)
		if cf.output == "text" {
			for _, p := range rr.pushed {
				p.print(r.stdout)
			}
			res.print(r.stdout)
		}
	}
	if cf.output == "json" {
		if err := printJSON(r.stdout, results); err != nil {
			return r.exit("push", err)
		}
	}
	return exitOK
}

func (p pushResult) print(w io.Writer) {
	state := "registered"
	if !p.Changed {
		state = "unchanged (already registered)"
	}
	fmt.Fprintf(w, "%s: %s version %d, id %d: %s\n", p.File, p.Subject, p.Version, p.ID, state)
	for _, l := range p.Lints {
		fmt.Fprintf(w, "    lint %s\n", l)
	}
}

// pushContract registers file under subject with the references its
// contract declares: first the schemas of deps (declared in the contract
// files, references first), each pinned to the version it got.
func pushContract(ctx context.Context, cl *client, subject, file string, contract *localSchema, deps []*localSchema) ([]pushResult, error) {
	var results []pushResult
	applied := map[string]int{}
	doc, err := readSchemaFile(file, contract.Doc.SchemaType)
	if err != nil {
		return nil, err
	}
	for _, ls := range append(deps, &localSchema{Subject: subject, File: file, Doc: doc, Refs: contract.Refs}) {
		doc := ls.Doc
		if doc.References, err = resolveRefs(ctx, cl, ls.Refs, applied); err != nil {
			return results, fmt.Errorf("%s: %w", ls.File, err)
		}
		res, err := register(ctx, cl, ls.Subject, doc)
		res.File = ls.File
		if err != nil {
			return results, fmt.Errorf("%s: %w", ls.File, err)
		}
		applied[ls.Subject] = res.Version
		results = append(results, res)
	}
	return results, nil
}

// register registers doc under subject unless it already is a version
// of it. A refusal is the server's *apiError.
func register(ctx context.Context, cl *client, subject string, doc schemaDoc) (pushResult, error) {
	res := pushResult{Subject: subject}
	var found versionDoc
	_, err := cl.do(ctx, "POST", "/subjects/"+pathEscape(subject), doc.body(), &found)
	switch {
	case err == nil:
		res.ID, res.Version = found.ID, found.Version
		return res, nil
	case isCode(err, 40401) || isCode(err, 40403): // no such subject or not yet a version
	default:
		return res, fmt.Errorf("looking up %s: %w", subject, err)
	}
	var out struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	h, err := cl.do(ctx, "POST", "/subjects/"+pathEscape(subject)+"/versions", doc.body(), &out)
	if err != nil {
		return res, fmt.Errorf("registering under %s: %w", subject, err)
	}
	res.ID, res.Version, res.Changed = out.ID, out.Version, true
	if h != nil {
		res.Lints = h.Values("X-Accord-Lint")
	}
	return res, nil
}

// refResolver turns --ref flags and proto imports into references,
// pushing local reference files first when push is set (check only looks
// them up).
type refResolver struct {
	cl     *client
	push   bool
	seen   map[string]bool // files being pushed: import cycles
	pushed []pushResult    // local references pushed, in order
}

var protoImport = regexp.MustCompile(`(?m)^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;`)

// pushFile registers file under subject, its references first.
func (rr *refResolver) pushFile(ctx context.Context, subject, file, typ string, refs refFlags) (pushResult, error) {
	abs, _ := filepath.Abs(file)
	if rr.seen[abs] {
		return pushResult{}, usageErr("%s imports itself (a cycle)", file)
	}
	rr.seen[abs] = true
	doc, err := readSchemaFile(file, typ)
	if err != nil {
		return pushResult{}, err
	}
	if doc.References, err = rr.resolve(ctx, file, doc, refs); err != nil {
		return pushResult{}, err
	}
	if !rr.push {
		return pushResult{}, nil
	}
	res, err := register(ctx, rr.cl, subject, doc)
	res.File = file
	return res, err
}

// resolve returns the references of doc (read from file): the --ref
// flags, then proto imports they do not name.
func (rr *refResolver) resolve(ctx context.Context, file string, doc schemaDoc, refs refFlags) ([]reference, error) {
	var out []reference
	named := map[string]bool{}
	for _, f := range refs {
		name, target, ok := strings.Cut(f, "=")
		if !ok || name == "" || target == "" {
			return nil, usageErr("--ref %q: want NAME=SUBJECT[:VERSION] or NAME=@FILE", f)
		}
		named[name] = true
		var ref reference
		var err error
		if path, ok := strings.CutPrefix(target, "@"); ok {
			ref, err = rr.localRef(ctx, name, path)
		} else {
			ref, err = serverRef(ctx, rr.cl, name, target)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	if doc.SchemaType != "PROTOBUF" {
		return out, nil
	}
	for _, m := range protoImport.FindAllStringSubmatch(doc.Schema, -1) {
		imp := m[1]
		if named[imp] || strings.HasPrefix(imp, "google/protobuf/") || strings.HasPrefix(imp, "confluent/") {
			continue // well-known types are built into the server
		}
		local := filepath.Join(filepath.Dir(file), filepath.FromSlash(imp))
		var ref reference
		var err error
		if _, statErr := os.Stat(local); statErr == nil {
			ref, err = rr.localRef(ctx, imp, local)
		} else {
			ref, err = serverRef(ctx, rr.cl, imp, imp)
			if isStatus(err, 404) {
				return nil, usageErr("%s imports %q: no such local file and no subject %q on the server", file, imp, imp)
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// localRef registers (push) or looks up (check) a local reference file
// under a subject named like the reference.
func (rr *refResolver) localRef(ctx context.Context, name, path string) (reference, error) {
	if !rr.push {
		doc, err := readSchemaFile(path, "")
		if err != nil {
			return reference{}, err
		}
		if doc.References, err = rr.resolve(ctx, path, doc, nil); err != nil {
			return reference{}, err
		}
		var found versionDoc
		if _, err := rr.cl.do(ctx, "POST", "/subjects/"+pathEscape(name), doc.body(), &found); err != nil {
			if isStatus(err, 404) {
				return reference{}, usageErr("reference %s (%s) is not registered under subject %s: push it first", name, path, name)
			}
			return reference{}, err
		}
		return reference{Name: name, Subject: name, Version: found.Version}, nil
	}
	res, err := rr.pushFile(ctx, name, path, "", nil)
	if err != nil {
		return reference{}, fmt.Errorf("reference %s: %w", name, err)
	}
	rr.pushed = append(rr.pushed, res)
	return reference{Name: name, Subject: name, Version: res.Version}, nil
}

// serverRef resolves SUBJECT[:VERSION] on the server; no version means
// the latest, pinned to its number.
func serverRef(ctx context.Context, cl *client, name, target string) (reference, error) {
	subject, ver := target, 0
	if i := strings.LastIndexByte(target, ':'); i > 0 && !strings.HasSuffix(target, ":") {
		if n, err := strconv.Atoi(target[i+1:]); err == nil {
			subject, ver = target[:i], n
		}
	}
	if ver > 0 {
		return reference{Name: name, Subject: subject, Version: ver}, nil
	}
	v, err := cl.latest(ctx, subject)
	if err != nil {
		return reference{}, fmt.Errorf("reference %s: subject %s: %w", name, subject, err)
	}
	return reference{Name: name, Subject: subject, Version: v.Version}, nil
}
