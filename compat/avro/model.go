package avro

// kind is the Avro type of a node. kindRef marks a use of a named type by
// name; its target is the definition.
type kind uint8

const (
	kindNull kind = iota
	kindBoolean
	kindInt
	kindLong
	kindFloat
	kindDouble
	kindBytes
	kindString
	kindRecord
	kindEnum
	kindFixed
	kindArray
	kindMap
	kindUnion
	kindRef
)

var kindNames = [...]string{
	kindNull:    "null",
	kindBoolean: "boolean",
	kindInt:     "int",
	kindLong:    "long",
	kindFloat:   "float",
	kindDouble:  "double",
	kindBytes:   "bytes",
	kindString:  "string",
	kindRecord:  "record",
	kindEnum:    "enum",
	kindFixed:   "fixed",
	kindArray:   "array",
	kindMap:     "map",
	kindUnion:   "union",
	kindRef:     "reference",
}

func (k kind) String() string { return kindNames[k] }

// primitiveKinds maps the primitive type names to their kinds.
var primitiveKinds = map[string]kind{
	"null":    kindNull,
	"boolean": kindBoolean,
	"int":     kindInt,
	"long":    kindLong,
	"float":   kindFloat,
	"double":  kindDouble,
	"bytes":   kindBytes,
	"string":  kindString,
}

func (k kind) named() bool { return k == kindRecord || k == kindEnum || k == kindFixed }

// node is one schema in the parsed tree. The tree mirrors the document: a
// named type is defined by exactly one node and every later use of it is a
// kindRef node, so writers can reproduce the text and checkers can follow
// the graph (see deref).
type node struct {
	kind kind

	// Named types (record, enum, fixed). name and namespace are as written;
	// full and space are resolved. word is "record" or "error" for records.
	word         string
	name         string
	namespace    string
	hasNamespace bool
	full         string
	short        string // full without its namespace
	space        string
	aliases      []string // as written
	fullAliases  []string // resolved against space
	doc          string
	hasDoc       bool

	// Records.
	fields  []*field
	byName  map[string]*field
	symbols []string // enums

	enumDefault    string
	hasEnumDefault bool

	size int // fixed

	items    *node   // array items, map values
	branches []*node // union

	target  *node  // kindRef: the definition
	refText string // kindRef: the name as written

	// props are the attributes not listed above (logicalType, precision,
	// scale, custom properties), sorted by key.
	props []prop
}

// field is one record field.
type field struct {
	index      int
	name       string
	aliases    []string
	doc        string
	hasDoc     bool
	typ        *node
	def        any // JSON value as decoded with UseNumber
	hasDefault bool
	order      string
	hasOrder   bool
	props      []prop
}

// prop is an attribute kept verbatim: its value is a decoded JSON value.
type prop struct {
	key string
	val any
}

// deref follows a reference to its definition.
func deref(n *node) *node {
	if n.kind == kindRef {
		return n.target
	}
	return n
}

// prop returns the value of the attribute key, or nil.
func (n *node) prop(key string) any {
	for _, p := range n.props {
		if p.key == key {
			return p.val
		}
	}
	return nil
}

// describe names a type for messages: "int", "record com.acme.Order".
func describe(n *node) string {
	n = deref(n)
	if n.kind.named() {
		return n.kind.String() + " " + n.full
	}
	return n.kind.String()
}

// unionKey is what must be unique among a union's branches: the full name
// of a named type, the type name of any other.
func unionKey(n *node) string {
	n = deref(n)
	if n.kind.named() {
		return n.full
	}
	return n.kind.String()
}
