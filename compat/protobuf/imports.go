package protobuf

import (
	"context"
	"embed"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/parser"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/accord/accord/compat"
)

// embedded holds the common imports that Confluent serves without
// registration: google/type/* and Confluent's own meta and decimal types.
//
//go:embed imports
var embedded embed.FS

// builtin compiles the embedded imports once; every Parse links against the
// same descriptors instead of re-parsing them.
var builtin = sync.OnceValues(func() (map[string]linker.File, error) {
	srcs := map[string]string{}
	err := fs.WalkDir(embedded, "imports", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(path)
		if err != nil {
			return err
		}
		srcs[strings.TrimPrefix(path, "imports/")] = string(b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(srcs),
	})}
	files, err := c.Compile(context.Background(), names...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]linker.File, len(files))
	for _, f := range files {
		out[f.Path()] = f
	}
	return out, nil
})

// CommonImports lists the import paths available without a reference,
// besides the well-known types (google/protobuf/*).
func CommonImports() []string {
	files, err := builtin()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(files))
	for p := range files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// resolver finds the schema being parsed, its references, then the embedded
// common imports, then (through protocompile) the well-known types.
// References win over built-ins so a registry may serve its own copies.
type resolver struct {
	main     string
	mainRes  parser.Result                     // the schema as parsed text, or
	mainDesc *descriptorpb.FileDescriptorProto // the schema as a descriptor
	deps     map[string]string
	builtins map[string]linker.File
}

func (r *resolver) FindFileByPath(path string) (protocompile.SearchResult, error) {
	if path == r.main {
		if r.mainDesc != nil {
			return protocompile.SearchResult{Proto: r.mainDesc}, nil
		}
		return protocompile.SearchResult{ParseResult: r.mainRes}, nil
	}
	if src, ok := r.deps[path]; ok {
		return protocompile.SearchResult{Source: strings.NewReader(src)}, nil
	}
	if f, ok := r.builtins[path]; ok {
		return protocompile.SearchResult{Desc: f}, nil
	}
	return protocompile.SearchResult{}, protoregistry.NotFound
}

// mainFileName is the name the schema itself is compiled under: it shows in
// error messages and must not collide with an import path.
func mainFileName(deps []compat.Dependency) string {
	name := "schema.proto"
	for i := 1; ; i++ {
		taken := false
		for _, d := range deps {
			if d.Name == name {
				taken = true
				break
			}
		}
		if !taken {
			return name
		}
		name = "schema" + strings.Repeat("_", i) + ".proto"
	}
}

// origin identifies where a file came from, so that the comparison can tell
// whether two versions refer to the very same imported definition (then its
// contents need no comparison) or to possibly different ones. The main file
// is "" on both sides, as Confluent treats local types.
func (s *Schema) origin(f protoreflect.FileDescriptor) string {
	p := f.Path()
	if p == s.file.Path() {
		return ""
	}
	if src, ok := s.deps[p]; ok {
		return "ref:" + p + "\x00" + src
	}
	return "builtin:" + p
}
