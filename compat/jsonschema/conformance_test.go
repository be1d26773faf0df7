package jsonschema

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// conformancePath is Confluent's own JSON Schema diff test vectors, kept in
// testdata (see testdata/README.md for their source).
const conformancePath = "testdata/confluent-diff-examples.json"

type conformanceCase struct {
	Description       string          `json:"description"`
	Original          json.RawMessage `json:"original_schema"`
	Update            json.RawMessage `json:"update_schema"`
	OriginalMetadata  *caseMetadata   `json:"original_metadata"`
	UpdateMetadata    *caseMetadata   `json:"update_metadata"`
	Changes           []string        `json:"changes"`
	Compatible        bool            `json:"compatible"`
	CompatibleLenient *bool           `json:"compatible_lenient"`
}

type caseMetadata struct {
	Properties map[string]string `json:"properties"`
}

func (m *caseMetadata) props() map[string]string {
	if m == nil {
		return nil
	}
	return m.Properties
}

// deliberate lists the cases (by index) whose change list Accord reports
// differently from Confluent on purpose, with the reason. Verdicts must
// match in every case.
var deliberate = map[int]string{}

func loadConformance(t testing.TB) []conformanceCase {
	t.Helper()
	data, err := os.ReadFile(conformancePath)
	if err != nil {
		t.Fatalf("conformance vectors: %v", err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("conformance vectors: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("conformance vectors: no cases")
	}
	return cases
}

func TestConformance(t *testing.T) {
	cases := loadConformance(t)
	verdicts, exact := 0, 0
	for i, c := range cases {
		orig, err := ParseWithMetadata(string(c.Original), nil, c.OriginalMetadata.props())
		if err != nil {
			t.Errorf("case %d %q: original: %v", i, c.Description, err)
			continue
		}
		upd, err := ParseWithMetadata(string(c.Update), nil, c.UpdateMetadata.props())
		if err != nil {
			t.Errorf("case %d %q: update: %v", i, c.Description, err)
			continue
		}
		changes := Diff(orig, upd)
		got := make([]string, len(changes))
		for j, ch := range changes {
			got[j] = ch.String()
		}
		if Compatible(changes) == c.Compatible {
			verdicts++
		} else {
			t.Errorf("case %d %q: compatible = %v, Confluent says %v (changes %v)", i, c.Description, !c.Compatible, c.Compatible, got)
		}
		lenient := c.Compatible
		if c.CompatibleLenient != nil {
			lenient = *c.CompatibleLenient
		}
		if CompatibleLenient(changes) != lenient {
			t.Errorf("case %d %q: lenient verdict = %v, Confluent says %v", i, c.Description, !lenient, lenient)
		}
		want := c.Changes
		if want == nil {
			want = []string{}
		}
		if slices.Equal(got, want) {
			exact++
			continue
		}
		if reason, ok := deliberate[i]; ok {
			t.Logf("case %d %q: differs on purpose (%s): got %v, Confluent %v", i, c.Description, reason, got, want)
			continue
		}
		t.Errorf("case %d %q: changes\n got  %s\n want %s", i, c.Description, strings.Join(got, ", "), strings.Join(want, ", "))
	}
	t.Logf("conformance: %d/%d verdicts match, %d/%d change lists match exactly (%d differ on purpose)",
		verdicts, len(cases), exact, len(cases), len(deliberate))
}
