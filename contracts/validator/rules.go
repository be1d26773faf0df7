package validator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A Confluent rule, as ruleSet.domainRules holds it. Only what the hook
// reads is decoded.
type ruleDoc struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Mode     string   `json:"mode"`
	Type     string   `json:"type"`
	Expr     string   `json:"expr"`
	Tags     []string `json:"tags"`
	Disabled bool     `json:"disabled"`
}

// ruleSet is the compiled write-time conditions of one schema.
type ruleSet struct {
	rules []*rule
}

// rule is one compiled condition. A rule that does not compile keeps its
// error and fails every record: a broken contract must not pass data.
type rule struct {
	name  string
	field bool        // CEL_FIELD: evaluated on every field
	guard cel.Program // CEL_FIELD "guard ; expr": nil when absent
	prog  cel.Program
	err   error
	tags  []string // CEL_FIELD: applies only to fields with one of these
	// avro is the CEL_FIELD rule's plan of an Avro schema: the fields it
	// applies to, found once; nil for other formats (walked generically).
	avro *avroNode
	ft   *fieldTags
}

// all returns the rules, none for a nil set.
func (rs *ruleSet) all() []*rule {
	if rs == nil {
		return nil
	}
	return rs.rules
}

// appliesOnWrite reports whether the hook, which sees records as they are
// produced, runs r: CONDITION rules of type CEL or CEL_FIELD whose mode
// includes writing. Other types run in the clients' rule executors.
func (r ruleDoc) appliesOnWrite() bool {
	if r.Disabled || r.Kind != "CONDITION" || (r.Type != "CEL" && r.Type != "CEL_FIELD") {
		return false
	}
	switch r.Mode {
	case "", "WRITE", "WRITEREAD":
		return true
	}
	return false
}

// rulesFor compiles the schema's write-time rules once.
func (se *schemaEntry) rulesFor() *ruleSet {
	se.rulesOnce.Do(func() {
		se.rules = compileRules(se)
		se.lazy = se.rules != nil && se.avro != nil && se.avro.IsRecord()
		for _, r := range se.rules.all() {
			if r.field && r.err == nil && r.avro == nil {
				// The generic walk needs the decoded map.
				se.lazy = false
			}
		}
		if se.rules != nil && se.avro != nil {
			// The lazy path decodes with this parse too: CEL_FIELD plans
			// are built from it, and values (union branches keyed by
			// hamba's reading of the named types' full names) must read
			// as the plans and the rules always read them.
			if s := parseHamba(se.doc); s != nil {
				se.fast = &hambaFast{schema: s, api: hambaAPI}
				se.fast.rec = recordOf(s)
			}
		}
	})
	return se.rules
}

func compileRules(se *schemaEntry) *ruleSet {
	if len(se.doc.RuleSet) == 0 {
		return nil
	}
	var doc struct {
		DomainRules []ruleDoc `json:"domainRules"`
	}
	if err := json.Unmarshal(se.doc.RuleSet, &doc); err != nil {
		return &ruleSet{rules: []*rule{{name: "ruleSet", err: fmt.Errorf("schema %d's ruleSet is not a ruleSet document: %w", se.id, err)}}}
	}
	var env *cel.Env
	var envErr error
	tags := metadataTags(se.doc.Metadata)
	out := &ruleSet{}
	for _, d := range doc.DomainRules {
		if !d.appliesOnWrite() {
			continue
		}
		if env == nil && envErr == nil {
			env, envErr = celEnv(se)
		}
		r := &rule{name: d.Name, field: d.Type == "CEL_FIELD", tags: d.Tags, ft: tags}
		if envErr != nil {
			r.err = envErr
		} else {
			r.err = r.compile(env, d.Expr)
		}
		if r.err == nil && r.field && se.avro != nil {
			r.avro = r.avroPlan(se.doc, tags)
		}
		out.rules = append(out.rules, r)
	}
	if len(out.rules) == 0 {
		return nil
	}
	return out
}

// celEnv declares the variables Confluent's CEL executors bind: message
// for CEL; name, fullName, typeName, tags, value and message for
// CEL_FIELD. Protobuf schemas register their messages, so expressions
// read fields with their declared types.
func celEnv(se *schemaEntry) (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.Variable("message", cel.DynType),
		cel.Variable("name", cel.StringType),
		cel.Variable("fullName", cel.StringType),
		cel.Variable("typeName", cel.StringType),
		cel.Variable("tags", cel.ListType(cel.StringType)),
		cel.Variable("value", cel.DynType),
	}
	if se.proto != nil {
		opts = append(opts, cel.TypeDescs(se.proto.File()))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("building the CEL environment of schema %d: %w", se.id, err)
	}
	return env, nil
}

