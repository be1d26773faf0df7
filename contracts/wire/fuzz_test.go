package wire_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/accord/accord/contracts/wire"
)

// FuzzParse checks that Parse never panics, that every error is a
// FrameError with an offset inside the frame (or just past it), and that
// what it accepts re-encodes to an equivalent frame.
func FuzzParse(f *testing.F) {
	for _, s := range [][]byte{
		nil, {0}, {0, 0, 0, 0, 1}, {0, 0, 0, 0, 1, 0, 8, 1}, {0, 0, 0, 0, 1, 4, 2, 0},
		{0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, {1, 2, 3},
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, b []byte, protobuf bool) {
		fr, err := wire.Parse(b, protobuf)
		if err != nil {
			var fe *wire.FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(% x): error %v is not a FrameError", b, err)
			}
			if fe.Offset < 0 || fe.Offset > len(b) || fe.Reason == "" {
				t.Fatalf("Parse(% x): bad error %+v", b, fe)
			}
			return
		}
		if fr.SchemaID <= 0 || len(fr.Payload) > len(b)-wire.HeaderSize {
			t.Fatalf("Parse(% x) = %+v", b, fr)
		}
		again, err := wire.Parse(wire.Encode(fr, protobuf), protobuf)
		if err != nil {
			t.Fatalf("re-parsing the encoding of %+v: %v", fr, err)
		}
		if again.SchemaID != fr.SchemaID || !slices.Equal(again.MessageIndexes, fr.MessageIndexes) || !bytes.Equal(again.Payload, fr.Payload) {
			t.Fatalf("round trip: %+v became %+v", fr, again)
		}
	})
}
