package jsonschema

import (
	"math/big"
	"slices"
	"strings"
)

// Diff reports every change from original to update, each with its
// Confluent type and location, in the order Confluent reports them
// (metadata first, then a walk of the schemas with object members sorted by
// name). The update is backward compatible with the original (a consumer
// using update reads data written with original) when Compatible(changes).
//
// Both schemas are walked together and references are followed on both
// sides; a pair of schemas met again while it is being compared (a
// recursive schema) is taken as compatible, and no pair is compared twice.
//
// Accord departs from Confluent on purpose where Confluent's answer does not
// follow from the schemas' meaning:
//   - multipleOf compares exactly (Confluent truncates to integers, and
//     fails on fractions);
//   - draft 4's boolean exclusiveMinimum/exclusiveMaximum is read as the
//     exclusive limit it means (Confluent ignores it);
//   - additionalProperties/additionalItems of {} mean true (Confluent treats
//     {} as a constraint, so a property added under it is NOT_COVERED), and
//     unevaluatedProperties/unevaluatedItems of true or {} mean absent
//     (Confluent reports adding them as a narrowing);
//   - with patternProperties and additionalProperties absent or true, a
//     property no pattern matches is covered by the open rest of the model
//     (Confluent treats the model as closed for it);
//   - the subschemas of an allOf that Confluent's loader makes from a single
//     object ({"type":"string","enum":[...]}) or a list of types keep that
//     object's location (Confluent reports a "#/allOf/1/..." that is not in
//     the document), and locations escape "~" and "/" as JSON pointers do;
//   - enum and default values compare by JSON equality (1 equals 1.0).
func Diff(original, update *Schema) []Change {
	return diff(original, update, func(ChangeType) bool { return true })
}

// diff is Diff keeping only the changes keep accepts; CompatibleWith keeps
// the incompatible ones without building the others' locations.
func diff(original, update *Schema, keep func(ChangeType) bool) []Change {
	var out []Change
	for _, c := range metadataChanges(original, update) {
		if keep(c.Type) {
			out = append(out, c)
		}
	}
	var d differ
	var schema []Change
	d.compare(&schema, "", original.root, update.root)
	for _, c := range schema {
		if keep(c.Type) {
			out = append(out, Change{Type: c.Type, Location: "#/" + c.Location})
		}
	}
	return out
}

// differ holds the state of one Diff. Changes are collected with locations
// relative to the pair being compared (without the "#/" prefix) so that a
// memoized pair can be reused wherever it is met.
type differ struct {
	memo       map[[2]*node][]Change
	inProgress map[[2]*node]bool
}

func add(out *[]Change, path string, t ChangeType) {
	*out = append(*out, Change{Type: t, Location: path})
}

// join appends a relative location to a path.
func join(path, rel string) string {
	switch {
	case path == "":
		return rel
	case rel == "":
		return path
	}
	return path + "/" + rel
}

// compare compares two schemas found at path. Its union shortcuts recurse
// before pair's cycle guard; that terminates because the compiler refuses a
// reference cycle through allOf/anyOf/oneOf/not, so every cycle passes
// through a keyword pair() handles.
func (d *differ) compare(out *[]Change, path string, o, u *node) {
	switch {
	case o == nil && u == nil:
		return
	case o == nil:
		add(out, path, SchemaAdded)
		return
	case u == nil:
		add(out, path, SchemaRemoved)
		return
	}
	o, u = deref(o), deref(u)
	if identical(o, u) {
		return
	}

	oc, uc := o.kind == kindCombined, u.kind == kindCombined
	switch {
	case !oc && uc:
		// A schema that became a union is compatible when one branch is.
		if len(u.subs) == 1 {
			if sub, ok := d.trial(path, o, u.subs[0].n); ok {
				*out = append(*out, sub...)
				return
			}
		} else if u.criterion == "anyOf" || u.criterion == "oneOf" {
			for _, s := range u.subs {
				if sub, ok := d.trial(path, o, s.n); ok {
					*out = append(*out, sub...)
					add(out, path, SumTypeExtended)
					return
				}
			}
		}
	case oc && !uc:
		// An allOf that lost all but one constraint is compatible when that
		// one is.
		if len(o.subs) == 1 {
			if sub, ok := d.trial(path, o.subs[0].n, u); ok {
				*out = append(*out, sub...)
				return
			}
		}
		if o.criterion == "allOf" {
			for _, s := range o.subs {
				if sub, ok := d.trial(path, s.n, u); ok {
					*out = append(*out, sub...)
					add(out, path, ProductTypeNarrowed)
					return
				}
			}
		}
	}

	if !sameClass(o, u) {
		// Anything may replace false, and anything may become {}.
		if o.kind != kindFalse && u.kind != kindEmpty {
			add(out, path, TypeChanged)
		}
		return
	}
	rel := d.pair(o, u)
	if path == "" && len(*out) == 0 {
		*out = slices.Clip(rel) // nothing to rebase; clipped so appends never write into the memo
		return
	}
	for _, c := range rel {
		*out = append(*out, Change{Type: c.Type, Location: join(path, c.Location)})
	}
}

