package wire_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/contracts/wire"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name     string
		frame    []byte
		protobuf bool
		want     wire.Frame
		reason   wire.Reason
		offset   int
	}{
		{name: "avro", frame: []byte{0, 0, 0, 0, 7, 2, 'a'}, want: wire.Frame{SchemaID: 7, Payload: []byte{2, 'a'}}},
		{name: "empty payload", frame: []byte{0, 0, 0, 1, 0}, want: wire.Frame{SchemaID: 256, Payload: []byte{}}},
		{name: "protobuf first message", frame: []byte{0, 0, 0, 0, 3, 0, 8, 1}, protobuf: true, want: wire.Frame{SchemaID: 3, MessageIndexes: []int{0}, Payload: []byte{8, 1}}},
		{name: "protobuf nested", frame: []byte{0, 0, 0, 0, 3, 4, 2, 0, 9}, protobuf: true, want: wire.Frame{SchemaID: 3, MessageIndexes: []int{1, 0}, Payload: []byte{9}}},
		{name: "protobuf explicit [0]", frame: []byte{0, 0, 0, 0, 3, 2, 0}, protobuf: true, want: wire.Frame{SchemaID: 3, MessageIndexes: []int{0}, Payload: []byte{}}},
		{name: "nil", frame: nil, reason: wire.ReasonEmpty, offset: 0},
		{name: "bad magic", frame: []byte{1, 0, 0, 0, 1}, reason: wire.ReasonBadMagic, offset: 0},
		{name: "json not framed", frame: []byte(`{"a":1}`), reason: wire.ReasonBadMagic, offset: 0},
		{name: "magic only", frame: []byte{0}, reason: wire.ReasonTruncatedID, offset: 1},
		{name: "truncated id", frame: []byte{0, 0, 0, 1}, reason: wire.ReasonTruncatedID, offset: 4},
		{name: "zero id", frame: []byte{0, 0, 0, 0, 0, 1}, reason: wire.ReasonBadID, offset: 1},
		{name: "negative id", frame: []byte{0, 0xff, 0xff, 0xff, 0xff}, reason: wire.ReasonBadID, offset: 1},
		{name: "protobuf no indexes", frame: []byte{0, 0, 0, 0, 1}, protobuf: true, reason: wire.ReasonTruncatedIndexes, offset: 5},
		{name: "protobuf truncated count", frame: []byte{0, 0, 0, 0, 1, 0x80}, protobuf: true, reason: wire.ReasonTruncatedIndexes, offset: 6},
		{name: "protobuf truncated index", frame: []byte{0, 0, 0, 0, 1, 4, 2}, protobuf: true, reason: wire.ReasonTruncatedIndexes, offset: 7},
		{name: "protobuf negative count", frame: []byte{0, 0, 0, 0, 1, 1, 0}, protobuf: true, reason: wire.ReasonBadIndexCount, offset: 5},
		{name: "protobuf huge count", frame: append([]byte{0, 0, 0, 0, 1}, 0xfe, 0xff, 0xff, 0xff, 0x0f), protobuf: true, reason: wire.ReasonBadIndexCount, offset: 5},
		{name: "protobuf count over max", frame: []byte{0, 0, 0, 0, 1, 202, 1}, protobuf: true, reason: wire.ReasonBadIndexCount, offset: 5},
		{name: "protobuf negative index", frame: []byte{0, 0, 0, 0, 1, 2, 1}, protobuf: true, reason: wire.ReasonBadIndex, offset: 6},
		{name: "protobuf index over int32", frame: append([]byte{0, 0, 0, 0, 1, 2}, 0x80, 0x80, 0x80, 0x80, 0x10), protobuf: true, reason: wire.ReasonBadIndex, offset: 6},
		{name: "protobuf varint overflow", frame: append([]byte{0, 0, 0, 0, 1}, bytes.Repeat([]byte{0xff}, 10)...), protobuf: true, reason: wire.ReasonBadVarint, offset: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wire.Parse(tc.frame, tc.protobuf)
			if tc.reason != "" {
				var fe *wire.FrameError
				if !errors.As(err, &fe) || !errors.Is(err, wire.ErrMalformed) {
					t.Fatalf("Parse(% x) = %+v, %v; want a FrameError %s", tc.frame, got, err, tc.reason)
				}
				if fe.Reason != tc.reason || fe.Offset != tc.offset {
					t.Errorf("Parse(% x): %s at %d (%v), want %s at %d", tc.frame, fe.Reason, fe.Offset, err, tc.reason, tc.offset)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(% x): %v", tc.frame, err)
			}
			if got.SchemaID != tc.want.SchemaID || !slices.Equal(got.MessageIndexes, tc.want.MessageIndexes) || !bytes.Equal(got.Payload, tc.want.Payload) {
				t.Errorf("Parse(% x) = %+v, want %+v", tc.frame, got, tc.want)
			}
		})
	}
}

// TestFranzGoFraming checks Parse and Append against the framing that
// franz-go's Serde writes, the serializer most Go producers use.
func TestFranzGoFraming(t *testing.T) {
	for _, idx := range [][]int{nil, {0}, {1}, {2, 0}, {0, 3, 1}, {127, 128, 300}} {
		var s sr.Serde
		opts := []sr.EncodingOpt{sr.EncodeFn(func(v any) ([]byte, error) { return v.([]byte), nil })}
		if idx != nil {
			opts = append(opts, sr.Index(idx...))
		}
		s.Register(42, []byte(nil), opts...)
		b, err := s.Encode([]byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		protobuf := idx != nil
		f, err := wire.Parse(b, protobuf)
		if err != nil {
			t.Fatalf("indexes %v: Parse(% x): %v", idx, b, err)
		}
		want := idx
		if protobuf && len(want) == 0 {
			want = []int{0}
		}
		if f.SchemaID != 42 || !slices.Equal(f.MessageIndexes, want) || string(f.Payload) != "hello" {
			t.Errorf("indexes %v: Parse(% x) = %+v", idx, b, f)
		}
		if again := wire.Encode(wire.Frame{SchemaID: 42, MessageIndexes: idx, Payload: []byte("hello")}, protobuf); !bytes.Equal(again, b) {
			t.Errorf("indexes %v: Encode = % x, franz-go wrote % x", idx, again, b)
		}
	}
}

func TestSubjectName(t *testing.T) {
	for _, tc := range []struct {
		s          wire.Strategy
		key        bool
		record     string
		want       string
		wantErrNil bool
	}{
		{wire.TopicName, false, "", "orders-value", true},
		{wire.TopicName, true, "x.Y", "orders-key", true},
		{"", false, "", "orders-value", true},
		{wire.RecordName, false, "com.acme.Order", "com.acme.Order", true},
		{wire.TopicRecordName, true, "com.acme.Key", "orders-com.acme.Key", true},
		{wire.RecordName, false, "", "", false},
		{"nope", false, "a", "", false},
	} {
		got, err := wire.SubjectName(tc.s, "orders", tc.key, tc.record)
		if got != tc.want || (err == nil) != tc.wantErrNil {
			t.Errorf("SubjectName(%q, key=%t, %q) = %q, %v; want %q", tc.s, tc.key, tc.record, got, err, tc.want)
		}
	}
}
