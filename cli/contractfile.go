package cli

// The contract files of accord apply: YAML documents of kinds Stream,
// Schema and Consumer, read from a directory into units (a Stream with
// its schemas, or a Schema) in dependency order.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

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

// contractSchema finds the key (key) or value schema of stream in the
// contract files at path (a directory or one file, as apply reads them),
// and the schemas it references that those files declare, references
// first: what check and push use instead of --ref flags.
func contractSchema(path, stream string, key bool) (ls *localSchema, deps []*localSchema, err error) {
	units, err := loadDir(path)
	if err != nil {
		return nil, nil, err
	}
	role := "value"
	if key {
		role = "key"
	}
	declared := map[string]*localSchema{}
	for _, u := range units {
		for _, s := range u.Schemas {
			declared[s.Subject] = s
			if u.Stream != nil && u.Stream.Name == stream && s.Role == role {
				ls = s
			}
		}
	}
	if ls == nil {
		return nil, nil, usageErr("no Stream document in %s declares a %sSchema for stream %s", path, role, stream)
	}
	seen := map[string]bool{}
	var visit func(s *localSchema)
	visit = func(s *localSchema) {
		for _, r := range s.Refs {
			if d, ok := declared[r.Subject]; ok && !seen[r.Subject] {
				seen[r.Subject] = true
				visit(d)
				deps = append(deps, d)
			}
		}
	}
	visit(ls) // loadDir refused cycles
	return ls, deps, nil
}
