package registry

import (
	"errors"
	"strings"
	"testing"
)

func TestRuleSetValidation(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"valid", `{"domainRules":[{"name":"ok","kind":"condition","mode":"write","type":"CEL","expr":"true"}],"migrationRules":[{"name":"up","kind":"TRANSFORM","mode":"UPGRADE","type":"JSONATA"}]}`, ""},
		{"missing name", `{"domainRules":[{"kind":"CONDITION","mode":"WRITE","type":"CEL"}]}`, "domainRules[0]: a rule needs a name"},
		{"bad kind", `{"domainRules":[{"name":"r1","kind":"CHECK","mode":"WRITE","type":"CEL"}]}`, `(rule "r1"): kind "CHECK"`},
		{"missing kind", `{"domainRules":[{"name":"r1","mode":"WRITE","type":"CEL"}]}`, `(rule "r1"): kind ""`},
		{"bad mode", `{"domainRules":[{"name":"r2","kind":"CONDITION","mode":"SOMETIMES","type":"CEL"}]}`, `(rule "r2"): mode "SOMETIMES"`},
		{"migration mode on a domain rule", `{"domainRules":[{"name":"r3","kind":"CONDITION","mode":"UPGRADE","type":"CEL"}]}`, `mode "UPGRADE" is not valid for domainRules`},
		{"domain mode on a migration rule", `{"migrationRules":[{"name":"r4","kind":"TRANSFORM","mode":"READ","type":"CEL"}]}`, `mode "READ" is not valid for migrationRules`},
		{"missing type", `{"domainRules":[{"name":"r5","kind":"CONDITION","mode":"READ"}]}`, `(rule "r5"): a rule needs a type`},
		{"duplicate name", `{"domainRules":[{"name":"d","kind":"CONDITION","mode":"READ","type":"CEL"},{"name":"d","kind":"CONDITION","mode":"WRITE","type":"CEL"}]}`, "same name"},
		{"two actions on a one-way rule", `{"domainRules":[{"name":"r6","kind":"CONDITION","mode":"WRITE","type":"CEL","onFailure":"DLQ,ERROR"}]}`, "UPDOWN or WRITEREAD"},
		{"unknown field", `{"domainRules":[],"otherRules":[]}`, "unknown field"},
		{"encoding rule", `{"encodingRules":[{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD","params":{"encrypt.kek.name":"k"}}]}`, ""},
		{"migration mode on an encoding rule", `{"encodingRules":[{"name":"enc","kind":"TRANSFORM","mode":"UPGRADE","type":"ENCRYPT_PAYLOAD"}]}`, `mode "UPGRADE" is not valid for encodingRules`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseRuleSet([]byte(c.doc), "ruleSet")
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidSchema) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrInvalidSchema mentioning %q", err, c.want)
			}
		})
	}
}

func TestMetadataCanonical(t *testing.T) {
	a, err := parseMetadata([]byte(`{"properties":{"b":"2","a":"1"},"tags":{"x":["t2","t1","t1"]},"sensitive":["s2","s1"]}`), "metadata")
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseMetadata([]byte(`{"sensitive":["s1","s2","s1"],"tags":{"x":["t1","t2"]},"properties":{"a":"1","b":"2","accord.owner":"dropped"}}`), "metadata")
	if err != nil {
		t.Fatal(err)
	}
	da, _ := encodeDocs(a, nil)
	db, _ := encodeDocs(b, nil)
	if string(da.metadata) != string(db.metadata) {
		t.Errorf("same metadata encodes differently:\n%s\n%s", da.metadata, db.metadata)
	}
	empty, _ := parseMetadata([]byte(`{"properties":{}}`), "metadata")
	if d, _ := encodeDocs(empty, &RuleSet{}); d.metadata != nil || d.ruleSet != nil {
		t.Errorf("empty documents encode as %s %s, want nothing", d.metadata, d.ruleSet)
	}
}

func TestMerge(t *testing.T) {
	m := mergeMetadata(
		&Metadata{Properties: map[string]string{"a": "def", "b": "def"}, Tags: map[string][]string{"f": {"X"}}, Sensitive: []string{"s1"}},
		&Metadata{Properties: map[string]string{"b": "mine"}, Tags: map[string][]string{"f": {"Y"}}, Sensitive: []string{"s2"}},
	)
	d, _ := encodeDocs(m, nil)
	if want := `{"tags":{"f":["Y"]},"properties":{"a":"def","b":"mine"},"sensitive":["s1","s2"]}`; string(d.metadata) != want {
		t.Errorf("merged metadata %s, want %s", d.metadata, want)
	}
	rule := func(name, expr string) Rule {
		return Rule{Name: name, Kind: "CONDITION", Mode: "WRITE", Type: "CEL", Expr: expr}
	}
	rs := mergeRuleSet(&RuleSet{DomainRules: []Rule{rule("a", "1"), rule("b", "1")}}, &RuleSet{DomainRules: []Rule{rule("b", "2"), rule("c", "2")}})
	var got []string
	for _, r := range rs.DomainRules {
		got = append(got, r.Name+"="+r.Expr)
	}
	if strings.Join(got, ",") != "a=1,b=2,c=2" {
		t.Errorf("merged rules %v, want a=1,b=2,c=2", got)
	}
}
