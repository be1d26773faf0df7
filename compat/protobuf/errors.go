package protobuf

import (
	"errors"
	"fmt"

	"github.com/bufbuild/protocompile/reporter"

	"github.com/accord/accord/compat"
)

// ParseError is a schema that failed to parse, link or resolve, located in
// the file it was found in (the schema itself or one of its imports).
// It wraps compat.ErrInvalidSchema.
type ParseError struct {
	File   string
	Line   int // 1-based; 0 when the problem has no position
	Column int // 1-based; 0 when the problem has no position
	Reason string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%v: %s: %s", compat.ErrInvalidSchema, e.File, e.Reason)
	}
	return fmt.Sprintf("%v: %s:%d:%d: %s", compat.ErrInvalidSchema, e.File, e.Line, e.Column, e.Reason)
}

// Unwrap makes errors.Is(err, compat.ErrInvalidSchema) hold.
func (e *ParseError) Unwrap() error { return compat.ErrInvalidSchema }

// parseError turns a protocompile failure into a ParseError, keeping the
// position protocompile attached when there is one.
func parseError(file string, err error) error {
	var ewp reporter.ErrorWithPos
	if errors.As(err, &ewp) {
		pos := ewp.GetPosition()
		name := pos.Filename
		if name == "" {
			name = file
		}
		return &ParseError{File: name, Line: pos.Line, Column: pos.Col, Reason: ewp.Unwrap().Error()}
	}
	return &ParseError{File: file, Reason: err.Error()}
}
