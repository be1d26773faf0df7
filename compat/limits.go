package compat

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Bounds every format enforces before parsing. Parsing cost grows with
// size and, for JSON Schema's meta-schema validation, much faster than
// linearly with nesting (a chain of 1,000 nested "properties" took 25 s of
// CPU, 500 took 3.3 s), so both are checked by a linear pre-scan first.
// docs/limits.md lists them with every other bound.
const (
	// MaxSchemaBytes bounds one schema text (the submitted schema and each
	// of its dependencies).
	MaxSchemaBytes = 1 << 20
	// MaxTotalBytes bounds a schema and all its dependencies together.
	MaxTotalBytes = 4 << 20
	// MaxDepth bounds nesting: JSON objects and arrays for Avro and JSON
	// Schema (a nested Avro record is 3 levels, a nested JSON Schema
	// property 2), braces, brackets and parentheses for Protobuf (a nested
	// message is 1). At this depth a JSON Schema chain parses in about
	// 10 ms.
	MaxDepth = 64
	// DefaultBudget is the time a parse, or a compatibility check, may
	// take by default before it is abandoned (see ParseContext).
	DefaultBudget = 10 * time.Second
)

// ErrBudget is the cause of a context whose time budget ended: the work
// was too costly for its budget. It wraps ErrInvalidSchema, so the caller
// sees a 422 naming the budget.
var ErrBudget = fmt.Errorf("%w: the schema exceeded its time budget", ErrInvalidSchema)

// Syntax selects the nesting rules of CheckText's pre-scan.
type Syntax int

const (
	// JSONSyntax: strings in double quotes with backslash escapes; objects
	// and arrays nest.
	JSONSyntax Syntax = iota
	// ProtoSyntax: strings in single or double quotes, // and /* */
	// comments; braces, brackets, parentheses and angle-bracket option
	// aggregates nest.
	ProtoSyntax
)

// CheckText refuses a schema text, with its dependencies, over the size
// and depth bounds, naming the bound. It reads each text once and
// allocates nothing, so it is safe to run on any input before parsing.
func CheckText(syn Syntax, text string, deps []Dependency) error {
	total := len(text)
	if len(text) > MaxSchemaBytes {
		return InvalidSchemaf("the schema is %d bytes: the limit is %d bytes", len(text), MaxSchemaBytes)
	}
	if err := checkDepth(syn, text); err != nil {
		return err
	}
	for _, d := range deps {
		total += len(d.Schema)
		if len(d.Schema) > MaxSchemaBytes {
			return InvalidSchemaf("reference %q is %d bytes: the limit is %d bytes", d.Name, len(d.Schema), MaxSchemaBytes)
		}
		if total > MaxTotalBytes {
			return InvalidSchemaf("the schema and its references are over %d bytes: the limit is %d bytes", total, MaxTotalBytes)
		}
		dsyn := syn
		if d.Type == TypeProtobuf {
			dsyn = ProtoSyntax
		} else if d.Type != "" {
			dsyn = JSONSyntax
		}
		if err := checkDepth(dsyn, d.Schema); err != nil {
			return fmt.Errorf("reference %q: %w", d.Name, err)
		}
	}
	return nil
}

// checkDepth finds the deepest nesting of text, outside strings (and, for
// Protobuf, comments), and refuses it above MaxDepth.
func checkDepth(syn Syntax, text string) error {
	depth, line := 0, 1
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\n':
			line++
		case '"', '\'':
			if c == '\'' && syn == JSONSyntax {
				continue
			}
			for i++; i < len(text) && text[i] != c; i++ {
				switch text[i] {
				case '\\':
					i++
				case '\n':
					line++
				}
			}
		case '/':
			if syn != ProtoSyntax || i+1 >= len(text) {
				continue
			}
			switch text[i+1] {
			case '/':
				for i < len(text) && text[i] != '\n' {
					i++
				}
				i-- // the newline counts the line
			case '*':
				for i += 2; i+1 < len(text) && !(text[i] == '*' && text[i+1] == '/'); i++ {
					if text[i] == '\n' {
						line++
					}
				}
				i++
			}
		case '{', '[':
			depth++
		case '(', '<':
			if syn == ProtoSyntax {
				depth++
			}
		case '}', ']':
			depth--
		case ')', '>':
			if syn == ProtoSyntax {
				depth--
			}
		}
		if depth > MaxDepth {
			return InvalidSchemaf("nesting deeper than %d levels at line %d: the limit is %d", MaxDepth, line, MaxDepth)
		}
	}
	return nil
}

// slots bounds the parses running at once to the processors: parsing is
// CPU work, and requests beyond that wait (under their context) instead
// of sharing the processors until every one is slow.
var slots = make(chan struct{}, runtime.GOMAXPROCS(0))

// ParseContext parses text with f under ctx: it waits for a parse slot
// while ctx lives, and gives up when ctx ends (the client left or the
// budget ended) before or while waiting. One parse is not interrupted
// midway (the JSON Schema compiler cannot be); CheckText's bounds keep it
// short. When ctx's budget ended its cause (see WithBudget) is returned.
func ParseContext(ctx context.Context, f Format, text string, deps []Dependency) (Schema, error) {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctxErr(ctx)
	}
	defer func() { <-slots }()
	if ctx.Err() != nil {
		return nil, ctxErr(ctx)
	}
	s, err := f.Parse(text, deps)
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctxErr(ctx)
	}
	return s, nil
}

// WithBudget returns ctx ending after d (DefaultBudget when d <= 0) with
// cause ErrBudget naming d.
func WithBudget(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultBudget
	}
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("%w of %v (a parse or compatibility check may take at most that)", ErrBudget, d))
}

// ctxErr is why ctx ended: its cause when it has one (a budget), else
// context.Canceled or DeadlineExceeded.
func ctxErr(ctx context.Context) error {
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) && !errors.Is(c, context.DeadlineExceeded) {
		return c
	}
	return ctx.Err()
}

// CheckContext is CheckWithMetadata under ctx: it stops between earlier
// versions and directions when ctx ends, returning why.
func CheckContext(ctx context.Context, level Level, candidate Schema, props map[string]string, previous []Previous) ([]Violation, error) {
	dirs := level.Directions()
	if dirs == 0 || len(previous) == 0 {
		return nil, nil
	}
	if !level.Transitive() {
		previous = previous[len(previous)-1:]
	}
	var out []Violation
	for i := len(previous) - 1; i >= 0; i-- {
		if ctx.Err() != nil {
			return nil, ctxErr(ctx)
		}
		out = append(out, CheckWithMetadata(level, candidate, props, previous[i:i+1])...)
	}
	if ctx.Err() != nil {
		return nil, ctxErr(ctx)
	}
	return out, nil
}
