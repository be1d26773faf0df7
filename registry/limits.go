package registry

import (
	"time"

	"github.com/accord/accord/compat"
)

// Bounds on a submitted schema, checked before any parsing or store read:
// each reference costs a store read and a parse. The schema's own size and
// nesting are bounded by the formats (compat.CheckText), and every parse
// and compatibility check runs under the request's context and a time
// budget (SetBudget). docs/limits.md lists them with every other bound.
const (
	// MaxReferences bounds the references one schema lists (each name
	// once). Transitive references are bounded by this at every level.
	MaxReferences = 1000
)

// checkInputLimits refuses a schema input over the bounds, naming the field
// and the limit (422, error code 42201).
func checkInputLimits(in SchemaInput) error {
	if len(in.Schema) > compat.MaxSchemaBytes {
		return errorf(ErrInvalidSchema, "Invalid schema: schema is %d bytes: the limit is %d bytes", len(in.Schema), compat.MaxSchemaBytes)
	}
	if len(in.References) > MaxReferences {
		return errorf(ErrInvalidSchema, "Invalid schema: references lists %d references: the limit is %d", len(in.References), MaxReferences)
	}
	return nil
}

// SetBudget sets the time one parse or one compatibility check may take
// (compat.DefaultBudget when d <= 0); past it the request is refused with
// 422/42201 naming the budget. Call it before serving requests.
func (r *Registry) SetBudget(d time.Duration) { r.budget = d }
