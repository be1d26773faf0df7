package avro

import (
	"testing"

	"github.com/accord/accord/compat"
)

// versions parses a subject's history, oldest first.
func versions(t *testing.T, texts ...string) []compat.Previous {
	t.Helper()
	out := make([]compat.Previous, len(texts))
	for i, text := range texts {
		out[i] = compat.Previous{Version: i + 1, Schema: mustParse(t, text)}
	}
	return out
}

type violation struct {
	version   int
	direction string
	id        string
}

func assertViolations(t *testing.T, got []compat.Violation, want []violation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d: %v", len(got), len(want), compat.Messages(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Version != w.version || g.Direction != w.direction || g.ID != w.id {
			t.Errorf("violation %d: got v%d %s %s, want v%d %s %s", i, g.Version, g.Direction, g.ID, w.version, w.direction, w.id)
		}
	}
}

// TestCheckLevels runs compat.Check at every level over histories built so
// that the transitive levels see what the plain ones do not.
func TestCheckLevels(t *testing.T) {
	// Backward chain: v3 makes "name" required. v2 data has it; v1 data
	// does not. So v3 is backward compatible with v2 but not with v1.
	backward := struct {
		history   []string
		candidate string
	}{
		history: []string{
			rec(`{"name":"id","type":"int"}`),
			rec(`{"name":"id","type":"int"}`, `{"name":"name","type":"string","default":""}`),
		},
		candidate: rec(`{"name":"id","type":"int"}`, `{"name":"name","type":"string"}`),
	}
	// Forward chain: v1 readers need "legacy" (no default); v2 gave it a
	// default; v3 drops it. v2 readers can read v3 data; v1 readers cannot.
	forward := struct {
		history   []string
		candidate string
	}{
		history: []string{
			rec(`{"name":"id","type":"int"}`, `{"name":"legacy","type":"string"}`),
			rec(`{"name":"id","type":"int"}`, `{"name":"legacy","type":"string","default":"x"}`),
		},
		candidate: rec(`{"name":"id","type":"int"}`),
	}

	tests := []struct {
		level     compat.Level
		backward  []violation
		forward   []violation
		recursive bool
	}{
		{level: compat.None},
		{level: compat.BackwardLevel},
		{level: compat.BackwardTransitive, backward: []violation{{1, "BACKWARD", ReaderFieldMissingDefaultValue}}},
		{level: compat.ForwardLevel},
		{level: compat.ForwardTransitive, forward: []violation{{1, "FORWARD", ReaderFieldMissingDefaultValue}}},
		{level: compat.Full},
		{level: compat.FullTransitive,
			backward: []violation{{1, "BACKWARD", ReaderFieldMissingDefaultValue}},
			forward:  []violation{{1, "FORWARD", ReaderFieldMissingDefaultValue}}},
	}
	for _, tc := range tests {
		t.Run(string(tc.level)+"/backward chain", func(t *testing.T) {
			got := compat.Check(tc.level, mustParse(t, backward.candidate), versions(t, backward.history...))
			assertViolations(t, got, tc.backward)
		})
		t.Run(string(tc.level)+"/forward chain", func(t *testing.T) {
			got := compat.Check(tc.level, mustParse(t, forward.candidate), versions(t, forward.history...))
			assertViolations(t, got, tc.forward)
		})
	}
}

// TestCheckLatestOnly covers the non-transitive levels failing against the
// latest version in each direction.
func TestCheckLatestOnly(t *testing.T) {
	history := versions(t,
		rec(`{"name":"id","type":"int"}`),
		rec(`{"name":"id","type":"int"}`, `{"name":"name","type":"string"}`),
	)
	// Changing "id" to string breaks both directions against every version.
	candidate := mustParse(t, rec(`{"name":"id","type":"string"}`, `{"name":"name","type":"string"}`))
	assertViolations(t, compat.Check(compat.BackwardLevel, candidate, history), []violation{{2, "BACKWARD", TypeMismatch}})
	assertViolations(t, compat.Check(compat.ForwardLevel, candidate, history), []violation{{2, "FORWARD", TypeMismatch}})
	assertViolations(t, compat.Check(compat.Full, candidate, history), []violation{{2, "BACKWARD", TypeMismatch}, {2, "FORWARD", TypeMismatch}})
	assertViolations(t, compat.Check(compat.FullTransitive, candidate, history), []violation{
		{2, "BACKWARD", TypeMismatch}, {2, "FORWARD", TypeMismatch},
		// v1 also lacks "name", which the candidate requires.
		{1, "BACKWARD", TypeMismatch}, {1, "BACKWARD", ReaderFieldMissingDefaultValue}, {1, "FORWARD", TypeMismatch},
	})
	assertViolations(t, compat.Check(compat.None, candidate, history), nil)

	// Adding a required field: backward breaks, forward holds.
	added := mustParse(t, rec(`{"name":"id","type":"int"}`, `{"name":"name","type":"string"}`, `{"name":"email","type":"string"}`))
	assertViolations(t, compat.Check(compat.BackwardLevel, added, history), []violation{{2, "BACKWARD", ReaderFieldMissingDefaultValue}})
	assertViolations(t, compat.Check(compat.ForwardLevel, added, history), nil)
	// Removing a required field: forward breaks, backward holds.
	removed := mustParse(t, rec(`{"name":"id","type":"int"}`))
	assertViolations(t, compat.Check(compat.BackwardLevel, removed, history), nil)
	assertViolations(t, compat.Check(compat.ForwardLevel, removed, history), []violation{{2, "FORWARD", ReaderFieldMissingDefaultValue}})
}
