package protobuf

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/accord/accord/compat"
)

// FuzzParse: Parse never panics (nor hides a panic as an internal failure),
// every failure wraps ErrInvalidSchema, and whatever parses prints forms
// that parse again to themselves.
func FuzzParse(f *testing.F) {
	for _, s := range []string{richProto2, richProto3, richEditions, groupsProto2, indexedSchema, decodeSchema, decodeSchema2} {
		f.Add(s)
	}
	if data, err := os.ReadFile(conformanceFile); err == nil {
		var cases []conformanceCase
		if json.Unmarshal(data, &cases) == nil {
			for _, c := range cases {
				f.Add(c.OriginalSchema)
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text, nil)
		if err != nil {
			if !errors.Is(err, compat.ErrInvalidSchema) {
				t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
			}
			if strings.Contains(err.Error(), "internal compiler failure") {
				t.Fatalf("panic inside Parse: %v", err)
			}
			return
		}
		c, err := Parse(s.Canonical(), nil)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, s.Canonical())
		}
		if c.Canonical() != s.Canonical() {
			t.Fatalf("canonical form is not stable:\n%s\n---\n%s", s.Canonical(), c.Canonical())
		}
		n, err := Parse(s.Normalized(), nil)
		if err != nil {
			t.Fatalf("normalized form does not parse: %v\n%s", err, s.Normalized())
		}
		if n.Normalized() != s.Normalized() {
			t.Fatalf("normalized form is not stable:\n%s\n---\n%s", s.Normalized(), n.Normalized())
		}
		_ = Diff(s, c)
	})
}

// FuzzDecode: decoding any bytes never panics; what decodes cleanly
// re-encodes to bytes that decode cleanly to an equal message.
func FuzzDecode(f *testing.F) {
	schemas := []*Schema{mustParse(f, decodeSchema), mustParse(f, richProto2), mustParse(f, decodeSchema2)}
	f.Add(uint8(0), []byte{0}, []byte{0x0a, 0x01, 'x', 0x10, 0x03})
	f.Add(uint8(0), []byte{2, 0}, []byte{0x1a, 0x03, 0x0a, 0x01, 'a'})
	f.Add(uint8(1), []byte{2, 2}, []byte{0x0a, 0x01, 'x', 0x43, 0x0a, 0x00, 0x44})
	f.Add(uint8(2), []byte{0}, []byte{0x08, 0x01})
	f.Fuzz(func(t *testing.T, which uint8, header, payload []byte) {
		s := schemas[int(which)%len(schemas)]
		idx, _, err := ReadIndexes(header)
		if err != nil {
			return
		}
		msg, err := s.Decode(idx, payload)
		if err != nil {
			if msg == nil && errors.Is(err, ErrUnknownFields) {
				t.Fatal("unknown fields must come with the decoded message")
			}
			return
		}
		b, err := proto.Marshal(msg)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := s.Decode(idx, b)
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if !proto.Equal(msg, again) {
			t.Fatal("round trip changed the message")
		}
	})
}
