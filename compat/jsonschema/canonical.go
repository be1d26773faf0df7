package jsonschema

import (
	"bytes"
	"encoding/json"
	"sort"
)

// canonicalText writes v as compact JSON with object keys sorted, numbers
// as written and no HTML escaping: the same schema in any formatting or key
// order gives the same text.
func canonicalText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "" // unreachable: v was decoded from JSON
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
}

// normalizeValue returns a copy of the schema v in which the keyword values
// that are sets rather than lists are sorted and de-duplicated: required,
// a list of types, and the property lists of dependencies and
// dependentRequired. That is the part of "normalize" that never changes
// meaning. enum is left alone: its order does not change validation but
// code generators give it meaning (constant order), and allOf/anyOf/oneOf
// keep theirs because locations and error reports refer to positions.
// Confluent's own normalize only sorts keys, which Canonical already does.
func normalizeValue(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, val := range m {
		switch k {
		case "required":
			val = sortedSet(val)
		case "type":
			if _, isList := val.([]any); isList {
				val = sortedSet(val)
			}
		case "dependentRequired":
			if deps, ok := val.(map[string]any); ok {
				nd := make(map[string]any, len(deps))
				for name, d := range deps {
					nd[name] = sortedSet(d)
				}
				val = nd
			}
		}
		switch subschemaPosition(k) {
		case posSelf:
			val = normalizeValue(val)
		case posItems:
			if arr, ok := val.([]any); ok {
				na := make([]any, len(arr))
				for i, e := range arr {
					na[i] = normalizeValue(e)
				}
				val = na
			} else {
				val = normalizeValue(val)
			}
		case posProps:
			if mm, ok := val.(map[string]any); ok {
				nm := make(map[string]any, len(mm))
				for name, e := range mm {
					if k == "dependencies" {
						if _, isList := e.([]any); isList {
							nm[name] = sortedSet(e)
							continue
						}
					}
					nm[name] = normalizeValue(e)
				}
				val = nm
			}
		}
		out[k] = val
	}
	return out
}

// sortedSet sorts and de-duplicates a list of strings; anything else is
// returned unchanged.
func sortedSet(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	strs := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return v
		}
		strs = append(strs, s)
	}
	sort.Strings(strs)
	out := make([]any, 0, len(strs))
	for i, s := range strs {
		if i == 0 || s != strs[i-1] {
			out = append(out, s)
		}
	}
	return out
}
