package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Metadata is Confluent's schema metadata: free-form properties, tags on
// parts of the schema (a path such as "Order.email" → tag names) and the
// names of sensitive fields. It is part of a schema's identity.
type Metadata struct {
	Tags       map[string][]string `json:"tags,omitempty"`
	Properties map[string]string   `json:"properties,omitempty"`
	Sensitive  []string            `json:"sensitive,omitempty"`
}

// RuleSet is Confluent's rule set: migration rules (run when a consumer
// reads data written with another version), domain rules (run on every
// write or read) and encoding rules (run on the encoded payload, e.g.
// payload encryption). It is part of a schema's identity.
type RuleSet struct {
	MigrationRules []Rule `json:"migrationRules,omitempty"`
	DomainRules    []Rule `json:"domainRules,omitempty"`
	EncodingRules  []Rule `json:"encodingRules,omitempty"`
}

// Rule is one data-contract rule. Accord stores and serves rules; clients
// (serializers) execute them.
type Rule struct {
	Name      string            `json:"name"`
	Doc       string            `json:"doc,omitempty"`
	Kind      string            `json:"kind"` // CONDITION or TRANSFORM
	Mode      string            `json:"mode"` // see ruleModes
	Type      string            `json:"type"` // the executor, e.g. CEL, JSONATA
	Tags      []string          `json:"tags,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	Expr      string            `json:"expr,omitempty"`
	OnSuccess string            `json:"onSuccess,omitempty"`
	OnFailure string            `json:"onFailure,omitempty"`
	Disabled  bool              `json:"disabled,omitempty"`
}

// ReservedProperty is the metadata property listing reserved field names,
// comma-separated (the compat packages read it for compatibility checks).
const ReservedProperty = "confluent:reserved"

// MirrorPrefix starts the metadata properties Accord computes at read time
// from a subject's stream (accord.owner, …). They are dropped from
// submitted metadata, so that a client writing back what it read registers
// the same schema and an ownership transfer never changes schema identity.
const MirrorPrefix = "accord."

var ruleKinds = []string{"CONDITION", "TRANSFORM"}

// ruleModes lists the modes each list of a rule set allows.
var ruleModes = map[string][]string{
	"migrationRules": {"UPGRADE", "DOWNGRADE", "UPDOWN"},
	"domainRules":    {"WRITE", "READ", "WRITEREAD"},
	"encodingRules":  {"WRITE", "READ", "WRITEREAD"},
}

// docs are the metadata and rule set a version has, in canonical JSON
// (nil when it has none): what is stored, fingerprinted and served.
type docs struct {
	metadata, ruleSet []byte
}

// decodeDoc reads a metadata or ruleSet document. Submitted documents are
// strict (unknown fields refused); stored ones are read leniently, since
// versions registered before typed validation were stored as sent.
func decodeDoc(raw []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the document")
	}
	return nil
}

// given reports whether a submitted document is present (not absent or
// null). A present empty document ({}) replaces what would be inherited.
func given(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && string(raw) != "null"
}

// parseMetadata validates and normalizes submitted metadata; nil when absent.
func parseMetadata(raw []byte, what string) (*Metadata, error) {
	if !given(raw) {
		return nil, nil
	}
	var m Metadata
	if err := decodeDoc(raw, &m, true); err != nil {
		return nil, errorf(ErrInvalidSchema, "Invalid %s: %v", what, err)
	}
	for k := range m.Properties {
		if strings.HasPrefix(k, MirrorPrefix) {
			delete(m.Properties, k)
		}
	}
	m.normalize()
	return &m, nil
}

// parseRuleSet validates and normalizes a submitted rule set; nil when absent.
func parseRuleSet(raw []byte, what string) (*RuleSet, error) {
	if !given(raw) {
		return nil, nil
	}
	var rs RuleSet
	if err := decodeDoc(raw, &rs, true); err != nil {
		return nil, errorf(ErrInvalidSchema, "Invalid %s: %v", what, err)
	}
	if err := rs.validate(what); err != nil {
		return nil, err
	}
	return &rs, nil
}

// storedMetadata reads a stored metadata document; nil when none.
func storedMetadata(raw []byte) (*Metadata, error) {
	if !given(raw) {
		return nil, nil
	}
	var m Metadata
	if err := decodeDoc(raw, &m, false); err != nil {
		return nil, fmt.Errorf("decoding stored metadata: %w", err)
	}
	m.normalize()
	return &m, nil
}

// storedRuleSet reads a stored rule set document; nil when none.
func storedRuleSet(raw []byte) (*RuleSet, error) {
	if !given(raw) {
		return nil, nil
	}
	var rs RuleSet
	if err := decodeDoc(raw, &rs, false); err != nil {
		return nil, fmt.Errorf("decoding stored ruleSet: %w", err)
	}
	return &rs, nil
}

// normalize makes equal metadata encode equally: tag values and sensitive
// names are sets (sorted, without duplicates), empty collections are nil.
func (m *Metadata) normalize() {
	for k, v := range m.Tags {
		m.Tags[k] = sortedSet(v)
	}
	if len(m.Tags) == 0 {
		m.Tags = nil
	}
	if len(m.Properties) == 0 {
		m.Properties = nil
	}
	m.Sensitive = sortedSet(m.Sensitive)
}

func (m *Metadata) empty() bool {
	return m == nil || (len(m.Tags) == 0 && len(m.Properties) == 0 && len(m.Sensitive) == 0)
}

func sortedSet(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// validate checks every rule, naming the offending one.
func (rs *RuleSet) validate(what string) error {
	for _, list := range []struct {
		name  string
		rules []Rule
	}{{"migrationRules", rs.MigrationRules}, {"domainRules", rs.DomainRules}, {"encodingRules", rs.EncodingRules}} {
		seen := map[string]bool{}
		for i := range list.rules {
			r := &list.rules[i]
			where := fmt.Sprintf("%s.%s[%d]", what, list.name, i)
			if r.Name != "" {
				where += fmt.Sprintf(" (rule %q)", r.Name)
			}
			if err := r.validate(list.name); err != nil {
				return errorf(ErrInvalidSchema, "Invalid %s: %v", where, err)
			}
			if seen[r.Name] {
				return errorf(ErrInvalidSchema, "Invalid %s: another rule of %s has the same name", where, list.name)
			}
			seen[r.Name] = true
		}
	}
	return nil
}

// validate checks one rule of list and normalizes its enums and tag set.
func (r *Rule) validate(list string) error {
	if strings.TrimSpace(r.Name) == "" {
		return fmt.Errorf("a rule needs a name")
	}
	if strings.IndexFunc(r.Name, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) || c == ',' }) >= 0 {
		return fmt.Errorf("a rule name may not contain spaces, control characters or commas")
	}
	r.Kind = strings.ToUpper(strings.TrimSpace(r.Kind))
	if !slices.Contains(ruleKinds, r.Kind) {
		return fmt.Errorf("kind %q is not CONDITION or TRANSFORM", r.Kind)
	}
	r.Mode = strings.ToUpper(strings.TrimSpace(r.Mode))
	if modes := ruleModes[list]; !slices.Contains(modes, r.Mode) {
		return fmt.Errorf("mode %q is not valid for %s (%s)", r.Mode, list, strings.Join(modes, ", "))
	}
	if strings.TrimSpace(r.Type) == "" {
		return fmt.Errorf("a rule needs a type (the executor, e.g. CEL)")
	}
	// Two actions ("NONE,ERROR") apply to the two halves of a two-way mode.
	twoWay := r.Mode == "UPDOWN" || r.Mode == "WRITEREAD"
	for name, action := range map[string]string{"onSuccess": r.OnSuccess, "onFailure": r.OnFailure} {
		if n := len(strings.Split(action, ",")); n > 2 || (n == 2 && !twoWay) {
			return fmt.Errorf("%s %q: two comma-separated actions are only valid with mode UPDOWN or WRITEREAD", name, action)
		}
	}
	r.Tags = sortedSet(r.Tags)
	if len(r.Params) == 0 {
		r.Params = nil
	}
	return nil
}

func (rs *RuleSet) empty() bool {
	return rs == nil || (len(rs.MigrationRules) == 0 && len(rs.DomainRules) == 0 && len(rs.EncodingRules) == 0)
}

// mergeMetadata overlays over onto base, as Confluent merges config
// defaults, a version's metadata and config overrides: properties and tags
// by key (over wins), sensitive names as a union.
func mergeMetadata(base, over *Metadata) *Metadata {
	if base == nil {
		return over
	}
	if over == nil {
		return base
	}
	out := &Metadata{
		Tags:       maps.Clone(base.Tags),
		Properties: maps.Clone(base.Properties),
		Sensitive:  append(slices.Clone(base.Sensitive), over.Sensitive...),
	}
	if len(over.Tags) > 0 && out.Tags == nil {
		out.Tags = map[string][]string{}
	}
	maps.Copy(out.Tags, over.Tags)
	if len(over.Properties) > 0 && out.Properties == nil {
		out.Properties = map[string]string{}
	}
	maps.Copy(out.Properties, over.Properties)
	out.normalize()
	return out
}

// mergeRuleSet overlays over onto base, list by list: a rule of over
// replaces base's rule of the same name; base's other rules come first.
func mergeRuleSet(base, over *RuleSet) *RuleSet {
	if base == nil {
		return over
	}
	if over == nil {
		return base
	}
	return &RuleSet{
		MigrationRules: mergeRules(base.MigrationRules, over.MigrationRules),
		DomainRules:    mergeRules(base.DomainRules, over.DomainRules),
		EncodingRules:  mergeRules(base.EncodingRules, over.EncodingRules),
	}
}

func mergeRules(base, over []Rule) []Rule {
	out := make([]Rule, 0, len(base)+len(over))
	for _, r := range base {
		if !slices.ContainsFunc(over, func(o Rule) bool { return o.Name == r.Name }) {
			out = append(out, r)
		}
	}
	out = append(out, over...)
	if len(out) == 0 {
		return nil
	}
	return out
}

// encodeDocs renders metadata and a rule set canonically (struct fields in
// a fixed order, map keys sorted); empty documents are nil, so "no
// metadata" and "{}" are the same schema.
func encodeDocs(m *Metadata, rs *RuleSet) (docs, error) {
	var d docs
	var err error
	if !m.empty() {
		if d.metadata, err = json.Marshal(m); err != nil {
			return docs{}, fmt.Errorf("encoding metadata: %w", err)
		}
	}
	if !rs.empty() {
		if d.ruleSet, err = json.Marshal(rs); err != nil {
			return docs{}, fmt.Errorf("encoding ruleSet: %w", err)
		}
	}
	return d, nil
}

// properties returns the metadata properties of a stored document (nil
// when none or unreadable: compatibility checks then see no reservations).
func properties(raw []byte) map[string]string {
	m, err := storedMetadata(raw)
	if err != nil || m == nil {
		return nil
	}
	return m.Properties
}

// WithProperties returns a metadata document (raw JSON, possibly nil) with
// props added; for responses that add computed properties.
func WithProperties(raw json.RawMessage, props map[string]string) (json.RawMessage, error) {
	m, err := storedMetadata(raw)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = &Metadata{}
	}
	if m.Properties == nil {
		m.Properties = map[string]string{}
	}
	maps.Copy(m.Properties, props)
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding metadata: %w", err)
	}
	return b, nil
}
