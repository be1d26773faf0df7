package cli

// accord apply: declarative contracts. A directory of YAML documents
// (kinds Stream, Schema, Consumer) is compared with the server into a
// plan; apply carries it out unit by unit in dependency order and, when
// a registration of a stream's schema is refused, undoes what this run
// did to that stream before stopping (see rollback).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

const applyUsage = `Usage: accord apply -f DIR [--dry-run] [flags]

Makes the server match a directory of YAML contracts (*.yaml, *.yml, any
depth; several documents per file with ---). Kinds:

  kind: Stream             # a stream, its contract and its schemas
  name: orders
  owner: orders-svc
  eventType: state         # state, delta, notification, measurement, hybrid
  visibility: public
  description: Current state of every order
  tags: {domain: sales, entity: order, pii: [customer.email]}
  compatibility: FULL_TRANSITIVE
  lintErrors: block        # or report
  reviewRequired: false    # true: changes ship only through approved proposals
  validation: {schemaId: any, payload: true, rules: true, producer: true, key: false, value: true}   # the validation hook's checks
  consumers: [{principal: billing-svc, fields: [id, total]}]
  keySchema: schemas/order-key.avsc          # paths are relative to the YAML file
  valueSchema:
    file: schemas/order.avsc
    type: AVRO             # default: from the extension
    references:            # a subject on the server, a Schema document, or a file
      - {name: com.acme.Money, subject: money, version: 2}
      - {name: address.avsc, file: schemas/address.avsc}

  kind: Schema             # a subject outside streams (e.g. a shared reference)
  subject: money
  file: schemas/money.avsc

  kind: Consumer           # declared where the consumer lives; merged into the stream
  service: billing-svc
  streams: [{stream: orders, fields: [id, total]}]

--dry-run prints the plan: for each stream and subject, create, update
(with the changed fields and a schema diff) or no change. Without it the
plan is carried out: referenced subjects first, then each stream (its
contract, then its key and value schemas). The first refusal stops the
run. What was done for that stream in this run is undone first: schema
versions it registered are deleted (soft, then permanent), its subjects'
compatibility config is restored and the contract is restored (or
deleted if this run created it). Earlier units stay applied; running
apply again is a no-op for them.

Exit status: 0 applied (or nothing to do; --dry-run: plan printed),
1 refused by the server or a plan error (e.g. an owner change, which
needs an explicit transfer), 2 usage, YAML or connection errors.

Examples:
  accord apply -f contracts/ --dry-run
  accord apply -f contracts/
  ACCORD_URL=https://registry.internal ACCORD_TOKEN=acc_... accord apply -f contracts/ --output json
`

// streamDoc is a stream as /v1/streams reads and writes it (what a
// client may write: the server refuses unknown fields).
type streamDoc struct {
	Name          string        `json:"name" yaml:"name"`
	Owner         string        `json:"owner,omitempty" yaml:"owner"`
	EventType     string        `json:"eventType" yaml:"eventType"`
	Visibility    string        `json:"visibility,omitempty" yaml:"visibility"`
	Description   string        `json:"description,omitempty" yaml:"description"`
	Strategy      string        `json:"subjectStrategy,omitempty" yaml:"subjectStrategy"`
	KeySubject    string        `json:"keySubject,omitempty" yaml:"keySubject"`
	ValueSubjects []string      `json:"valueSubjects,omitempty" yaml:"valueSubjects"`
	Tags          streamTags    `json:"tags" yaml:"tags"`
	Compatibility string        `json:"compatibility,omitempty" yaml:"compatibility"`
	LintErrors    string        `json:"lintErrors,omitempty" yaml:"lintErrors"`
	Consumers     []consumerDoc `json:"consumers,omitempty" yaml:"consumers"`
	// ReviewRequired and Validation are part of the contract: a PUT
	// without them would reset them, so apply always sends them.
	ReviewRequired bool           `json:"reviewRequired" yaml:"reviewRequired"`
	Validation     *validationDoc `json:"validation,omitempty" yaml:"validation"`
}

