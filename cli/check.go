package cli

// accord check: may this schema file ship? Compatibility against the
// subject's history, the stream's event-type lints and the impact on
// consumers, as one report. The server computes everything; the CLI only
// renders the values it returns (differences, lints, impact).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
)

const checkUsage = `Usage: accord check FILE (--stream NAME [--key] | --subject SUBJECT) [--propose [--description TEXT]] [flags]
       accord check [FILE] -f CONTRACTS --stream NAME [--key] [flags]

Checks a schema file against the server without registering it:
compatibility with the subject's versions (what broke, where, why), the
stream's event-type lints, and the impact on consumers and derived
streams (who is affected). The schema type comes from the extension
(.avsc AVRO, .proto PROTOBUF, .json JSON) or --type.

References come from --ref flags and, for .proto files, their imports;
with -f, from the stream's Stream document in the contract files (see
accord apply --help), which also names the file when FILE is left out.

With --propose, a schema that may ship is proposed for review: the
server records a proposal (or finds the pending one for the same schema,
so reruns are harmless) and the command prints its id, state and link in
the web UI; reviewers approve or reject it there (or POST
/v1/proposals/{id}/approve), and approval registers it as the proposer.
A schema that already is a version of the subject has nothing to review.

Exit status: 0 it may ship (with --propose: the proposal exists, or the
schema is registered already), 1 incompatible or an error-level lint (no
proposal is made) or the server refused the proposal, 2 usage, file,
credential or connection errors.

Examples:
  accord check schemas/orders.avsc --stream orders
  accord check schemas/orders-key.avsc --stream orders --key
  accord check payment.proto --subject payments-value --ref money.proto=money.proto
  accord check -f contracts/ --stream orders    # the file and references of orders' valueSchema
  accord check schemas/orders.avsc --stream orders --propose --description "add the note field"
  ACCORD_URL=https://registry.internal ACCORD_TOKEN=acc_... accord check orders.avsc --stream orders --output json
`

// compatAnswer is POST /compatibility/...?verbose=true.
type compatAnswer struct {
	IsCompatible bool        `json:"is_compatible"`
	Messages     []string    `json:"messages,omitempty"`
	Differences  []violation `json:"differences,omitempty"`
}

// violation is compat.Violation as the API encodes it.
type violation struct {
	ID        string `json:"id"`
	Location  string `json:"location"`
	Message   string `json:"message"`
	Version   int    `json:"version"`
	Direction string `json:"direction"`
}

// lint is contracts.Lint as the API encodes it.
type lint struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Subject  string `json:"subject,omitempty"`
	Location string `json:"location"`
	Message  string `json:"message"`
}

type lintAnswer struct {
	Lints    []lint `json:"lints"`
	Blocking bool   `json:"blocking"`
}

// impact is POST /v1/streams/{name}/impact's answer: the lineage
// package's own type, so the CLI and the server cannot drift apart.
type impact = lineage.Impact

// checkReport is what `--output json` prints.
type checkReport struct {
	File       string `json:"file"`
	Subject    string `json:"subject"`
	Stream     string `json:"stream,omitempty"`
	SchemaType string `json:"schemaType"`
	// NewSubject: the subject has no version yet, nothing to be compatible with.
	NewSubject  bool        `json:"newSubject"`
	Compatible  bool        `json:"compatible"`
	Differences []violation `json:"differences"`
	Lints       []lint      `json:"lints"`
	// Impact is null when the server has no impact data for the stream.
	Impact *impact `json:"impact"`
	// Notes are things the check could not do (e.g. impact unavailable).
	Notes    []string `json:"notes,omitempty"`
	Errors   int      `json:"errors"`
	Warnings int      `json:"warnings"`
	OK       bool     `json:"ok"`
	// Proposal is the proposal --propose made or found (the server's own
	// type); ProposalURL its page in the web UI; ProposalCreated false
	// when it was already pending. AlreadyRegistered: the schema already
	// is version Version of the subject, so nothing was proposed.
	Proposal          *proposals.Proposal `json:"proposal,omitempty"`
	ProposalURL       string              `json:"proposalUrl,omitempty"`
	ProposalCreated   bool                `json:"proposalCreated,omitempty"`
	AlreadyRegistered string              `json:"alreadyRegistered,omitempty"`
}

