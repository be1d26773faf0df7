package jsonschema

import (
	"fmt"

	"github.com/accord/accord/compat"
)

// CompatibleWith reports what prevents a consumer using s (the reader) from
// reading data written with writer: the incompatible changes of
// Diff(writer, s).
func (s *Schema) CompatibleWith(writer compat.Schema) []compat.Difference {
	w, ok := writer.(*Schema)
	if !ok || w == nil {
		typ := "nil"
		if writer != nil {
			typ = writer.Type()
		}
		return []compat.Difference{{
			ID:       string(TypeChanged),
			Location: "#/",
			Message:  fmt.Sprintf("the writer schema is %s, not a JSON Schema", typ),
		}}
	}
	var out []compat.Difference
	for _, c := range diff(w, s, func(t ChangeType) bool { return !t.Compatible() }) {
		out = append(out, compat.Difference{ID: string(c.Type), Location: c.Location, Message: c.Type.Description()})
	}
	return out
}
