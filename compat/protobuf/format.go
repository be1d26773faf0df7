package protobuf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/accord/accord/compat"
)

// Format is the Protobuf compat.Format. The zero value is ready to use.
type Format struct{}

var _ compat.Format = Format{}

// Type returns compat.TypeProtobuf.
func (Format) Type() string { return compat.TypeProtobuf }

// Parse parses text with its references; see the package Parse.
func (Format) Parse(text string, deps []compat.Dependency) (compat.Schema, error) {
	s, err := Parse(text, deps)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Schema is a parsed, linked .proto file. It is immutable and safe for
// concurrent use.
type Schema struct {
	file      linker.File
	deps      map[string]string // import path -> text, as given
	canonical string
	msgs      []message // every message, depth first, with its Confluent indexes

	normalized func() string
	types      func() *protoregistry.Types
	fieldIndex sync.Map // protoreflect.MessageDescriptor -> fields by number, see diff.go
}

var _ compat.Schema = (*Schema)(nil)

// Parse parses and links a schema: .proto text or, when the text does not
// parse, a base64-encoded FileDescriptorProto (what Confluent's JS and
// Python serializers send). deps are its references (Name is the import
// path); common imports and the well-known types need none. Errors are
// *ParseError values wrapping compat.ErrInvalidSchema.
func Parse(text string, deps []compat.Dependency) (*Schema, error) {
	s, err := parseText(text, deps)
	if err == nil {
		return s, nil
	}
	fd, ok := decodeDescriptor(text)
	if !ok {
		return nil, err
	}
	return parseDescriptor(fd, deps)
}

// parseText parses and links a .proto text.
func parseText(text string, deps []compat.Dependency) (*Schema, error) {
	// Size and nesting are bounded before any parsing (compat.CheckText).
	if err := compat.CheckText(compat.ProtoSyntax, text, deps); err != nil {
		return nil, err
	}
	name := mainFileName(deps)
	handler := reporter.NewHandler(nil)
	var res parser.Result
	err := guard(name, func() error {
		node, err := parser.Parse(name, strings.NewReader(text), handler)
		if err != nil {
			return err
		}
		res, err = parser.ResultFromAST(node, true, handler)
		return err
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	s, err := link(&resolver{main: name, mainRes: res}, deps)
	if err != nil {
		return nil, err
	}
	// The compiler linked a clone, so res still holds the names and options
	// as written: that is what Canonical keeps.
	s.canonical = printFile(res.FileDescriptorProto(), nil)
	return s, nil
}

// guard runs fn, turning a panic deep in the compiler into an error: a
// registry must survive any input.
func guard(name string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ParseError{File: name, Reason: fmt.Sprintf("internal compiler failure: %v", r)}
		}
	}()
	return fn()
}

// link compiles the main file that res names with its dependencies and
// returns the Schema without its Canonical text (the caller's to set).
func link(res *resolver, deps []compat.Dependency) (*Schema, error) {
	builtins, err := builtin()
	if err != nil {
		return nil, fmt.Errorf("protobuf: embedded imports failed to compile: %w", err)
	}
	depSrc := make(map[string]string, len(deps))
	for _, d := range deps {
		depSrc[d.Name] = d.Schema
	}
	res.deps, res.builtins = depSrc, builtins
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(res),
		// Parse runs on the request path and a schema is a single file:
		// goroutines would cost more than they save.
		MaxParallelism: 1,
	}
	var files linker.Files
	err = guard(res.main, func() error {
		var err error
		files, err = c.Compile(context.Background(), res.main)
		return err
	})
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, parseError(res.main, err)
	}
	s := &Schema{file: files[0], deps: depSrc}
	s.msgs = indexMessages(s.file)
	s.normalized = sync.OnceValue(func() string {
		return printFile(s.linkedProto(), newOptionFormatter(s.file))
	})
	s.types = sync.OnceValue(func() *protoregistry.Types { return extensionTypes(s.file) })
	return s, nil
}

// Type returns compat.TypeProtobuf.
func (s *Schema) Type() string { return compat.TypeProtobuf }

// Canonical is the schema re-printed in one layout without comments, names
// and options kept as written: two texts that differ only in whitespace or
// comments have the same Canonical.
func (s *Schema) Canonical() string { return s.canonical }

// Normalized is Canonical made insensitive to spelling and order that carry
// no meaning: type names fully qualified, options (interpreted) and imports
// sorted.
func (s *Schema) Normalized() string { return s.normalized() }

// File is the linked file descriptor.
func (s *Schema) File() protoreflect.FileDescriptor { return s.file }

// Syntax is "proto2", "proto3" or "editions".
func (s *Schema) Syntax() string { return s.file.Syntax().String() }

func (s *Schema) linkedProto() *descriptorpb.FileDescriptorProto {
	if r, ok := s.file.(linker.Result); ok {
		return r.FileDescriptorProto()
	}
	return protodesc.ToFileDescriptorProto(s.file)
}
