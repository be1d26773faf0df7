package protobuf

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

// conformanceFile holds Confluent's own Protobuf diff cases (see testdata/README.md).
const conformanceFile = "testdata/confluent-diff-examples.json"

type conformanceCase struct {
	Description          string `json:"description"`
	OriginalSchema       string `json:"original_schema"`
	UpdateSchema         string `json:"update_schema"`
	OriginalDependencies []struct {
		Name       string `json:"name"`
		Dependency string `json:"dependency"`
	} `json:"original_dependencies"`
	UpdateDependencies []struct {
		Name       string `json:"name"`
		Dependency string `json:"dependency"`
	} `json:"update_dependencies"`
	OriginalMetadata *struct {
		Properties map[string]string `json:"properties"`
	} `json:"original_metadata"`
	UpdateMetadata *struct {
		Properties map[string]string `json:"properties"`
	} `json:"update_metadata"`
	Changes    []string `json:"changes"`
	Compatible bool     `json:"compatible"`
}

// conformanceDisagreements lists, by case index, where Accord's difference
// types differ from Confluent's on purpose. Verdicts never differ.
var conformanceDisagreements = map[int]string{}

func TestConformance(t *testing.T) {
	data, err := os.ReadFile(conformanceFile)
	if err != nil {
		t.Fatalf("conformance data is required: %v", err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no conformance cases")
	}
	passed := 0
	for i, c := range cases {
		ok := t.Run(c.Description, func(t *testing.T) {
			var od, ud []compat.Dependency
			for _, d := range c.OriginalDependencies {
				od = append(od, compat.Dependency{Name: d.Name, Type: compat.TypeProtobuf, Schema: d.Dependency})
			}
			for _, d := range c.UpdateDependencies {
				ud = append(ud, compat.Dependency{Name: d.Name, Type: compat.TypeProtobuf, Schema: d.Dependency})
			}
			orig, err := Parse(c.OriginalSchema, od)
			if err != nil {
				t.Fatalf("original: %v", err)
			}
			upd, err := Parse(c.UpdateSchema, ud)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			var op, up map[string]string
			if c.OriginalMetadata != nil {
				op = c.OriginalMetadata.Properties
			}
			if c.UpdateMetadata != nil {
				up = c.UpdateMetadata.Properties
			}
			changes := DiffMetadata(orig, op, upd, up)
			got := make([]string, 0, len(changes))
			compatible := true
			for _, ch := range changes {
				got = append(got, ch.Type+" "+ch.Path)
				compatible = compatible && ch.Compatible
			}
			if compatible != c.Compatible {
				t.Errorf("case %d: compatible = %v, Confluent says %v; changes %v", i, compatible, c.Compatible, got)
			}
			// CompatibleWith must agree with the verdict.
			if diffs := upd.CompatibleWithMetadata(up, orig, op); (len(diffs) == 0) != c.Compatible {
				t.Errorf("case %d: CompatibleWith returned %v", i, diffs)
			}
			want := append([]string(nil), c.Changes...)
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				if reason, ok := conformanceDisagreements[i]; ok {
					t.Logf("case %d differs on purpose (%s): got %v, Confluent %v", i, reason, got, want)
					return
				}
				t.Errorf("case %d changes:\n got  %v\n want %v", i, got, want)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("conformance: %d/%d cases pass", passed, len(cases))
}
