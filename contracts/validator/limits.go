package validator

import (
	"encoding/json"
	"fmt"

	"github.com/google/cel-go/cel"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/protobuf"
)

// Bounds on the rules the hook evaluates. A rule runs on every record (a
// CEL_FIELD rule on every field of every record), so its cost is paid by
// every producer of the stream; docs/limits.md lists these with every
// other bound.
const (
	// MaxRuleBytes bounds one rule expression (guard and body together).
	MaxRuleBytes = 4096
	// RuleCostLimit bounds one evaluation in CEL cost units (about one
	// unit per operation, per list element visited by a comprehension).
	// A record whose rule exceeds it fails that rule with "actual cost
	// limit exceeded": about 40 ms of CPU at most (a rule checking every
	// element of a 1,000-element list costs about 5,000).
	RuleCostLimit = 100_000
	// interruptEvery is how many comprehension steps pass between checks
	// of the request's context, so an abandoned evaluation stops.
	interruptEvery = 100
)

// RuleChecker compiles rule sets as they are submitted (it implements
// registry.RuleChecker): a rule the hook would run that does not compile
// (a syntax error, an unknown Protobuf field, a guard that is not a
// condition) is refused then, with its position, rather than failing every
// record later. The zero value is ready to use.
type RuleChecker struct{}

// CheckRules compiles every enabled CEL and CEL_FIELD condition of the
// rule set's domain rules in the schema's environment (a generic one when
// s is nil).
func (RuleChecker) CheckRules(s compat.Schema, ruleSet []byte) error {
	if len(ruleSet) == 0 {
		return nil
	}
	var doc struct {
		DomainRules []ruleDoc `json:"domainRules"`
	}
	if err := json.Unmarshal(ruleSet, &doc); err != nil {
		return fmt.Errorf("not a ruleSet document: %w", err)
	}
	se := &schemaEntry{}
	if s != nil { // nil: a config's rule set, for schemas of any type
		se.typ = s.Type()
	}
	if ps, ok := s.(*protobuf.Schema); ok {
		se.proto = ps
	}
	var env *cel.Env
	for i, d := range doc.DomainRules {
		if d.Disabled || d.Kind != "CONDITION" || (d.Type != "CEL" && d.Type != "CEL_FIELD") {
			continue
		}
		if env == nil {
			var err error
			if env, err = celEnv(se); err != nil {
				return err
			}
		}
		r := &rule{name: d.Name, field: d.Type == "CEL_FIELD"}
		if err := r.compile(env, d.Expr); err != nil {
			return fmt.Errorf("domainRules[%d] (%s): %w", i, d.Name, err)
		}
	}
	return nil
}
