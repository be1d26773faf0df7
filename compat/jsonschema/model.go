package jsonschema

import (
	"encoding/json"
	"math/big"
	"regexp"
	"sort"
	"strconv"
)

// kind classifies a schema the way Confluent's loader (everit) does, because
// Confluent's diff rules are written against those classes: two schemas of
// different kinds are a TYPE_CHANGED, whatever their keywords.
type kind uint8

const (
	kindEmpty       kind = iota // {} or true, or only annotations
	kindFalse                   // false
	kindBoolean                 // "type": "boolean"
	kindNull                    // "type": "null"
	kindString                  // "type": "string" or string keywords
	kindNumber                  // "type": "number"/"integer" or number keywords
	kindObject                  // "type": "object" or object keywords
	kindArray                   // "type": "array" or array keywords
	kindEnum                    // enum
	kindConst                   // const (draft 6 and later)
	kindNot                     // not
	kindCombined                // allOf/anyOf/oneOf, a type list, or several of the above
	kindConditional             // if/then/else (draft 7 and later); compared by annotations only, as Confluent does
	kindRef                     // $ref ($recursiveRef, $dynamicRef): compared through its target
)

// node is one schema of the comparison model. Nodes form a graph (a $ref
// points back up for recursive schemas) and are immutable once built.
type node struct {
	kind kind

	// digest identifies the node's JSON text (and draft); refFree says no
	// reference occurs below it. Two ref-free nodes with the same digest
	// compare equal without being walked, which keeps checks against long
	// histories fast.
	digest  [16]byte
	refFree bool
	// shared marks a reference target: the only nodes that can be reached
	// along several paths, or recursively, so the only ones the diff
	// memoizes and guards against cycles.
	shared bool

	// Annotations compared on every schema.
	id, title, description *string
	hasDefault             bool
	defaultKey             string // canonical JSON of the default

	ref *node // kindRef: the target (nil when it is outside the model, e.g. a meta-schema)

	// kindString
	minLength, maxLength *big.Rat
	pattern              *string

	// kindNumber
	integer                            bool
	minimum, maximum                   *big.Rat
	exclusiveMinimum, exclusiveMaximum *big.Rat
	multipleOf                         *big.Rat

	// kindEnum and kindConst: canonical JSON of each allowed value.
	values []string

	not *node // kindNot

	// kindCombined
	criterion string // allOf, anyOf or oneOf
	synthetic bool   // made from one JSON object (a type list, or several kinds in one object)
	subs      []sub

	// kindObject
	properties    []namedNode // sorted by name
	required      map[string]bool
	minProperties *big.Rat
	maxProperties *big.Rat
	patternProps  []patternNode // sorted by pattern
	additional    openness      // additionalProperties
	unevalProps   *node         // unevaluatedProperties (2019-09+)
	propDeps      []propDep     // sorted by name
	schemaDeps    []schemaDep   // sorted by name

	// kindArray
	allItems    *node // items as one schema
	tuple       []*node
	tupleKW     string // items (drafts 4 to 2019-09) or prefixItems (2020-12)
	addItems    openness
	addItemsKW  string // additionalItems, or items after prefixItems (2020-12)
	unevalItems *node
	minItems    *big.Rat
	maxItems    *big.Rat
	unique      bool
	minContains *big.Rat
	maxContains *big.Rat
}

// openness is additionalProperties / additionalItems: allowed with any value
// (absent or true), forbidden (false), or constrained by a schema.
type openness struct {
	forbidden bool
	schema    *node
}

type sub struct {
	n     *node
	index int    // position in the JSON array, for locations
	key   string // canonical JSON, to collapse duplicates as Confluent does
}

type namedNode struct {
	name string
	n    *node
}

type patternNode struct {
	pattern string
	re      *regexp.Regexp // nil when Go cannot compile it (never matches)
	n       *node
}

type propDep struct {
	name     string
	keyword  string // dependencies or dependentRequired
	requires map[string]bool
}

type schemaDep struct {
	name    string
	keyword string // dependencies or dependentSchemas
	n       *node
}

// deref follows references to the schema they name. A chain that loops
// without reaching a schema (which the compiler rejects) ends as empty.
func deref(n *node) *node {
	for i := 0; n != nil && n.kind == kindRef; i++ {
		if n.ref == nil || i > 64 {
			return emptyNode
		}
		n = n.ref
	}
	return n
}

var emptyNode = &node{kind: kindEmpty}

// property returns the schema of the named property, or nil.
func (n *node) property(name string) *node {
	i := sort.Search(len(n.properties), func(i int) bool { return n.properties[i].name >= name })
	if i < len(n.properties) && n.properties[i].name == name {
		return n.properties[i].n
	}
	return nil
}

// hasDefaultValue reports whether the schema, or the schema it refers to,
// declares a default.
func hasDefaultValue(n *node) bool {
	return n != nil && (n.hasDefault || deref(n).hasDefault)
}

// ratOf reads a JSON number exactly; nil when v is not a number.
func ratOf(v any) *big.Rat {
	num, ok := v.(json.Number)
	if !ok {
		return nil
	}
	r, ok := new(big.Rat).SetString(string(num))
	if !ok {
		return nil
	}
	return r
}

// valueKey is the canonical JSON of a value with numbers written as exact
// rationals, so that 1 and 1.0 are the same enum value, as JSON Schema
// equality says.
func valueKey(v any) string {
	var b []byte
	b = appendValueKey(b, v)
	return string(b)
}

func appendValueKey(b []byte, v any) []byte {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = appendValueKey(b, v[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValueKey(b, e)
		}
		return append(b, ']')
	case json.Number:
		if r := ratOf(v); r != nil {
			return append(b, r.RatString()...)
		}
		return append(b, v...)
	case string:
		return strconv.AppendQuote(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case nil:
		return append(b, "null"...)
	}
	return b
}