// identical reports whether two schemas are known to say the same thing:
// the same node, or the same text without references (whose targets could
// differ).
func identical(o, u *node) bool {
	return o == u || (o.refFree && u.refFree && o.digest == u.digest && o.digest != [16]byte{})
}

// trial compares o and u on the side and says whether the result is
// compatible.
func (d *differ) trial(path string, o, u *node) ([]Change, bool) {
	var sub []Change
	d.compare(&sub, path, o, u)
	return sub, Compatible(sub)
}

// sameClass says whether Confluent would compare the two schemas keyword by
// keyword rather than report TYPE_CHANGED: integer and number are both
// number schemas, true and {} are both empty schemas.
func sameClass(o, u *node) bool {
	return o.kind == u.kind
}

// pair compares two schemas of the same class, returning changes relative
// to the pair. A pair involving a reference target is compared once, and is
// taken as compatible when met again while it is being compared (a
// recursive schema); other nodes sit on a single path of a JSON tree, so
// their pairs cannot recur.
func (d *differ) pair(o, u *node) []Change {
	if !o.shared && !u.shared {
		return d.keywords(o, u)
	}
	if d.memo == nil {
		d.memo, d.inProgress = make(map[[2]*node][]Change), make(map[[2]*node]bool)
	}
	k := [2]*node{o, u}
	if r, ok := d.memo[k]; ok {
		return r
	}
	if d.inProgress[k] {
		return nil
	}
	d.inProgress[k] = true
	out := d.keywords(o, u)
	delete(d.inProgress, k)
	d.memo[k] = out
	return out
}

// keywords compares two schemas of the same class keyword by keyword.
func (d *differ) keywords(o, u *node) []Change {
	var out []Change
	d.annotations(&out, o, u)
	switch o.kind {
	case kindString:
		d.strings(&out, o, u)
	case kindNumber:
		d.numbers(&out, o, u)
	case kindConst:
		if o.values[0] != u.values[0] {
			add(&out, "const", EnumArrayChanged)
		}
	case kindEnum:
		d.enums(&out, o, u)
	case kindCombined:
		d.combined(&out, o, u)
	case kindNot:
		d.not(&out, o, u)
	case kindObject:
		d.object(&out, o, u)
	case kindArray:
		d.array(&out, o, u)
	}
	return out
}

func (d *differ) annotations(out *[]Change, o, u *node) {
	if !sameString(o.id, u.id) {
		add(out, "", IDChanged)
	}
	if !sameString(o.title, u.title) {
		add(out, "", TitleChanged)
	}
	if !sameString(o.description, u.description) {
		add(out, "", DescriptionChanged)
	}
	if o.hasDefault != u.hasDefault || o.defaultKey != u.defaultKey {
		add(out, "", DefaultChanged)
	}
}

