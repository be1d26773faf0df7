package cli

// accord apply: declarative contracts. A directory of YAML documents
// (kinds Stream, Schema, Consumer) is compared with the server into a
// plan; apply carries it out unit by unit in dependency order and, when
// a registration of a stream's schema is refused, undoes what this run
// did to that stream before stopping (see rollback).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

const applyUsage = `Usage: accord apply -f DIR [--dry-run] [flags]

Makes the server match a directory of YAML contracts (*.yaml, *.yml, any
depth; several documents per file with ---). Kinds:

  kind: Stream             # a stream, its contract and its schemas
  name: orders
  owner: orders-svc
  eventType: state         # state, delta, notification, measurement, hybrid
  visibility: public
  description: Current state of every order
  tags: {domain: sales, entity: order, pii: [customer.email]}
  compatibility: FULL_TRANSITIVE
  lintErrors: block        # or report
  reviewRequired: false    # true: changes ship only through approved proposals
  validation: {schemaId: any, payload: true, rules: true, producer: true, key: false, value: true}   # the validation hook's checks
  consumers: [{principal: billing-svc, fields: [id, total]}]
  keySchema: schemas/order-key.avsc          # paths are relative to the YAML file
  valueSchema:
    file: schemas/order.avsc
    type: AVRO             # default: from the extension
    references:            # a subject on the server, a Schema document, or a file
      - {name: com.acme.Money, subject: money, version: 2}
      - {name: address.avsc, file: schemas/address.avsc}

  kind: Schema             # a subject outside streams (e.g. a shared reference)
  subject: money
  file: schemas/money.avsc

  kind: Consumer           # declared where the consumer lives; merged into the stream
  service: billing-svc
  streams: [{stream: orders, fields: [id, total]}]

--dry-run prints the plan: for each stream and subject, create, update
(with the changed fields and a schema diff) or no change. Without it the
plan is carried out: referenced subjects first, then each stream (its
contract, then its key and value schemas). The first refusal stops the
run. What was done for that stream in this run is undone first: schema
versions it registered are deleted (soft, then permanent), its subjects'
compatibility config is restored and the contract is restored (or
deleted if this run created it). Earlier units stay applied; running
apply again is a no-op for them.

Exit status: 0 applied (or nothing to do; --dry-run: plan printed),
1 refused by the server or a plan error (e.g. an owner change, which
needs an explicit transfer), 2 usage, YAML or connection errors.

Examples:
  accord apply -f contracts/ --dry-run
  accord apply -f contracts/
  ACCORD_URL=https://registry.internal ACCORD_TOKEN=acc_... accord apply -f contracts/ --output json
`

func (r *runner) apply(ctx context.Context, args []string) int {
	fset := r.newFlagSet("apply", applyUsage)
	var cf clientFlags
	cf.register(fset)
	dir := fset.String("f", "", "directory of YAML contracts (required)")
	dry := fset.Bool("dry-run", false, "print the plan, change nothing")
	pos, code, done := r.parseVerb(fset, args)
	if done {
		return code
	}
	if *dir == "" || len(pos) > 0 {
		fset.Usage()
		return r.exit("apply", usageErr("want -f DIR and no other argument"))
	}
	cl, err := cf.resolve(r.getenv)
	if err != nil {
		return r.exit("apply", err)
	}
	units, err := loadDir(*dir)
	if err != nil {
		return r.exit("apply", err)
	}
	plans, err := planUnits(ctx, cl, units)
	if err != nil {
		return r.exit("apply", err)
	}
	var planErrs []string
	for _, p := range plans {
		for _, s := range p.steps() {
			if s.Error != "" {
				planErrs = append(planErrs, s.Kind+" "+s.Name+": "+s.Error)
			}
		}
	}
	var applyErr error
	if !*dry && len(planErrs) == 0 {
		applied := map[string]int{}
		for _, p := range plans {
			if applyErr = applyUnit(ctx, cl, p, applied); applyErr != nil {
				break
			}
		}
	}
	if cf.output == "json" {
		out := struct {
			DryRun  bool        `json:"dryRun"`
			Steps   []*planStep `json:"steps"`
			Summary string      `json:"summary"`
			Error   string      `json:"error,omitempty"`
		}{DryRun: *dry, Summary: summary(plans), Steps: []*planStep{}}
		for _, p := range plans {
			out.Steps = append(out.Steps, p.steps()...)
		}
		if applyErr != nil {
			out.Error = applyErr.Error()
		} else if len(planErrs) > 0 {
			out.Error = strings.Join(planErrs, "; ")
		}
		if err := printJSON(r.stdout, out); err != nil {
			return r.exit("apply", err)
		}
	} else {
		printPlan(r.stdout, plans, *dry)
	}
	if len(planErrs) > 0 {
		return r.exit("apply", &cliError{exitFail, errors.New("plan errors: " + strings.Join(planErrs, "; "))})
	}
	if applyErr != nil {
		return r.exit("apply", applyErr)
	}
	return exitOK
}

