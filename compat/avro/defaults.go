package avro

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// checkDefault reports why the JSON value v is not a valid default for a
// field of type n, or "" when it is. The rules are the specification's
// "default values" table, as the Java implementation (and so Confluent)
// enforces them: a union's default belongs to its first branch, a record's
// default must give every field without a default of its own.
func checkDefault(n *node, v any) string {
	n = deref(n)
	switch n.kind {
	case kindNull:
		if v != nil {
			return "a null default must be null"
		}
	case kindBoolean:
		if _, ok := v.(bool); !ok {
			return "a boolean default must be true or false"
		}
	case kindInt:
		if num, ok := v.(json.Number); !ok || !isInteger(num, 32) {
			return "an int default must be a whole number from -2147483648 to 2147483647"
		}
	case kindLong:
		if num, ok := v.(json.Number); !ok || !isInteger(num, 64) {
			return "a long default must be a whole number that fits in 64 bits"
		}
	case kindFloat, kindDouble:
		switch t := v.(type) {
		case json.Number:
			return ""
		case string:
			// Java writes non-finite defaults as these strings.
			if t == "NaN" || t == "Infinity" || t == "-Infinity" {
				return ""
			}
		}
		return fmt.Sprintf("a %s default must be a number", n.kind)
	case kindString:
		if _, ok := v.(string); !ok {
			return "a string default must be a JSON string"
		}
	case kindBytes:
		s, ok := v.(string)
		if !ok || !isByteString(s) {
			return `a bytes default must be a JSON string whose characters are \u0000 to \u00ff, one per byte`
		}
	case kindFixed:
		s, ok := v.(string)
		if !ok || !isByteString(s) {
			return fmt.Sprintf(`a default for fixed '%s' must be a JSON string whose characters are \u0000 to \u00ff, one per byte`, n.full)
		}
		if c := utf8.RuneCountInString(s); c != n.size {
			return fmt.Sprintf("a default for fixed '%s' must be %d bytes long, not %d", n.full, n.size, c)
		}
	case kindEnum:
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("a default for enum '%s' must be one of its symbols, as a string", n.full)
		}
		for _, sym := range n.symbols {
			if sym == s {
				return ""
			}
		}
		return fmt.Sprintf("'%s' is not a symbol of enum '%s'", truncate(s, 40), n.full)
	case kindArray:
		arr, ok := v.([]any)
		if !ok {
			return "an array default must be a JSON array"
		}
		for i, e := range arr {
			if why := checkDefault(n.items, e); why != "" {
				return fmt.Sprintf("item %d: %s", i, why)
			}
		}
	case kindMap:
		obj, ok := v.(map[string]any)
		if !ok {
			return "a map default must be a JSON object"
		}
		for _, k := range sortedKeys(obj) {
			if why := checkDefault(n.items, obj[k]); why != "" {
				return fmt.Sprintf("key '%s': %s", truncate(k, 40), why)
			}
		}
	case kindUnion:
		if len(n.branches) == 0 {
			return "an empty union cannot have a default"
		}
		first := n.branches[0]
		if why := checkDefault(first, v); why != "" {
			for _, b := range n.branches[1:] {
				if checkDefault(b, v) == "" {
					return fmt.Sprintf("a union's default must match its first type (%s), but this one matches %s; put %s first or change the default", describe(first), describe(b), describe(b))
				}
			}
			return fmt.Sprintf("a union's default must match its first type (%s): %s", describe(first), why)
		}
	case kindRecord:
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("a default for record '%s' must be a JSON object", n.full)
		}
		for _, f := range n.fields {
			fv, ok := obj[f.name]
			if !ok {
				if f.hasDefault {
					continue
				}
				return fmt.Sprintf("field '%s' of record '%s' is missing and has no default of its own", f.name, n.full)
			}
			if why := checkDefault(f.typ, fv); why != "" {
				return fmt.Sprintf("field '%s': %s", f.name, why)
			}
		}
	}
	return ""
}

// isInteger reports whether num is written as a whole number that fits in
// bits. Java rejects 1.0 and 1e2 for int and long, and so do we.
func isInteger(num json.Number, bits int) bool {
	_, err := strconv.ParseInt(string(num), 10, bits)
	return err == nil
}

// isByteString reports whether every character of s is a code point from 0
// to 255, the encoding of bytes and fixed defaults.
func isByteString(s string) bool {
	for _, r := range s {
		if r > 0xff {
			return false
		}
	}
	return true
}