func sameString(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// bound classifies the change of a numeric limit.
func bound(out *[]Change, path string, o, u *big.Rat, added, removed, increased, decreased ChangeType) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		add(out, path, added)
	case u == nil:
		add(out, path, removed)
	default:
		switch o.Cmp(u) {
		case -1:
			add(out, path, increased)
		case 1:
			add(out, path, decreased)
		}
	}
}

func (d *differ) strings(out *[]Change, o, u *node) {
	bound(out, "maxLength", o.maxLength, u.maxLength, MaxLengthAdded, MaxLengthRemoved, MaxLengthIncreased, MaxLengthDecreased)
	bound(out, "minLength", o.minLength, u.minLength, MinLengthAdded, MinLengthRemoved, MinLengthIncreased, MinLengthDecreased)
	switch {
	case o.pattern == nil && u.pattern != nil:
		add(out, "pattern", PatternAdded)
	case o.pattern != nil && u.pattern == nil:
		add(out, "pattern", PatternRemoved)
	case o.pattern != nil && *o.pattern != *u.pattern:
		add(out, "pattern", PatternChanged)
	}
}

func (d *differ) numbers(out *[]Change, o, u *node) {
	bound(out, "maximum", o.maximum, u.maximum, MaximumAdded, MaximumRemoved, MaximumIncreased, MaximumDecreased)
	bound(out, "minimum", o.minimum, u.minimum, MinimumAdded, MinimumRemoved, MinimumIncreased, MinimumDecreased)
	bound(out, "exclusiveMaximum", o.exclusiveMaximum, u.exclusiveMaximum,
		ExclusiveMaximumAdded, ExclusiveMaximumRemoved, ExclusiveMaximumIncreased, ExclusiveMaximumDecreased)
	bound(out, "exclusiveMinimum", o.exclusiveMinimum, u.exclusiveMinimum,
		ExclusiveMinimumAdded, ExclusiveMinimumRemoved, ExclusiveMinimumIncreased, ExclusiveMinimumDecreased)
	switch om, um := o.multipleOf, u.multipleOf; {
	case om == nil && um == nil:
	case om == nil:
		add(out, "multipleOf", MultipleOfAdded)
	case um == nil:
		add(out, "multipleOf", MultipleOfRemoved)
	case om.Cmp(um) == 0:
	case isMultiple(um, om):
		add(out, "multipleOf", MultipleOfExpanded) // fewer numbers are multiples of the new step
	case isMultiple(om, um):
		add(out, "multipleOf", MultipleOfReduced)
	default:
		add(out, "multipleOf", MultipleOfChanged)
	}
	if o.integer != u.integer {
		if o.integer {
			add(out, "", TypeExtended)
		} else {
			add(out, "", TypeNarrowed)
		}
	}
}

// isMultiple reports whether a is a whole multiple of b.
func isMultiple(a, b *big.Rat) bool {
	if b.Sign() == 0 {
		return false
	}
	return new(big.Rat).Quo(a, b).IsInt()
}

func (d *differ) enums(out *[]Change, o, u *node) {
	os, us := toSet(o.values), toSet(u.values)
	switch {
	case subset(os, us) && subset(us, os):
	case subset(os, us):
		add(out, "enum", EnumArrayExtended)
	case subset(us, os):
		add(out, "enum", EnumArrayNarrowed)
	default:
		add(out, "enum", EnumArrayChanged)
	}
}

func toSet(values []string) map[string]bool {
	s := make(map[string]bool, len(values))
	for _, v := range values {
		s[v] = true
	}
	return s
}

// subset reports whether every member of a is in b.
func subset(a, b map[string]bool) bool {
	for v := range a {
		if !b[v] {
			return false
		}
	}
	return true
}

// not compares the negated schemas the other way round: excluding less is
// accepting more.
func (d *differ) not(out *[]Change, o, u *node) {
	if _, ok := d.trial("not", u.not, o.not); ok {
		add(out, "not", NotTypeNarrowed)
	} else {
		add(out, "not", NotTypeExtended)
	}
}

// escapePath escapes a name for use as one location segment.
func escapePath(name string) string {
	if !strings.ContainsAny(name, "~/") {
		return name
	}
	return strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
}