// validationDoc is contracts.Validation; a check left out of the YAML
// takes the server's default: on, but for key checks (opt-in).
type validationDoc struct {
	SchemaID string `json:"schemaId" yaml:"schemaId"`
	Payload  *bool  `json:"payload" yaml:"payload"`
	Rules    *bool  `json:"rules" yaml:"rules"`
	Producer *bool  `json:"producer" yaml:"producer"`
	Key      *bool  `json:"key" yaml:"key"`
	Value    *bool  `json:"value" yaml:"value"`
}

func (v *validationDoc) normalized() *validationDoc {
	n := validationDoc{SchemaID: "any"}
	if v != nil {
		n = *v
		if n.SchemaID == "" {
			n.SchemaID = "any"
		}
	}
	on := func(b *bool) *bool {
		if b == nil {
			t := true
			return &t
		}
		return b
	}
	n.Payload, n.Rules, n.Producer, n.Value = on(n.Payload), on(n.Rules), on(n.Producer), on(n.Value)
	if n.Key == nil {
		off := false
		n.Key = &off
	}
	return &n
}

type streamTags struct {
	Domain string   `json:"domain,omitempty" yaml:"domain"`
	Entity string   `json:"entity,omitempty" yaml:"entity"`
	PII    []string `json:"pii,omitempty" yaml:"pii"`
	Labels []string `json:"labels,omitempty" yaml:"labels"`
}

type consumerDoc struct {
	Principal string   `json:"principal" yaml:"principal"`
	Fields    []string `json:"fields,omitempty" yaml:"fields"`
}

// normalized fills what the server would default, so a desired stream
// and the server's copy compare equal when they mean the same.
func (s streamDoc) normalized() streamDoc {
	if s.Visibility == "" {
		s.Visibility = "private"
	}
	if s.LintErrors == "" {
		s.LintErrors = "block"
	}
	if s.Strategy == "" {
		s.Strategy = "topic"
	}
	if s.Strategy == "topic" {
		s.KeySubject, s.ValueSubjects = s.Name+"-key", []string{s.Name + "-value"}
	}
	s.Compatibility = strings.ToUpper(s.Compatibility)
	s.Validation = s.Validation.normalized()
	return s
}

// schemaSpec is a schema file in YAML: a path, or a mapping.
type schemaSpec struct {
	File       string     `yaml:"file"`
	Type       string     `yaml:"type"`
	References []yamlRef  `yaml:"references"`
	node       *yaml.Node // for error positions
}

type yamlRef struct {
	Name    string `yaml:"name"`
	Subject string `yaml:"subject"`
	Version int    `yaml:"version"`
	File    string `yaml:"file"`
}

func (s *schemaSpec) UnmarshalYAML(n *yaml.Node) error {
	s.node = n
	if n.Kind == yaml.ScalarNode {
		s.File = n.Value
		return nil
	}
	type plain schemaSpec
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*s = schemaSpec(p)
	s.node = n
	return nil
}

// yamlStream is `kind: Stream`.
type yamlStream struct {
	Kind        string      `yaml:"kind"`
	StreamDoc   streamDoc   `yaml:",inline"`
	KeySchema   *schemaSpec `yaml:"keySchema"`
	ValueSchema *schemaSpec `yaml:"valueSchema"`
}

// yamlSchema is `kind: Schema`.
type yamlSchema struct {
	Kind       string    `yaml:"kind"`
	Subject    string    `yaml:"subject"`
	File       string    `yaml:"file"`
	Type       string    `yaml:"type"`
	References []yamlRef `yaml:"references"`
}

// yamlConsumer is `kind: Consumer`.
type yamlConsumer struct {
	Kind    string `yaml:"kind"`
	Service string `yaml:"service"`
	Streams []struct {
		Stream string   `yaml:"stream"`
		Fields []string `yaml:"fields"`
	} `yaml:"streams"`
}