func (r *runner) check(ctx context.Context, args []string) int {
	fs := r.newFlagSet("check", checkUsage)
	var cf clientFlags
	cf.register(fs)
	stream := fs.String("stream", "", "stream whose value subject (or key subject with --key) is checked")
	subject := fs.String("subject", "", "subject to check against (instead of, or as well as, --stream)")
	key := fs.Bool("key", false, "with --stream: check the key subject")
	typ := fs.String("type", "", "schema type: AVRO, PROTOBUF or JSON (default: from the extension)")
	var refs refFlags
	fs.Var(&refs, "ref", "reference NAME=SUBJECT[:VERSION] (repeatable; version defaults to the latest)")
	contractsPath := fs.String("f", "", "contract files (a directory or a file, as accord apply -f): the --stream's schema file and references come from its Stream document")
	propose := fs.Bool("propose", false, "if it may ship, propose it for review and print the proposal's id, state and UI link")
	description := fs.String("description", "", "with --propose: what the change is and why, for the reviewers")
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	if *description != "" && !*propose {
		return r.exit("check", usageErr("--description goes with --propose"))
	}
	var contract *localSchema
	if *contractsPath != "" {
		if *stream == "" || len(refs) > 0 || len(pos) > 1 {
			return r.exit("check", usageErr("-f goes with --stream, at most one FILE and no --ref (the contract declares the references)"))
		}
		var err error
		if contract, _, err = contractSchema(*contractsPath, *stream, *key); err != nil {
			return r.exit("check", err)
		}
		if len(pos) == 0 {
			pos = []string{contract.File}
		}
	}
	if len(pos) != 1 {
		fs.Usage()
		return r.exit("check", usageErr("want exactly one FILE, got %d", len(pos)))
	}
	if *stream == "" && *subject == "" {
		return r.exit("check", usageErr("give --stream NAME or --subject SUBJECT"))
	}
	cl, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("check", err)
	}
	rep, doc, err := runCheck(ctx, cl, pos[0], *stream, *subject, *key, *typ, refs, contract)
	if err != nil {
		return r.exit("check", err)
	}
	var proposeErr error
	if *propose && rep.OK {
		proposeErr = rep.propose(ctx, cl, doc, *description)
	}
	if cf.output == "json" {
		if err := printJSON(r.stdout, rep); err != nil {
			return r.exit("check", err)
		}
	} else {
		rep.render(r.stdout)
	}
	if proposeErr != nil {
		return r.exit("check", fmt.Errorf("proposing %s for %s: %w", rep.File, rep.Subject, proposeErr))
	}
	if !rep.OK {
		return exitFail
	}
	return exitOK
}

// proposeAnswer is POST /v1/proposals' answer.
type proposeAnswer struct {
	Proposal proposals.Proposal `json:"proposal"`
}

// propose asks the server to record doc as a proposal for the checked
// subject. The server answers 201 for a new proposal and 200 with the
// pending one of the same schema; a schema that already is a version
// (40992) is reported, not an error: what CI wanted is there.
func (r *checkReport) propose(ctx context.Context, cl *client, doc schemaDoc, description string) error {
	body := struct {
		Subject     string `json:"subject"`
		Description string `json:"description,omitempty"`
		schemaDoc
	}{r.Subject, description, doc.body()}
	rec := &statusRecorder{next: cl.http.Transport}
	c := *cl
	c.http = &http.Client{Timeout: cl.http.Timeout, Transport: rec}
	var a proposeAnswer
	_, err := c.do(ctx, "POST", "/v1/proposals", body, &a)
	switch {
	case isCode(err, 40992):
		var ae *apiError
		errors.As(err, &ae)
		r.AlreadyRegistered = ae.Message
		return nil
	case err != nil:
		return err
	}
	r.Proposal, r.ProposalCreated = &a.Proposal, rec.status == http.StatusCreated
	r.ProposalURL = fmt.Sprintf("%s/ui/proposals/%d", cl.base, a.Proposal.ID)
	return nil
}

// statusRecorder remembers the status of the last answer.
type statusRecorder struct {
	next   http.RoundTripper
	status int
}

func (s *statusRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	next := s.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err == nil {
		s.status = resp.StatusCode
	}
	return resp, err
}

