package avro

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// form selects what the schema writer produces.
type form uint8

const (
	// formCanonical keeps the text's meaning and spelling (number
	// literals, aliases as written) in a fixed attribute order, and writes
	// names as Avro's Schema.toString does, which is what Confluent
	// stores and keys schema ids on: the short name, the namespace only
	// where it differs from the enclosing one, a use of a named type by
	// its short name in its own namespace. A namespace restated or
	// inherited, or a full name in "name", is then one text.
	formCanonical form = iota
	// formNormalized also resolves names to full names, sorts aliases and
	// drops attributes that restate a default, so that spellings with the
	// same meaning give the same text.
	formNormalized
)

// writeSchema writes n compactly. Attribute order is fixed: type, name,
// namespace, doc, aliases, then fields, symbols, items, values or size,
// then default, then every other attribute sorted by key. space is the
// enclosing namespace, needed by the normalized form to know when a nested
// type must say that it is in the null namespace.
func writeSchema(b *bytes.Buffer, n *node, f form, space string) {
	switch n.kind {
	case kindRef:
		if f == formNormalized || n.target.space != space || primitiveName(n.target.short) {
			writeString(b, n.target.full)
		} else {
			writeString(b, n.target.short)
		}
		return
	case kindUnion:
		b.WriteByte('[')
		for i, br := range n.branches {
			if i > 0 {
				b.WriteByte(',')
			}
			writeSchema(b, br, f, space)
		}
		b.WriteByte(']')
		return
	}
	if n.kind <= kindString && len(n.props) == 0 {
		writeString(b, n.kind.String())
		return
	}

	b.WriteString(`{"type":`)
	if n.kind == kindRecord {
		writeString(b, n.word)
	} else {
		writeString(b, n.kind.String())
	}
	if n.kind.named() {
		writeNames(b, n, f, space)
		space = n.space
	}
	switch n.kind {
	case kindRecord:
		b.WriteString(`,"fields":[`)
		for i, fd := range n.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeField(b, fd, f, space)
		}
		b.WriteByte(']')
	case kindEnum:
		b.WriteString(`,"symbols":`)
		writeStrings(b, n.symbols)
		if n.hasEnumDefault {
			b.WriteString(`,"default":`)
			writeString(b, n.enumDefault)
		}
	case kindFixed:
		b.WriteString(`,"size":`)
		b.WriteString(strconv.Itoa(n.size))
	case kindArray:
		b.WriteString(`,"items":`)
		writeSchema(b, n.items, f, space)
	case kindMap:
		b.WriteString(`,"values":`)
		writeSchema(b, n.items, f, space)
	}
	writeProps(b, n.props, f)
	b.WriteByte('}')
}

func writeNames(b *bytes.Buffer, n *node, f form, space string) {
	b.WriteString(`,"name":`)
	if f == formNormalized {
		writeString(b, n.full)
		// A full name without a dot inside a namespace would be read back
		// in that namespace; say explicitly that it is in the null one.
		if n.space == "" && space != "" {
			b.WriteString(`,"namespace":""`)
		}
	} else {
		writeString(b, n.short)
		if n.space != space {
			b.WriteString(`,"namespace":`)
			writeString(b, n.space)
		}
	}
	if n.hasDoc && (f == formCanonical || n.doc != "") {
		b.WriteString(`,"doc":`)
		writeString(b, n.doc)
	}
	if f == formNormalized {
		if len(n.fullAliases) > 0 {
			b.WriteString(`,"aliases":`)
			writeStrings(b, sortedUnique(n.fullAliases))
		}
	} else if n.aliases != nil {
		// As Avro writes them: each relative to the type's namespace.
		b.WriteString(`,"aliases":`)
		rel := make([]string, 0, len(n.fullAliases))
		for _, a := range n.fullAliases {
			if i := strings.LastIndexByte(a, '.'); i >= 0 && a[:i] == n.space {
				a = a[i+1:]
			}
			if !slices.Contains(rel, a) {
				rel = append(rel, a)
			}
		}
		writeStrings(b, rel)
	}
}

// writeField writes a field: name, type, doc, aliases, default, order,
// then other attributes sorted.
func writeField(b *bytes.Buffer, fd *field, f form, space string) {
	b.WriteString(`{"name":`)
	writeString(b, fd.name)
	b.WriteString(`,"type":`)
	writeSchema(b, fd.typ, f, space)
	if fd.hasDoc && (f == formCanonical || fd.doc != "") {
		b.WriteString(`,"doc":`)
		writeString(b, fd.doc)
	}
	if f == formNormalized {
		if len(fd.aliases) > 0 {
			b.WriteString(`,"aliases":`)
			writeStrings(b, sortedUnique(fd.aliases))
		}
	} else if fd.aliases != nil {
		b.WriteString(`,"aliases":`)
		writeStrings(b, fd.aliases)
	}
	if fd.hasDefault {
		b.WriteString(`,"default":`)
		writeJSON(b, fd.def, f == formNormalized)
	}
	// "ascending" is the default order, which Avro does not write.
	if fd.hasOrder && fd.order != "ascending" {
		b.WriteString(`,"order":`)
		writeString(b, fd.order)
	}
	writeProps(b, fd.props, f)
	b.WriteByte('}')
}

func writeProps(b *bytes.Buffer, ps []prop, f form) {
	for _, p := range ps {
		b.WriteByte(',')
		writeString(b, p.key)
		b.WriteByte(':')
		writeJSON(b, p.val, f == formNormalized)
	}
}

func writeStrings(b *bytes.Buffer, ss []string) {
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}

// writeJSON writes a decoded JSON value with object keys sorted. With
// normNumbers, numbers are rewritten by value (1.0 and 1e0 become 1), so
// that spellings of the same number compare equal.
func writeJSON(b *bytes.Buffer, v any, normNumbers bool) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		if normNumbers {
			b.WriteString(normalizeNumber(t))
		} else {
			b.WriteString(string(t))
		}
	case string:
		writeString(b, t)
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e, normNumbers)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(t) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeJSON(b, t[k], normNumbers)
		}
		b.WriteByte('}')
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// normalizeNumber writes a JSON number by value. Integers that fit in 64
// bits are kept exact (a long default must not lose digits to float64).
func normalizeNumber(n json.Number) string {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		// Out of float64 range: keep the literal rather than invent a value.
		return s
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// writeString writes s as a JSON string. Only what JSON requires is
// escaped, so the text stays readable; the escapes are fixed so that the
// same string is always written the same way.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Decoded JSON never holds invalid UTF-8; guard anyway.
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// primitiveName reports whether a short name is also a type name, which
// Avro writes in full even in its own namespace (as Name.getQualified).
func primitiveName(short string) bool {
	if _, ok := primitiveKinds[short]; ok {
		return true
	}
	switch short {
	case "record", "enum", "fixed", "array", "map", "union", "error":
		return true
	}
	return false
}
