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
	run := &applyRun{plans: plans, dry: *dry, stopped: -1}
	var applyErr error
	if !*dry && len(planErrs) == 0 {
		applied := map[string]int{}
		for i, p := range plans {
			if applyErr = applyUnit(ctx, cl, p, applied); applyErr != nil {
				run.stopped = i
				break
			}
		}
	}
	if len(planErrs) > 0 {
		run.planErrs = true
	}
	if cf.output == "json" {
		out := struct {
			DryRun  bool        `json:"dryRun"`
			Steps   []*planStep `json:"steps"`
			Summary string      `json:"summary"`
			// Outcome is the last line of the text output: what was
			// applied, or where the run stopped and what was rolled back.
			Outcome string `json:"outcome"`
			// StoppedAt is the unit that was refused or interrupted;
			// RolledBack what was undone of it, in the order undone.
			StoppedAt  string   `json:"stoppedAt,omitempty"`
			RolledBack []string `json:"rolledBack,omitempty"`
			Error      string   `json:"error,omitempty"`
		}{DryRun: *dry, Summary: summary(plans), Outcome: run.outcome(), Steps: []*planStep{}}
		for _, p := range plans {
			out.Steps = append(out.Steps, p.steps()...)
		}
		if run.stopped >= 0 {
			p := plans[run.stopped]
			out.StoppedAt, out.RolledBack = p.u.name(), p.rolledBack
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
		printPlan(r.stdout, plans)
		fmt.Fprintln(r.stdout, run.outcome())
	}
	if len(planErrs) > 0 {
		return r.exit("apply", &cliError{exitFail, errors.New("plan errors: " + strings.Join(planErrs, "; "))})
	}
	if applyErr != nil {
		return r.exit("apply", applyErr)
	}
	return exitOK
}

// applyRun is what a run of apply did, for its last line.
type applyRun struct {
	plans    []*unitPlan
	dry      bool
	planErrs bool // nothing was applied: the plan has errors
	stopped  int  // index of the unit that failed, -1 when none did
}

// outcome says what the run did: the plan (dry run), nothing (plan
// errors), everything, or where it stopped, what of that unit was
// rolled back and what was applied before it.
func (a *applyRun) outcome() string {
	switch {
	case a.dry:
		return "Plan: " + summary(a.plans) + "."
	case a.planErrs:
		return "Nothing applied: the plan has errors (" + summary(a.plans) + ")."
	case a.stopped < 0:
		return "Applied plan: " + summary(a.plans) + "."
	}
	p := a.plans[a.stopped]
	var b strings.Builder
	what := "was refused"
	if p.interrupted {
		what = "was interrupted"
	}
	fmt.Fprintf(&b, "Apply stopped: %s %s", p.u.name(), what)
	switch {
	case len(p.rollbackErrs) > 0:
		fmt.Fprintf(&b, "; ROLLBACK INCOMPLETE: %s", strings.Join(p.rollbackErrs, "; "))
		if len(p.rolledBack) > 0 {
			fmt.Fprintf(&b, " (rolled back: %s)", strings.Join(p.rolledBack, ", "))
		}
	case len(p.rolledBack) > 0:
		fmt.Fprintf(&b, "; rolled back what this run did to it: %s", strings.Join(p.rolledBack, ", "))
	default:
		b.WriteString(" before any of it was applied")
	}
	fmt.Fprintf(&b, ".\nApplied before it: %s. Not attempted: %s.",
		summary(a.plans[:a.stopped]), summary(a.plans[a.stopped+1:]))
	return b.String()
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

// printPlan prints every step of the plans, with its result once applied.
func printPlan(w io.Writer, plans []*unitPlan) {
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
}

// applyUnit carries out one unit. When a step is refused or the run is
// interrupted (ctx cancelled), what this run did to the unit is rolled
// back before it returns (see rollback), and p records what was undone.
func applyUnit(ctx context.Context, cl *client, p *unitPlan, applied map[string]int) error {
	u := p.u
	rb := &rollback{}
	fail := func(step *planStep, err error) error {
		code := exitFail
		if ctx.Err() != nil {
			p.interrupted, code = true, exitInterrupted
			step.Result = "interrupted"
			err = fmt.Errorf("interrupted: %w", context.Cause(ctx))
		} else {
			step.Result = "refused"
		}
		p.rolledBack, p.rollbackErrs = rb.run(ctx)
		if len(p.rollbackErrs) > 0 {
			return &cliError{code, fmt.Errorf("%s: %w; ROLLBACK INCOMPLETE: %s", u.name(), err, strings.Join(p.rollbackErrs, "; "))}
		}
		for _, s := range p.steps() {
			if s.Result != "" && s != step {
				s.Result = "rolled back"
			}
		}
		if len(p.rolledBack) == 0 {
			return &cliError{code, fmt.Errorf("%s: %w", u.name(), err)}
		}
		return &cliError{code, fmt.Errorf("%s: %w (what this run did to %s was rolled back)", u.name(), err, u.name())}
	}
	if err := ctx.Err(); err != nil {
		return fail(p.steps()[0], err)
	}

	if u.Stream != nil && p.stream.Action != actNoChange {
		// The contract may set its subjects' compatibility: remember
		// their configs to restore them on rollback.
		for _, subj := range subjectsOf(*u.Stream, p.current) {
			if err := rb.saveConfig(ctx, cl, subj); err != nil {
				return fail(p.stream, err)
			}
		}
		want := *u.Stream
		want.Validation = want.Validation.normalized()
		var err error
		path := "/v1/streams/" + pathEscape(want.Name)
		if p.current == nil {
			_, err = cl.do(ctx, "POST", "/v1/streams", want, nil)
			rb.steps = append(rb.steps, func(ctx context.Context) (string, error) {
				_, err := cl.do(ctx, "DELETE", path, nil, nil)
				switch {
				case isStatus(err, 404):
					return "", nil // an interrupted create that never happened
				case err != nil:
					return "", fmt.Errorf("deleting stream %s: %w", want.Name, err)
				}
				return "deleted stream " + want.Name, nil
			})
		} else {
			if want.Owner == "" {
				want.Owner = p.current.Owner
			}
			_, err = cl.do(ctx, "PUT", path, want, nil)
			prev := *p.current
			rb.add("restored stream "+prev.Name, func(ctx context.Context) error {
				if _, err := cl.do(ctx, "PUT", path, prev, nil); err != nil {
					return fmt.Errorf("restoring stream %s: %w", prev.Name, err)
				}
				return nil
			})
		}
		if err != nil {
			if ctx.Err() == nil {
				rb.drop() // refused: the write itself did not happen
			} // interrupted: it may have happened, undo it to be sure
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
			if ctx.Err() != nil && step.Action != actNoChange {
				// Interrupted: the registration may have gone through.
				rb.deleteIfRegistered(cl, ls.Subject, doc)
			}
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
		rb.deleteVersion(cl, ls.Subject, res.Version)
	}
	return nil
}
