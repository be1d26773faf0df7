package protobuf

import (
	"errors"
	"testing"
)

const indexedSchema = `syntax = "proto3";
package idx;
message A {
  map<string, int32> counts = 1; // its entry message takes no index
  message B {}
  enum E { E0 = 0; }
  message C { message D {} }
}
enum Top { T0 = 0; }
message F {}
`

func TestMessageIndexes(t *testing.T) {
	s := mustParse(t, indexedSchema)
	want := []MessagePath{
		{"idx.A", []int{0}},
		{"idx.A.B", []int{0, 0}},
		{"idx.A.C", []int{0, 1}},
		{"idx.A.C.D", []int{0, 1, 0}},
		{"idx.F", []int{1}},
	}
	if got := s.Messages(); !equalPaths(got, want) {
		t.Fatalf("Messages() = %v, want %v", got, want)
	}
	for _, w := range want {
		got, err := s.MessageIndexes(w.FullName)
		if err != nil || !equalInts(got, w.Indexes) {
			t.Errorf("MessageIndexes(%s) = %v, %v", w.FullName, got, err)
		}
		md, err := s.MessageByIndexes(w.Indexes)
		if err != nil || string(md.FullName()) != w.FullName {
			t.Errorf("MessageByIndexes(%v) = %v, %v", w.Indexes, md, err)
		}
		md, err = s.MessageByName("." + w.FullName)
		if err != nil || string(md.FullName()) != w.FullName {
			t.Errorf("MessageByName(%s) = %v, %v", w.FullName, md, err)
		}
	}
	if md, err := s.MessageByIndexes(nil); err != nil || md.FullName() != "idx.A" {
		t.Errorf("empty indexes mean the first message: %v, %v", md, err)
	}
	for _, bad := range [][]int{{2}, {0, 2}, {0, 0, 0}, {-1}} {
		if _, err := s.MessageByIndexes(bad); !errors.Is(err, ErrUnknownMessage) {
			t.Errorf("MessageByIndexes(%v) error = %v", bad, err)
		}
	}
	if _, err := s.MessageByName("idx.Nope"); !errors.Is(err, ErrUnknownMessage) {
		t.Errorf("unknown name: %v", err)
	}
}

func TestIndexesEncoding(t *testing.T) {
	cases := []struct {
		idx  []int
		wire []byte
	}{
		{[]int{0}, []byte{0}},
		{[]int{1}, []byte{2, 2}},
		{[]int{1, 0}, []byte{4, 2, 0}},
		{[]int{0, 1, 0}, []byte{6, 0, 2, 0}},
		{[]int{70}, []byte{2, 0x8c, 0x01}},
	}
	for _, c := range cases {
		got := AppendIndexes(nil, c.idx)
		if string(got) != string(c.wire) {
			t.Errorf("AppendIndexes(%v) = %x, want %x", c.idx, got, c.wire)
		}
		back, n, err := ReadIndexes(append(got, 0xff))
		if err != nil || n != len(c.wire) || !equalInts(back, c.idx) {
			t.Errorf("ReadIndexes(%x) = %v, %d, %v", got, back, n, err)
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {1}, {2}, {4, 2}, {0x7f}, {2, 1}} {
		if _, _, err := ReadIndexes(bad); err == nil {
			t.Errorf("ReadIndexes(%x) accepted malformed indexes", bad)
		}
	}
}