func (r *rule) compile(env *cel.Env, expr string) error {
	guard, body := "", expr
	if r.field {
		// CEL_FIELD accepts "guard ; expr": the expression applies to the
		// fields for which the guard holds.
		if g, b, ok := strings.Cut(expr, ";"); ok {
			guard, body = strings.TrimSpace(g), strings.TrimSpace(b)
		}
	}
	var err error
	if guard != "" {
		if r.guard, err = program(env, guard); err != nil {
			return fmt.Errorf("guard %q: %w", guard, err)
		}
	}
	if r.prog, err = program(env, body); err != nil {
		return fmt.Errorf("expression %q: %w", body, err)
	}
	return nil
}

func program(env *cel.Env, expr string) (cel.Program, error) {
	if len(expr) > MaxRuleBytes {
		return nil, fmt.Errorf("the expression is %d bytes: the limit is %d bytes", len(expr), MaxRuleBytes)
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	return env.Program(ast, cel.EvalOptions(cel.OptOptimize),
		// Every evaluation is bounded: by cost (an evaluation past the limit
		// fails the record), and by the request or produce it serves
		// (ContextEval checks its context every few comprehension steps).
		cel.CostLimit(RuleCostLimit),
		cel.InterruptCheckFrequency(interruptEvery))
}

// errRuleFalse is a condition that evaluated to false.
var errRuleFalse = errors.New("condition is false")

// evalState is what evaluating rules on one record reuses: the
// activations and the Avro walker, so that no rule allocates them.
type evalState struct {
	// ctx is the request or produce the record belongs to: evaluation
	// stops when it ends.
	ctx  context.Context
	mact msgActivation
	fact fieldActivation
	walk avroWalk
}

// eval runs the rule on a decoded message and says why it failed, nil
// when it passed. root is the full name field paths start from.
func (r *rule) eval(msg any, root string, st *evalState) error {
	if r.err != nil {
		return fmt.Errorf("rule does not compile: %w", r.err)
	}
	if st.ctx == nil {
		st.ctx = context.Background()
	}
	if !r.field {
		st.mact = msgActivation{msg: msg}
		return check(st.ctx, r.prog, &st.mact)
	}
	st.fact = fieldActivation{msg: msg, msgSet: true, valSet: true}
	act := &st.fact
	if r.avro != nil {
		st.walk = avroWalk{ctx: st.ctx, r: r, act: act}
		st.walk.walk(r.avro, msg, nil)
		return st.walk.failed
	}
	var failed error
	walkFields(msg, root, func(fl field) bool {
		tags := r.ft.of(fl.fullName, nil)
		if !r.appliesToTags(tags) {
			return true
		}
		act.f, act.value = newFieldCtx(fl.name, fl.fullName, fl.typeName, tags), celScalar(fl.value)
		if r.guard != nil {
			out, _, err := r.guard.ContextEval(st.ctx, act)
			if err != nil || out != types.True {
				return true
			}
		}
		if err := check(st.ctx, r.prog, act); err != nil {
			failed = fmt.Errorf("field %s: %w", fl.fullName, err)
			return false
		}
		return true
	})
	return failed
}

// check evaluates a condition: it passes when it yields true.
func check(ctx context.Context, p cel.Program, act interpreter.Activation) error {
	out, _, err := p.ContextEval(ctx, act)
	if err != nil {
		return fmt.Errorf("evaluation failed: %w", err)
	}
	if out.Type() != types.BoolType {
		return fmt.Errorf("condition yields %s, not a bool", out.Type())
	}
	if out != types.True {
		return errRuleFalse
	}
	return nil
}

// field is one field as CEL_FIELD sees it.
type field struct {
	name, fullName, typeName string
	value                    any
}

// walkFields calls fn for every field of msg, depth first, until fn
// returns false: JSON objects by key, Protobuf messages by their declared
// fields (map fields as their entries). Avro values are walked along the
// schema instead (avroWalk), since records and maps decode alike.
func walkFields(msg any, prefix string, fn func(field) bool) bool {
	switch m := msg.(type) {
	case map[string]any:
		for k, v := range m {
			full := join(prefix, k)
			if !fn(field{name: k, fullName: full, typeName: typeName(v), value: v}) {
				return false
			}
			if !walkNested(v, full, fn) {
				return false
			}
		}
	case proto.Message:
		pm := m.ProtoReflect()
		fds := pm.Descriptor().Fields()
		for i := range fds.Len() {
			fd := fds.Get(i)
			full := join(prefix, string(fd.Name()))
			if fd.IsMap() {
				// A map field is its entries, each a message of key and
				// value, as Confluent's executors see it.
				if !walkProtoMap(fd, pm.Get(fd).Map(), full, fn) {
					return false
				}
				continue
			}
			v := protoValue(fd, pm.Get(fd))
			if !fn(field{name: string(fd.Name()), fullName: full, typeName: protoTypeName(fd), value: v}) {
				return false
			}
			if !walkNested(v, full, fn) {
				return false
			}
		}
	}
	return true
}

func walkProtoMap(fd protoreflect.FieldDescriptor, m protoreflect.Map, prefix string, fn func(field) bool) bool {
	kd, vd := fd.MapKey(), fd.MapValue()
	ok := true
	m.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		val := protoScalar(vd, v)
		ok = fn(field{name: "key", fullName: prefix + ".key", typeName: protoTypeName(kd), value: protoScalar(kd, k.Value())}) &&
			fn(field{name: "value", fullName: prefix + ".value", typeName: protoTypeName(vd), value: val}) &&
			walkNested(val, prefix+".value", fn)
		return ok
	})
	return ok
}

