package contracts

import (
	"strings"
	"testing"
)

// TestStreamNameAndSizes: names that would make unaddressable subjects and
// oversized free text are refused, naming the field (issue 12, item 12).
func TestStreamNameAndSizes(t *testing.T) {
	for name, ok := range map[string]bool{
		"orders": true, "orders.v1_x-y": true, "café#1": true, strings.Repeat("a", 249): true,
		"": false, strings.Repeat("a", 250): false, "orders\x01": false, "or\nders": false, "a b": false,
		"a/b": false, "a:b": false, ".": false, "..": false, "bad\xff": false, "a\u0085b": false, "a\u00a0b": false,
	} {
		if got := validStreamName(name); got != ok {
			t.Errorf("validStreamName(%q) = %v, want %v", name, got, ok)
		}
	}
	base := func() Stream { return Stream{Name: "orders", Owner: "orders-svc", EventType: "state"} }
	for _, c := range []struct {
		want string
		edit func(*Stream)
	}{
		{"description is", func(s *Stream) { s.Description = strings.Repeat("x", MaxDescriptionBytes+1) }},
		{"tags.domain", func(s *Stream) { s.Tags.Domain = strings.Repeat("x", MaxTagBytes+1) }},
		{"tags.entity", func(s *Stream) { s.Tags.Entity = "a\tb" }},
		{"tags.pii[1]", func(s *Stream) { s.Tags.PII = []string{"ok", "bad\x00"} }},
		{"tags.labels lists", func(s *Stream) { s.Tags.Labels = make([]string, MaxTagEntries+1) }},
		{"consumers lists", func(s *Stream) { s.Consumers = make([]Consumer, MaxConsumers+1) }},
		{"consumers[0].fields[0]", func(s *Stream) { s.Consumers = []Consumer{{Principal: "p", Fields: []string{"a\nb"}}} }},
	} {
		s := base()
		c.edit(&s)
		if err := s.Normalize(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v", c.want, err)
		}
	}
	s := base()
	s.Description = strings.Repeat("x", MaxDescriptionBytes)
	if err := s.Normalize(); err != nil {
		t.Errorf("a description at the limit: %v", err)
	}
}
