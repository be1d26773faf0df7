package protobuf

import (
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func mustParse(t testing.TB, text string, deps ...compat.Dependency) *Schema {
	t.Helper()
	s, err := Parse(text, deps)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return s
}

// The printed forms must parse back to themselves: they are what the
// registry stores and serves.
func TestPrintedFormsAreFixedPoints(t *testing.T) {
	for name, src := range map[string]string{"proto2": richProto2, "proto3": richProto3, "editions": richEditions, "groups": groupsProto2} {
		t.Run(name, func(t *testing.T) {
			s := mustParse(t, src)
			c := mustParse(t, s.Canonical())
			if c.Canonical() != s.Canonical() {
				t.Errorf("canonical is not stable:\n%s\n---\n%s", s.Canonical(), c.Canonical())
			}
			n := mustParse(t, s.Normalized())
			if n.Normalized() != s.Normalized() {
				t.Errorf("normalized is not stable:\n%s\n---\n%s", s.Normalized(), n.Normalized())
			}
			if c.Normalized() != s.Normalized() {
				t.Errorf("canonical text normalizes differently")
			}
			if !equalPaths(s.Messages(), c.Messages()) || !equalPaths(s.Messages(), n.Messages()) {
				t.Errorf("message indexes changed: %v / %v / %v", s.Messages(), c.Messages(), n.Messages())
			}
			if d := Diff(s, n); len(d) != 0 {
				t.Errorf("normalized form differs from the original: %v", d)
			}
		})
	}
}

func equalPaths(a, b []MessagePath) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].FullName != b[i].FullName || !equalInts(a[i].Indexes, b[i].Indexes) {
			return false
		}
	}
	return true
}

func TestCanonicalIgnoresWhitespaceAndComments(t *testing.T) {
	a := `syntax = "proto3"; package p; message M { string a = 1; map<string,int32> m = 2 [deprecated=true]; }`
	b := `// A comment
syntax   =   "proto3" ;
/* block
   comment */
package    p;

message M
{
    string a = 1;  // trailing
    map < string , int32 > m = 2 [ deprecated = true ] ;
}
`
	if ca, cb := mustParse(t, a).Canonical(), mustParse(t, b).Canonical(); ca != cb {
		t.Errorf("canonical differs:\n%s\n---\n%s", ca, cb)
	}
}

func TestCanonicalKeepsMeaning(t *testing.T) {
	a := mustParse(t, `syntax = "proto2"; message M { optional int32 a = 1 [default = 1]; }`)
	b := mustParse(t, `syntax = "proto2"; message M { optional int32 a = 1 [default = 2]; }`)
	if a.Canonical() == b.Canonical() {
		t.Error("different defaults must not share a canonical form")
	}
	if !strings.Contains(a.Canonical(), "[default = 1]") {
		t.Errorf("default lost:\n%s", a.Canonical())
	}
}

func TestNormalizedIgnoresSpellingAndOrder(t *testing.T) {
	cases := []struct{ name, a, b string }{
		{"qualified names",
			`syntax = "proto3"; package p; message M { N n = 1; message N {} } message O { M.N n = 1; }`,
			`syntax = "proto3"; package p; message M { .p.M.N n = 1; message N {} } message O { p.M.N n = 1; }`},
		{"option order",
			`syntax = "proto3"; option java_package = "x"; option go_package = "y"; message M { int32 a = 1 [deprecated = true, json_name = "z"]; }`,
			`syntax = "proto3"; option go_package = "y"; option java_package = "x"; message M { int32 a = 1 [json_name = "z", deprecated = true]; }`},
		{"import order",
			`syntax = "proto3"; import "google/type/date.proto"; import "google/protobuf/timestamp.proto"; message M { google.type.Date d = 1; google.protobuf.Timestamp t = 2; }`,
			`syntax = "proto3"; import "google/protobuf/timestamp.proto"; import "google/type/date.proto"; message M { google.type.Date d = 1; google.protobuf.Timestamp t = 2; }`},
		{"aggregate versus dotted options",
			`syntax = "proto3"; import "confluent/meta.proto"; message M { option (confluent.message_meta) = { doc: "d" tags: "t" }; }`,
			`syntax = "proto3"; import "confluent/meta.proto"; message M { option (confluent.message_meta).tags = "t"; option (confluent.message_meta).doc = "d"; }`},
		{"declaration interleaving",
			`syntax = "proto3"; message M { int32 a = 1; message N {} int32 b = 2; }`,
			`syntax = "proto3"; message M { int32 a = 1; int32 b = 2; message N {} }`},
		{"default json name spelled out",
			`syntax = "proto3"; message M { int32 foo_bar = 1 [json_name = "fooBar"]; }`,
			`syntax = "proto3"; message M { int32 foo_bar = 1; }`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			na, nb := mustParse(t, c.a).Normalized(), mustParse(t, c.b).Normalized()
			if na != nb {
				t.Errorf("normalized differs:\n%s\n---\n%s", na, nb)
			}
		})
	}
}

// A parsed schema is shared by every request that uses it.
func TestSchemaIsSafeForConcurrentUse(t *testing.T) {
	s := mustParse(t, richProto3)
	other := mustParse(t, richProto3+"\nmessage Extra {}\n")
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func() {
			_ = s.CompatibleWith(other)
			_, _ = s.Decode(nil, []byte{0x0a, 0x01, 'x'})
			done <- s.Normalized()
		}()
	}
	first := <-done
	for i := 1; i < 8; i++ {
		if got := <-done; got != first {
			t.Error("Normalized differs between goroutines")
		}
	}
}