// runCheck checks file and returns the report and the schema document it
// sent (references resolved), which --propose proposes as checked.
//
// contract, when not nil, is the schema's declaration in a contract file:
// its references are used (versions left out resolve to the latest).
func runCheck(ctx context.Context, cl *client, file, stream, subject string, key bool, typ string, refs refFlags, contract *localSchema) (*checkReport, schemaDoc, error) {
	if contract != nil && typ == "" {
		typ = contract.Doc.SchemaType
	}
	doc, err := readSchemaFile(file, typ)
	if err != nil {
		return nil, schemaDoc{}, err
	}
	rep := &checkReport{File: file, Stream: stream, Subject: subject, SchemaType: doc.SchemaType, Differences: []violation{}, Lints: []lint{}}
	if stream != "" {
		var st streamDoc
		if _, err := cl.do(ctx, "GET", "/v1/streams/"+pathEscape(stream), nil, &st); err != nil {
			if isStatus(err, 404) {
				return nil, schemaDoc{}, usageErr("stream %s does not exist on %s", stream, cl.base)
			}
			return nil, schemaDoc{}, err
		}
		if subject == "" {
			switch {
			case key && st.KeySubject == "":
				return nil, schemaDoc{}, usageErr("stream %s has no key subject", stream)
			case key:
				rep.Subject = st.KeySubject
			default:
				rep.Subject = st.ValueSubjects[0]
			}
		}
	}
	if contract != nil {
		if doc.References, err = resolveRefs(ctx, cl, contract.Refs, nil); err != nil {
			if isStatus(err, 404) {
				err = usageErr("%w (push or apply it first)", err)
			}
			return nil, schemaDoc{}, err
		}
	} else {
		rr := &refResolver{cl: cl, seen: map[string]bool{}} // push unset: look up, never write
		if doc.References, err = rr.resolve(ctx, file, doc, refs); err != nil {
			return nil, schemaDoc{}, err
		}
	}
	switch v, err := cl.latest(ctx, rep.Subject); {
	case err == nil:
		if rep.Stream == "" { // --subject alone: the stream it belongs to, if any
			rep.Stream = streamOfSubject(v)
		}
	case isStatus(err, 404):
		rep.NewSubject = true
	default:
		return nil, schemaDoc{}, err
	}

	var ca compatAnswer
	_, err = cl.do(ctx, "POST", "/compatibility/subjects/"+pathEscape(rep.Subject)+"/versions?verbose=true", doc.body(), &ca)
	switch {
	case isCode(err, 40401) || isCode(err, 40402): // registries that answer 404 for a new subject
		rep.NewSubject, rep.Compatible = true, true
	case err != nil:
		return nil, schemaDoc{}, fmt.Errorf("checking compatibility with %s: %w", rep.Subject, err)
	default:
		rep.Compatible = ca.IsCompatible
		if !ca.IsCompatible && len(ca.Differences) == 0 {
			// A registry that sends only Confluent's messages: keep them.
			for _, m := range ca.Messages {
				ca.Differences = append(ca.Differences, violation{ID: "INCOMPATIBLE", Message: m})
			}
		}
		rep.Differences = append(rep.Differences, ca.Differences...)
	}

	if rep.Stream != "" {
		body := struct {
			Subject string `json:"subject"`
			schemaDoc
		}{rep.Subject, doc.body()}
		var la lintAnswer
		if _, err := cl.do(ctx, "POST", "/v1/streams/"+pathEscape(rep.Stream)+"/lint", body, &la); err != nil {
			return nil, schemaDoc{}, fmt.Errorf("linting against stream %s: %w", rep.Stream, err)
		}
		rep.Lints = append(rep.Lints, la.Lints...)
		var im impact
		_, err := cl.do(ctx, "POST", "/v1/streams/"+pathEscape(rep.Stream)+"/impact", body, &im)
		switch {
		case err == nil:
			rep.Impact = &im
		case isStatus(err, 404) || isStatus(err, 405):
			// No impact data (or a server without lineage): not a failure.
		default:
			// Impact informs; it never decides whether the schema ships.
			rep.Notes = append(rep.Notes, "impact analysis unavailable: "+err.Error())
		}
	}

	rep.Errors = len(rep.Differences)
	for _, l := range rep.Lints {
		if l.Severity == "error" {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	rep.OK = rep.Errors == 0
	return rep, doc, nil
}

// render prints the report for people: a verdict, then errors and
// warnings with their locations, then who is affected.
func (r *checkReport) render(w io.Writer) {
	target := r.Subject
	if r.Stream != "" {
		target += " (stream " + r.Stream + ")"
	}
	verdict := "OK: may ship"
	if !r.OK {
		verdict = "FAIL: must not ship"
	}
	fmt.Fprintf(w, "%s: %s against %s\n", verdict, r.File, target)
	fmt.Fprintf(w, "  %s, %s", plural(r.Errors, "error"), plural(r.Warnings, "warning"))
	if r.NewSubject {
		fmt.Fprint(w, "; new subject, no earlier version to be compatible with")
	}
	fmt.Fprintln(w)

	if r.Errors > 0 {
		fmt.Fprintln(w, "\nErrors:")
		for _, d := range r.Differences {
			against := d.Direction
			if d.Version > 0 {
				against = fmt.Sprintf("%s, against version %d", d.Direction, d.Version)
			}
			fmt.Fprintf(w, "  incompatible %s at %s (%s)\n      %s\n", d.ID, orRoot(d.Location), against, d.Message)
		}
		for _, l := range r.Lints {
			if l.Severity == "error" {
				fmt.Fprintf(w, "  lint %s at %s (%s)\n      %s\n", l.ID, orRoot(l.Location), l.Subject, l.Message)
			}
		}
	}
	if r.Warnings > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, l := range r.Lints {
			if l.Severity != "error" {
				fmt.Fprintf(w, "  lint %s at %s (%s)\n      %s\n", l.ID, orRoot(l.Location), l.Subject, l.Message)
			}
		}
	}
	if r.Impact != nil && (len(r.Impact.Consumers) > 0 || len(r.Impact.DerivedStreams) > 0) {
		fmt.Fprintln(w, "\nWho is affected:")
		for _, c := range r.Impact.Consumers {
			fmt.Fprintf(w, "  consumer %s (via %s, depth %d)\n", c.Service, strings.Join(c.Via, " -> "), c.Depth)
			for _, f := range c.Fields {
				fmt.Fprintf(w, "      reads %s: %s", f.Path, string(f.Change))
				if f.From != "" || f.To != "" {
					fmt.Fprintf(w, " (%s -> %s)", orDash(f.From), orDash(f.To))
				}
				fmt.Fprintln(w)
			}
		}
		for _, d := range r.Impact.DerivedStreams {
			fmt.Fprintf(w, "  derived stream %s (via %s, depth %d)\n", d.Stream, strings.Join(d.Via, " -> "), d.Depth)
		}
	} else if r.Impact != nil {
		fmt.Fprintln(w, "\nWho is affected: no known consumer or derived stream")
	} else if r.Stream != "" {
		fmt.Fprintln(w, "\nWho is affected: no impact data for this stream")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
	switch {
	case r.Proposal != nil:
		what := "Proposed for review"
		if !r.ProposalCreated {
			what = "Already proposed"
		}
		fmt.Fprintf(w, "\n%s: proposal %d (%s) for %s by %s\n  %s\n", what, r.Proposal.ID, r.Proposal.State, r.Proposal.Subject, r.Proposal.Proposer, r.ProposalURL)
	case r.AlreadyRegistered != "":
		fmt.Fprintf(w, "\nNothing to propose: %s\n", r.AlreadyRegistered)
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func orRoot(loc string) string {
	if loc == "" {
		return "/"
	}
	return loc
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readSchemaFile reads a schema file and its type.
func readSchemaFile(path, typ string) (schemaDoc, error) {
	t, err := schemaTypeOf(path, typ)
	if err != nil {
		return schemaDoc{}, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return schemaDoc{}, usageErr("reading schema: %w", err)
	}
	text := string(raw)
	if t != "PROTOBUF" && !json.Valid(raw) {
		return schemaDoc{}, usageErr("%s is not valid JSON", path)
	}
	return schemaDoc{Schema: strings.TrimSpace(text), SchemaType: t}, nil
}

// refFlags collects repeatable --ref NAME=SUBJECT[:VERSION] or
// NAME=@FILE flags.
type refFlags []string

func (r *refFlags) String() string     { return strings.Join(*r, ",") }
func (r *refFlags) Set(v string) error { *r = append(*r, v); return nil }