func summary(plans []*unitPlan) string {
	n := map[string]int{}
	for _, p := range plans {
		for _, s := range p.steps() {
			n[s.Action]++
		}
	}
	return fmt.Sprintf("%d to create, %d to update, %d unchanged", n[actCreate], n[actUpdate], n[actNoChange])
}

func printPlan(w io.Writer, plans []*unitPlan, dry bool) {
	for _, p := range plans {
		for _, s := range p.steps() {
			indent := ""
			if s.Kind == "schema" && p.stream != nil {
				indent = "  "
			}
			label := s.Kind + " " + s.Name
			if s.Role != "" {
				label += " (" + s.Role + ")"
			}
			fmt.Fprintf(w, "%s%s: %s", indent, label, s.Action)
			if s.Result != "" {
				fmt.Fprintf(w, " -> %s", s.Result)
			}
			fmt.Fprintln(w)
			for _, c := range s.Changes {
				fmt.Fprintf(w, "%s    %s\n", indent, c)
			}
			if s.Diff != "" {
				for _, l := range strings.Split(strings.TrimRight(s.Diff, "\n"), "\n") {
					fmt.Fprintf(w, "%s    %s\n", indent, l)
				}
			}
			if s.Error != "" {
				fmt.Fprintf(w, "%s    ERROR: %s\n", indent, s.Error)
			}
		}
	}
	verb := "Plan"
	if !dry {
		verb = "Applied plan"
	}
	fmt.Fprintf(w, "%s: %s.\n", verb, summary(plans))
}

// applyUnit carries out one unit. For a stream, a refused registration
// triggers rollback of everything this run did to the stream.
func applyUnit(ctx context.Context, cl *client, p *unitPlan, applied map[string]int) error {
	u := p.u
	var undo []func() error
	fail := func(step *planStep, err error) error {
		step.Result = "refused"
		if len(undo) == 0 {
			return &cliError{exitFail, fmt.Errorf("%s: %w", u.name(), err)}
		}
		var rbErrs []string
		for i := len(undo) - 1; i >= 0; i-- {
			if e := undo[i](); e != nil {
				rbErrs = append(rbErrs, e.Error())
			}
		}
		if len(rbErrs) > 0 {
			return &cliError{exitFail, fmt.Errorf("%s: %w; ROLLBACK INCOMPLETE: %s", u.name(), err, strings.Join(rbErrs, "; "))}
		}
		for _, s := range p.steps() {
			if s.Result != "" && s != step {
				s.Result = "rolled back"
			}
		}
		return &cliError{exitFail, fmt.Errorf("%s: %w (what this run did to %s was rolled back)", u.name(), err, u.name())}
	}

	if u.Stream != nil && p.stream.Action != actNoChange {
		// The contract may set its subjects' compatibility: remember
		// their configs to restore them on rollback.
		for _, subj := range subjectsOf(*u.Stream, p.current) {
			restore, err := saveConfig(ctx, cl, subj)
			if err != nil {
				return err
			}
			undo = append(undo, restore)
		}
		want := *u.Stream
		want.Validation = want.Validation.normalized()
		var err error
		if p.current == nil {
			_, err = cl.do(ctx, "POST", "/v1/streams", want, nil)
			undo = append(undo, func() error {
				_, err := cl.do(ctx, "DELETE", "/v1/streams/"+pathEscape(want.Name), nil, nil)
				return err
			})
		} else {
			if want.Owner == "" {
				want.Owner = p.current.Owner
			}
			_, err = cl.do(ctx, "PUT", "/v1/streams/"+pathEscape(want.Name), want, nil)
			prev := *p.current
			undo = append(undo, func() error {
				_, err := cl.do(ctx, "PUT", "/v1/streams/"+pathEscape(prev.Name), prev, nil)
				return err
			})
		}
		if err != nil {
			undo = undo[:len(undo)-1] // the write itself did not happen
			return fail(p.stream, err)
		}
		p.stream.Result = "done"
	}
	for i, ls := range u.Schemas {
		step := p.schemas[i]
		doc := ls.Doc
		refs, err := resolveRefs(ctx, cl, ls.Refs, applied)
		if err != nil {
			return fail(step, err)
		}
		doc.References = refs
		res, err := register(ctx, cl, ls.Subject, doc)
		if err != nil {
			return fail(step, err)
		}
		applied[ls.Subject] = res.Version
		step.Result = fmt.Sprintf("version %d, id %d", res.Version, res.ID)
		if !res.Changed {
			step.Result += " (already registered)"
			continue
		}
		for _, l := range res.Lints {
			step.Changes = append(step.Changes, "lint "+l)
		}
		subj, ver := ls.Subject, res.Version
		undo = append(undo, func() error { return deleteVersion(ctx, cl, subj, ver) })
	}
	return nil
}
