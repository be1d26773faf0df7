package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/accord/accord/lineage"
)

// The impact view merges a reader reached by several paths, puts the
// readers of a changed field first and says who is hurt in words.
func TestImpactView(t *testing.T) {
	note := lineage.FieldChange{Path: "note", Change: lineage.Removed}
	hop := func(names ...string) []lineage.Hop {
		var out []lineage.Hop
		for _, n := range names {
			out = append(out, lineage.Hop{Kind: lineage.StreamNode, Name: n})
		}
		return out
	}
	tests := []struct {
		name        string
		consumers   []lineage.ImpactedConsumer
		wantOrder   []string
		wantSummary []string
		wantPaths   map[string]int
	}{
		{
			name: "affected first, duplicates merged",
			consumers: []lineage.ImpactedConsumer{
				{Service: "a-svc", Depth: 1, Path: hop("orders"), FieldsDeclared: true},
				{Service: "bi-svc", Depth: 1, Path: hop("orders")},
				{Service: "support-svc", Depth: 3, Path: hop("orders", "x", "y"), FieldsDeclared: true, Fields: []lineage.FieldChange{note}},
				{Service: "a-svc", Depth: 2, Path: hop("orders", "x"), FieldsDeclared: true},
				{Service: "support-svc", Depth: 2, Path: hop("orders", "x"), FieldsDeclared: true, Fields: []lineage.FieldChange{note}},
			},
			wantOrder:   []string{"support-svc", "a-svc", "bi-svc"},
			wantSummary: []string{"1 consumer reads a changed field: support-svc.", "1 reached, unaffected as declared; 1 declares no fields (they may be affected)."},
			wantPaths:   map[string]int{"support-svc": 2, "a-svc": 2, "bi-svc": 1},
		},
		{
			name:        "nobody hurt",
			consumers:   []lineage.ImpactedConsumer{{Service: "b", Depth: 1, FieldsDeclared: true}, {Service: "a", Depth: 1, FieldsDeclared: true}},
			wantOrder:   []string{"a", "b"},
			wantSummary: []string{"No consumer reads a changed field.", "2 reached, unaffected as declared."},
		},
		{
			name: "two hurt, nearer first",
			consumers: []lineage.ImpactedConsumer{
				{Service: "far", Depth: 2, FieldsDeclared: true, Fields: []lineage.FieldChange{note}},
				{Service: "near", Depth: 1, FieldsDeclared: true, Fields: []lineage.FieldChange{note}},
			},
			wantOrder:   []string{"near", "far"},
			wantSummary: []string{"2 consumers read a changed field: near, far."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newImpactView(&lineage.Impact{Consumers: tt.consumers, Changes: []lineage.FieldChange{note}}, []string{"currency"})
			var order []string
			for _, r := range v.Rows {
				order = append(order, r.Name())
				if n, ok := tt.wantPaths[r.Name()]; ok && len(r.Paths) != n {
					t.Errorf("%s: %d paths, want %d", r.Name(), len(r.Paths), n)
				}
				if r.Name() == "support-svc" && (r.Depth != 2 || len(r.Fields) != 1) {
					t.Errorf("support-svc merged to depth %d, fields %v", r.Depth, r.Fields)
				}
			}
			if !reflect.DeepEqual(order, tt.wantOrder) {
				t.Errorf("order %v, want %v", order, tt.wantOrder)
			}
			if got := v.Summary(); !reflect.DeepEqual(got, tt.wantSummary) {
				t.Errorf("summary %q, want %q", got, tt.wantSummary)
			}
			if len(v.Removed) != 1 || !reflect.DeepEqual(v.Added, []string{"currency"}) {
				t.Errorf("removed %v added %v", v.Removed, v.Added)
			}
		})
	}
}

func TestDeclaredName(t *testing.T) {
	for line, want := range map[string]string{
		`    {"name": "note", "type": "string"},`:         "note",
		`  string currency = 4;`:                          "currency",
		`  repeated acme.Line lines = 7 [packed = true];`: "lines",
		`  map<string, int64> totals = 3;`:                "totals",
		`    "shipmentId": {`:                             "shipmentId",
		`  ]`:                                             "",
		`message PaymentCaptured {`:                       "",
	} {
		if got := declaredName(line); got != want {
			t.Errorf("declaredName(%q) = %q, want %q", line, got, want)
		}
	}
}

// A long diff folds its unchanged runs, keeps context around each change
// and lists each change with the fields it touches.
func TestDiffFolds(t *testing.T) {
	var old, nw []string
	for i := 0; i < 200; i++ {
		l := `{"name": "f` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + `", "type": "string"},`
		old = append(old, l)
		nw = append(nw, l)
	}
	nw[150] = `{"name": "renamed", "type": "string"},`
	nw = append(nw[:180], append([]string{`{"name": "added", "type": "long"},`}, nw[180:]...)...)
	code := func(lines []string) Code {
		c := Code{}
		for i, l := range lines {
			c.Lines = append(c.Lines, Line{No: i + 1, Spans: []Span{{Text: l}}})
		}
		return c
	}
	full := buildDiff(code(old), code(nw), nil)
	if len(full.Changes) != 2 {
		t.Fatalf("%d changes, want 2: %+v", len(full.Changes), full.Changes)
	}
	if c := full.Changes[0]; c.Lines != "line 151" || !reflect.DeepEqual(c.Added, []string{"renamed"}) || len(c.Removed) != 1 {
		t.Errorf("first change %+v", c)
	}
	if c := full.Changes[1]; c.Lines != "line 181" || !reflect.DeepEqual(c.Added, []string{"added"}) {
		t.Errorf("second change %+v", c)
	}
	f := full.folded(diffContext)
	// 150 lines before the first change less 3 of context, and so on.
	var folds, shown int
	for _, r := range f.Side {
		if r.Fold != nil {
			folds++
			continue
		}
		shown++
	}
	// Each change keeps diffContext lines on each side; the 201 rows (200
	// lines, one added) less those are folded into three runs.
	if folds != 3 || shown != 2*(1+2*diffContext) || f.Folded != 201-shown {
		t.Errorf("folded: %d folds, %d rows shown, %d lines folded", folds, shown, f.Folded)
	}
	anchors := 0
	for _, r := range f.Side {
		if r.Anchor != "" {
			anchors++
		}
	}
	if anchors != 2 || f.Side[1+diffContext].Anchor != "change-1" {
		t.Errorf("anchors %d; first change's row %+v", anchors, f.Side[1+diffContext])
	}
}