func walkNested(v any, prefix string, fn func(field) bool) bool {
	switch n := v.(type) {
	case map[string]any, proto.Message:
		return walkFields(n, prefix, fn)
	case []any:
		for _, e := range n {
			if !walkNested(e, prefix, fn) {
				return false
			}
		}
	}
	return true
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// typeName names a decoded Avro or JSON value's type as Confluent's
// executors do.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NULL"
	case string:
		return "STRING"
	case []byte:
		return "BYTES"
	case bool:
		return "BOOLEAN"
	case int32:
		return "INT"
	case int, int64:
		return "LONG"
	case float32:
		return "FLOAT"
	case float64:
		return "DOUBLE"
	case map[string]any:
		return "RECORD"
	case []any:
		return "ARRAY"
	}
	return "STRING"
}

func protoTypeName(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return "MAP"
	case fd.IsList():
		return "ARRAY"
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "STRING"
	case protoreflect.BytesKind:
		return "BYTES"
	case protoreflect.BoolKind:
		return "BOOLEAN"
	case protoreflect.EnumKind:
		return "ENUM"
	case protoreflect.FloatKind:
		return "FLOAT"
	case protoreflect.DoubleKind:
		return "DOUBLE"
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return "RECORD"
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "LONG"
	}
	return "INT"
}

// protoValue turns a field's value into what CEL adapts: scalars as Go
// values, messages as messages, lists as []any (maps are walked as their
// entries by walkProtoMap).
func protoValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch {
	case fd.IsMap():
		return nil
	case fd.IsList():
		l := v.List()
		out := make([]any, l.Len())
		for i := range out {
			out[i] = protoScalar(fd, l.Get(i))
		}
		return out
	}
	return protoScalar(fd, v)
}

func protoScalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return v.Message().Interface()
	case protoreflect.EnumKind:
		return int64(v.Enum())
	}
	return v.Interface()
}

// celValue makes a decoded Avro or JSON value readable by CEL in place
// (the decoded value is the validator's own): JSON numbers become int64 or
// float64, Avro decimals float64. Values CEL reads as they are are neither
// copied nor reallocated.
func celValue(v any) any {
	if c, ok := convert(v); ok {
		return c
	}
	return v
}

// convert returns v made readable by CEL and whether it had to change.
func convert(v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if c, ok := convert(e); ok {
				x[k] = c
			}
		}
	case []any:
		for i, e := range x {
			if c, ok := convert(e); ok {
				x[i] = c
			}
		}
	case json.Number, *big.Rat, float32:
		return celScalar(v), true
	}
	return v, false
}

// celScalar converts the scalars CEL does not read natively.
func celScalar(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case *big.Rat:
		f, _ := x.Float64()
		return f
	case float32:
		return float64(x)
	}
	return v
}