// localSchema is a schema to register: a subject, a file and references
// (a reference with Version 0 is resolved at plan or apply time).
type localSchema struct {
	Subject string
	Role    string // key, value, or "" for kind Schema
	File    string
	Doc     schemaDoc
	Refs    []reference
	Origin  string // where it was declared (file:line)
}

// unit is what apply does at once: a Schema, or a Stream with its schemas.
type unit struct {
	Stream  *streamDoc // nil for a Schema unit
	Origin  string
	Schemas []*localSchema
}

func (u *unit) name() string {
	if u.Stream != nil {
		return "stream " + u.Stream.Name
	}
	return "schema " + u.Schemas[0].Subject
}

// loadDir reads every YAML document under dir into units.
func loadDir(dir string) ([]*unit, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(path)); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, usageErr("reading %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, usageErr("no *.yaml or *.yml files under %s", dir)
	}
	sort.Strings(files)
	var units []*unit
	streams := map[string]*unit{}
	subjects := map[string]*localSchema{} // subject → its declaration
	var consumers []yamlConsumer
	// declare records a subject; the same file referenced twice (dup) is
	// one subject, anything else declared twice is an error.
	declare := func(ls *localSchema) (dup bool, err error) {
		if prev, ok := subjects[ls.Subject]; ok {
			if prev.File == ls.File && ls.Role == "" && prev.Role == "" {
				return true, nil
			}
			return false, usageErr("%s: subject %s is already declared at %s", ls.Origin, ls.Subject, prev.Origin)
		}
		subjects[ls.Subject] = ls
		return false, nil
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, usageErr("reading %s: %w", f, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var n yaml.Node
			if err := dec.Decode(&n); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, usageErr("%s: %w", f, err)
			}
			if len(n.Content) == 0 {
				continue
			}
			origin := fmt.Sprintf("%s:%d", f, n.Content[0].Line)
			var head struct {
				Kind string `yaml:"kind"`
			}
			if err := n.Decode(&head); err != nil {
				return nil, usageErr("%s: %w", origin, err)
			}
			base := filepath.Dir(f)
			switch head.Kind {
			case "Stream":
				var ys yamlStream
				if err := strictDecode(&n, &ys); err != nil {
					return nil, usageErr("%s: %w", origin, err)
				}
				if ys.StreamDoc.Name == "" || ys.StreamDoc.EventType == "" {
					return nil, usageErr("%s: a Stream needs name and eventType", origin)
				}
				if _, dup := streams[ys.StreamDoc.Name]; dup {
					return nil, usageErr("%s: stream %s is declared twice", origin, ys.StreamDoc.Name)
				}
				sd := ys.StreamDoc
				u := &unit{Stream: &sd, Origin: origin}
				norm := sd.normalized()
				for _, s := range []struct {
					spec    *schemaSpec
					subject string
					role    string
				}{{ys.KeySchema, norm.KeySubject, "key"}, {ys.ValueSchema, norm.ValueSubjects[0], "value"}} {
					if s.spec == nil {
						continue
					}
					if s.subject == "" {
						return nil, usageErr("%s: stream %s has a keySchema but no keySubject", origin, sd.Name)
					}
					ls, extra, err := newLocalSchema(base, origin, s.subject, s.role, s.spec.File, s.spec.Type, s.spec.References)
					if err != nil {
						return nil, err
					}
					for _, e := range extra {
						if dup, err := declare(e); err != nil {
							return nil, err
						} else if !dup {
							units = append(units, &unit{Origin: origin, Schemas: []*localSchema{e}})
						}
					}
					if _, err := declare(ls); err != nil {
						return nil, err
					}
					u.Schemas = append(u.Schemas, ls)
				}
				streams[sd.Name] = u
				units = append(units, u)
			case "Schema":
				var ys yamlSchema
				if err := strictDecode(&n, &ys); err != nil {
					return nil, usageErr("%s: %w", origin, err)
				}
				if ys.Subject == "" || ys.File == "" {
					return nil, usageErr("%s: a Schema needs subject and file", origin)
				}
				ls, extra, err := newLocalSchema(base, origin, ys.Subject, "", ys.File, ys.Type, ys.References)
				if err != nil {
					return nil, err
				}
				for _, e := range append(extra, ls) {
					if dup, err := declare(e); err != nil {
						return nil, err
					} else if !dup {
						units = append(units, &unit{Origin: origin, Schemas: []*localSchema{e}})
					}
				}
			case "Consumer":
				var yc yamlConsumer
				if err := strictDecode(&n, &yc); err != nil {
					return nil, usageErr("%s: %w", origin, err)
				}
				consumers = append(consumers, yc)
			default:
				return nil, usageErr("%s: unknown kind %q (want Stream, Schema or Consumer)", origin, head.Kind)
			}
		}
	}
	for _, yc := range consumers {
		for _, s := range yc.Streams {
			u, ok := streams[s.Stream]
			if !ok {
				return nil, usageErr("consumer %s reads stream %s, which no Stream document in %s declares", yc.Service, s.Stream, dir)
			}
			u.Stream.Consumers = append(u.Stream.Consumers, consumerDoc{Principal: yc.Service, Fields: s.Fields})
		}
	}
	return orderUnits(units)
}

// strictDecode decodes n into v refusing unknown fields (typos in
// contracts should fail, not be ignored).
func strictDecode(n *yaml.Node, v any) error {
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// newLocalSchema reads a schema file; file references become extra
// Schema units registered under the reference's name.
func newLocalSchema(base, origin, subject, role, file, typ string, refs []yamlRef) (*localSchema, []*localSchema, error) {
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, file)
	}
	doc, err := readSchemaFile(path, typ)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", origin, err)
	}
	ls := &localSchema{Subject: subject, Role: role, File: path, Doc: doc, Origin: origin}
	var extra []*localSchema
	for _, r := range refs {
		if r.Name == "" || (r.Subject == "") == (r.File == "") {
			return nil, nil, usageErr("%s: reference %q needs a name and either subject or file", origin, r.Name)
		}
		if r.File != "" {
			e, more, err := newLocalSchema(base, origin, r.Name, "", r.File, "", nil)
			if err != nil {
				return nil, nil, err
			}
			extra = append(append(extra, more...), e)
			ls.Refs = append(ls.Refs, reference{Name: r.Name, Subject: r.Name})
			continue
		}
		ls.Refs = append(ls.Refs, reference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return ls, extra, nil
}

// orderUnits sorts units so that a unit comes after every unit declaring
// a subject it references; file order otherwise.
func orderUnits(units []*unit) ([]*unit, error) {
	owner := map[string]*unit{}
	for _, u := range units {
		for _, s := range u.Schemas {
			owner[s.Subject] = u
		}
	}
	var out []*unit
	state := map[*unit]int{} // 1 visiting, 2 done
	var visit func(u *unit) error
	visit = func(u *unit) error {
		switch state[u] {
		case 1:
			return usageErr("%s: references form a cycle through %s", u.Origin, u.name())
		case 2:
			return nil
		}
		state[u] = 1
		for _, s := range u.Schemas {
			for _, r := range s.Refs {
				if dep, ok := owner[r.Subject]; ok && dep != u {
					if err := visit(dep); err != nil {
						return err
					}
				}
			}
		}
		state[u] = 2
		out = append(out, u)
		return nil
	}
	for _, u := range units {
		if err := visit(u); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Plan actions.
const (
	actCreate   = "create"
	actUpdate   = "update"
	actNoChange = "no change"
)

// planStep is one line of the plan, as `--output json` prints it.
type planStep struct {
	Kind    string   `json:"kind"` // stream or schema
	Name    string   `json:"name"`
	Role    string   `json:"role,omitempty"`
	File    string   `json:"file,omitempty"`
	Action  string   `json:"action"`
	Changes []string `json:"changes,omitempty"`
	Diff    string   `json:"diff,omitempty"`
	Error   string   `json:"error,omitempty"`
	// Result after apply: the version registered, or "rolled back".
	Result string `json:"result,omitempty"`
}

// unitPlan is the plan of one unit and what the server holds now.
type unitPlan struct {
	u       *unit
	stream  *planStep
	current *streamDoc // the server's stream, nil when it does not exist
	schemas []*planStep
}

func (p *unitPlan) steps() []*planStep {
	var out []*planStep
	if p.stream != nil {
		out = append(out, p.stream)
	}
	return append(out, p.schemas...)
}

// planUnits compares every unit with the server.
func planUnits(ctx context.Context, cl *client, units []*unit) ([]*unitPlan, error) {
	pending := map[string]bool{} // subjects that apply will change before a dependant
	var plans []*unitPlan
	for _, u := range units {
		p := &unitPlan{u: u}
		if u.Stream != nil {
			step, cur, err := planStream(ctx, cl, u.Stream)
			if err != nil {
				return nil, err
			}
			p.stream, p.current = step, cur
		}
		for _, ls := range u.Schemas {
			step, err := planSchema(ctx, cl, ls, pending)
			if err != nil {
				return nil, err
			}
			if step.Action != actNoChange {
				pending[ls.Subject] = true
			}
			p.schemas = append(p.schemas, step)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func planStream(ctx context.Context, cl *client, want *streamDoc) (*planStep, *streamDoc, error) {
	step := &planStep{Kind: "stream", Name: want.Name}
	var cur streamDoc
	_, err := cl.do(ctx, "GET", "/v1/streams/"+pathEscape(want.Name), nil, &cur)
	if isStatus(err, 404) {
		step.Action = actCreate
		step.Changes = fieldChanges(streamDoc{}, want.normalized())
		return step, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading stream %s: %w", want.Name, err)
	}
	w := *want
	if w.Owner == "" {
		w.Owner = cur.Owner
	}
	if w.Owner != cur.Owner {
		step.Error = fmt.Sprintf("owner is %s on the server, %s here: ownership moves only by an explicit transfer (POST /v1/streams/%s/transfer)", cur.Owner, w.Owner, w.Name)
	}
	step.Changes = fieldChanges(cur.normalized(), w.normalized())
	step.Action = actNoChange
	if len(step.Changes) > 0 {
		step.Action = actUpdate
	}
	return step, &cur, nil
}

// fieldChanges lists the top-level fields that differ, as
// "field: old -> new" with JSON values.
func fieldChanges(from, to streamDoc) []string {
	a, b := toMap(from), toMap(to)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, jsonOrNone(a[k]), jsonOrNone(b[k])))
		}
	}
	sort.Strings(out)
	return out
}

func toMap(s streamDoc) map[string]any {
	raw, _ := json.Marshal(s)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	if t, ok := m["tags"].(map[string]any); ok && len(t) == 0 {
		delete(m, "tags")
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

func jsonOrNone(v any) string {
	if v == nil {
		return "(none)"
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// planSchema decides whether ls would register a new version. pending
// subjects change earlier in this run, so references to them cannot be
// looked up yet.
func planSchema(ctx context.Context, cl *client, ls *localSchema, pending map[string]bool) (*planStep, error) {
	step := &planStep{Kind: "schema", Name: ls.Subject, Role: ls.Role, File: ls.File}
	latest, err := cl.latest(ctx, ls.Subject)
	if isStatus(err, 404) {
		step.Action = actCreate
		return step, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ls.Subject, err)
	}
	for _, r := range ls.Refs {
		if pending[r.Subject] {
			step.Action = actUpdate
			step.Changes = []string{"reference " + r.Name + " (" + r.Subject + ") changes in this run"}
			step.Diff = schemaDiff(latest.Schema, ls.Doc.Schema, latest.Subject, latest.Version, ls.File)
			return step, nil
		}
	}
	doc := ls.Doc
	if doc.References, err = resolveRefs(ctx, cl, ls.Refs, nil); err != nil {
		return nil, err
	}
	var found versionDoc
	_, err = cl.do(ctx, "POST", "/subjects/"+pathEscape(ls.Subject), doc.body(), &found)
	switch {
	case err == nil:
		step.Action = actNoChange
		if found.Version != latest.Version {
			step.Changes = []string{fmt.Sprintf("already version %d (latest is %d)", found.Version, latest.Version)}
		}
	case isCode(err, 40403) || isCode(err, 40401):
		step.Action = actUpdate
		step.Diff = schemaDiff(latest.Schema, ls.Doc.Schema, latest.Subject, latest.Version, ls.File)
	default:
		return nil, fmt.Errorf("looking up %s: %w", ls.Subject, err)
	}
	return step, nil
}

// resolveRefs pins references: versions registered in this run
// (applied), else the given version, else the latest on the server.
func resolveRefs(ctx context.Context, cl *client, refs []reference, applied map[string]int) ([]reference, error) {
	var out []reference
	for _, r := range refs {
		switch {
		case applied[r.Subject] > 0 && r.Version == 0:
			r.Version = applied[r.Subject]
		case r.Version == 0:
			v, err := cl.latest(ctx, r.Subject)
			if err != nil {
				return nil, fmt.Errorf("reference %s: subject %s: %w", r.Name, r.Subject, err)
			}
			r.Version = v.Version
		}
		out = append(out, r)
	}
	return out, nil
}

func (r *runner) apply(ctx context.Context, args []string) int {
	fset := r.newFlagSet("apply", applyUsage)
	var cf clientFlags
	cf.register(fset)
	dir := fset.String("f", "", "directory of YAML contracts (required)")
	dry := fset.Bool("dry-run", false, "print the plan, change nothing")
	pos, code, done := r.parseVerb(fset, args)
	if done {
		return code
	}
	if *dir == "" || len(pos) > 0 {
		fset.Usage()
		return r.exit("apply", usageErr("want -f DIR and no other argument"))
	}
	cl, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("apply", err)
	}
	units, err := loadDir(*dir)
	if err != nil {
		return r.exit("apply", err)
	}
	plans, err := planUnits(ctx, cl, units)
	if err != nil {
		return r.exit("apply", err)
	}
	var planErrs []string
	for _, p := range plans {
		for _, s := range p.steps() {
			if s.Error != "" {
				planErrs = append(planErrs, s.Kind+" "+s.Name+": "+s.Error)
			}
		}
	}
	var applyErr error
	if !*dry && len(planErrs) == 0 {
		applied := map[string]int{}
		for _, p := range plans {
			if applyErr = applyUnit(ctx, cl, p, applied); applyErr != nil {
				break
			}
		}
	}
	if cf.output == "json" {
		out := struct {
			DryRun  bool        `json:"dryRun"`
			Steps   []*planStep `json:"steps"`
			Summary string      `json:"summary"`
			Error   string      `json:"error,omitempty"`
		}{DryRun: *dry, Summary: summary(plans), Steps: []*planStep{}}
		for _, p := range plans {
			out.Steps = append(out.Steps, p.steps()...)
		}
		if applyErr != nil {
			out.Error = applyErr.Error()
		} else if len(planErrs) > 0 {
			out.Error = strings.Join(planErrs, "; ")
		}
		if err := printJSON(r.stdout, out); err != nil {
			return r.exit("apply", err)
		}
	} else {
		printPlan(r.stdout, plans, *dry)
	}
	if len(planErrs) > 0 {
		return r.exit("apply", &cliError{exitFail, errors.New("plan errors: " + strings.Join(planErrs, "; "))})
	}
	if applyErr != nil {
		return r.exit("apply", applyErr)
	}
	return exitOK
}

func summary(plans []*unitPlan) string {
	n := map[string]int{}
	for _, p := range plans {
		for _, s := range p.steps() {
			n[s.Action]++
		}
	}
	return fmt.Sprintf("%d to create, %d to update, %d unchanged", n[actCreate], n[actUpdate], n[actNoChange])
}

func printPlan(w io.Writer, plans []*unitPlan, dry bool) {
	for _, p := range plans {
		for _, s := range p.steps() {
			indent := ""
			if s.Kind == "schema" && p.stream != nil {
				indent = "  "
			}
			label := s.Kind + " " + s.Name
			if s.Role != "" {
				label += " (" + s.Role + ")"
			}
			fmt.Fprintf(w, "%s%s: %s", indent, label, s.Action)
			if s.Result != "" {
				fmt.Fprintf(w, " -> %s", s.Result)
			}
			fmt.Fprintln(w)
			for _, c := range s.Changes {
				fmt.Fprintf(w, "%s    %s\n", indent, c)
			}
			if s.Diff != "" {
				for _, l := range strings.Split(strings.TrimRight(s.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "%s    %s\n", indent, l)
				}
			}
			if s.Error != "" {
				fmt.Fprintf(w, "%s    ERROR: %s\n", indent, s.Error)
			}
		}
	}
	verb := "Plan"
	if !dry {
		verb = "Applied plan"
	}
	fmt.Fprintf(w, "%s: %s.\n", verb, summary(plans))
}

// applyUnit carries out one unit. For a stream, a refused registration
// triggers rollback of everything this run did to the stream.
func applyUnit(ctx context.Context, cl *client, p *unitPlan, applied map[string]int) error {
	u := p.u
	var undo []func() error
	fail := func(step *planStep, err error) error {
		step.Result = "refused"
		if len(undo) == 0 {
			return &cliError{exitFail, fmt.Errorf("%s: %w", u.name(), err)}
		}
		var rbErrs []string
		for i := len(undo) - 1; i >= 0; i-- {
			if e := undo[i](); e != nil {
				rbErrs = append(rbErrs, e.Error())
			}
		}
		if len(rbErrs) > 0 {
			return &cliError{exitFail, fmt.Errorf("%s: %w; ROLLBACK INCOMPLETE: %s", u.name(), err, strings.Join(rbErrs, "; "))}
		}
		for _, s := range p.steps() {
			if s.Result != "" && s != step {
				s.Result = "rolled back"
			}
		}
		return &cliError{exitFail, fmt.Errorf("%s: %w (what this run did to %s was rolled back)", u.name(), err, u.name())}
	}

	if u.Stream != nil && p.stream.Action != actNoChange {
		// The contract may set its subjects' compatibility: remember
		// their configs to restore them on rollback.
		for _, subj := range subjectsOf(*u.Stream, p.current) {
			restore, err := saveConfig(ctx, cl, subj)
			if err != nil {
				return err
			}
			undo = append(undo, restore)
		}
		want := *u.Stream
		want.Validation = want.Validation.normalized()
		var err error
		if p.current == nil {
			_, err = cl.do(ctx, "POST", "/v1/streams", want, nil)
			undo = append(undo, func() error {
				_, err := cl.do(ctx, "DELETE", "/v1/streams/"+pathEscape(want.Name), nil, nil)
				return err
			})
		} else {
			if want.Owner == "" {
				want.Owner = p.current.Owner
			}
			_, err = cl.do(ctx, "PUT", "/v1/streams/"+pathEscape(want.Name), want, nil)
			prev := *p.current
			undo = append(undo, func() error {
				_, err := cl.do(ctx, "PUT", "/v1/streams/"+pathEscape(prev.Name), prev, nil)
				return err
			})
		}
		if err != nil {
			undo = undo[:len(undo)-1] // the write itself did not happen
			return fail(p.stream, err)
		}
		p.stream.Result = "done"
	}
	for i, ls := range u.Schemas {
		step := p.schemas[i]
		doc := ls.Doc
		refs, err := resolveRefs(ctx, cl, ls.Refs, applied)
		if err != nil {
			return fail(step, err)
		}
		doc.References = refs
		res, err := register(ctx, cl, ls.Subject, doc)
		if err != nil {
			return fail(step, err)
		}
		applied[ls.Subject] = res.Version
		step.Result = fmt.Sprintf("version %d, id %d", res.Version, res.ID)
		if !res.Changed {
			step.Result += " (already registered)"
			continue
		}
		for _, l := range res.Lints {
			step.Changes = append(step.Changes, "lint "+l)
		}
		subj, ver := ls.Subject, res.Version
		undo = append(undo, func() error { return deleteVersion(ctx, cl, subj, ver) })
	}
	return nil
}

// subjectsOf lists the subjects whose config a stream write may set.
func subjectsOf(want streamDoc, cur *streamDoc) []string {
	seen := map[string]bool{}
	var out []string
	docs := []streamDoc{want.normalized()}
	if cur != nil {
		docs = append(docs, cur.normalized())
	}
	for _, d := range docs {
		for _, s := range append([]string{d.KeySubject}, d.ValueSubjects...) {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// saveConfig returns a function putting subject's own config back as it
// is now (deleting it when it has none).
func saveConfig(ctx context.Context, cl *client, subject string) (func() error, error) {
	path := "/config/" + pathEscape(subject)
	var cfg map[string]any
	_, err := cl.do(ctx, "GET", path, nil, &cfg)
	if isStatus(err, 404) {
		return func() error {
			_, err := cl.do(ctx, "DELETE", path, nil, nil)
			if isStatus(err, 404) {
				return nil
			}
			return err
		}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config of %s: %w", subject, err)
	}
	return func() error {
		_, err := cl.do(ctx, "PUT", path, cfg, nil)
		return err
	}, nil
}

// deleteVersion removes a version this run registered: soft, then
// permanent (the schema id stays allocated: ids are never reused).
func deleteVersion(ctx context.Context, cl *client, subject string, version int) error {
	path := fmt.Sprintf("/subjects/%s/versions/%d", pathEscape(subject), version)
	if _, err := cl.do(ctx, "DELETE", path, nil, nil); err != nil {
		return fmt.Errorf("deleting %s version %d: %w", subject, version, err)
	}
	if _, err := cl.do(ctx, "DELETE", path+"?permanent=true", nil, nil); err != nil {
		return fmt.Errorf("permanently deleting %s version %d: %w", subject, version, err)
	}
	return nil
}

// schemaDiff is a line diff of the registered schema and the file, JSON
// schemas indented first so that a compact registered text compares line
// by line.
func schemaDiff(old, new, subject string, version int, file string) string {
	pretty := func(s string) []string {
		var buf bytes.Buffer
		if json.Indent(&buf, []byte(s), "", "  ") == nil {
			s = buf.String()
		}
		return strings.Split(strings.TrimRight(s, "\n"), "\n")
	}
	a, b := pretty(old), pretty(new)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s version %d\n+++ %s\n", subject, version, file)
	for _, l := range lineDiff(a, b) {
		out.WriteString(l + "\n")
	}
	return out.String()
}

// lineDiff returns the lines of an LCS diff ("-", "+" or " " prefixed),
// with unchanged runs longer than 3 lines elided.
func lineDiff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, "  "+a[i])
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, "+ "+b[j])
			j++
		default:
			ops = append(ops, "- "+a[i])
			i++
		}
	}
	// Keep one line of context around changes.
	var out []string
	for k, l := range ops {
		near := false
		for d := -1; d <= 1; d++ {
			if k+d >= 0 && k+d < len(ops) && ops[k+d][0] != ' ' {
				near = true
			}
		}
		switch {
		case near:
			out = append(out, l)
		case len(out) == 0 || out[len(out)-1] != "  ...":
			out = append(out, "  ...")
		}
	}
	return out
}
