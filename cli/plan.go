package cli

// The plan of accord apply: each unit compared with the server (create,
// update with the changed fields and a schema diff, or no change), and
// what would make the server refuse it (plan errors).

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// Plan actions.
const (
	actCreate   = "create"
	actUpdate   = "update"
	actNoChange = "no change"
)

// planStep is one line of the plan, as `--output json` prints it.
type planStep struct {
	Kind    string   `json:"kind"` // stream or schema
	Name    string   `json:"name"`
	Role    string   `json:"role,omitempty"`
	File    string   `json:"file,omitempty"`
	Action  string   `json:"action"`
	Changes []string `json:"changes,omitempty"`
	Diff    string   `json:"diff,omitempty"`
	Error   string   `json:"error,omitempty"`
	// Result after apply: the version registered, or "rolled back".
	Result string `json:"result,omitempty"`
}

// unitPlan is the plan of one unit and what the server holds now.
type unitPlan struct {
	u       *unit
	stream  *planStep
	current *streamDoc // the server's stream, nil when it does not exist
	schemas []*planStep

	// After a failed apply of the unit: whether it was interrupted
	// (rather than refused), what was rolled back and what could not be.
	interrupted  bool
	rolledBack   []string
	rollbackErrs []string
}

func (p *unitPlan) steps() []*planStep {
	var out []*planStep
	if p.stream != nil {
		out = append(out, p.stream)
	}
	return append(out, p.schemas...)
}

// planUnits compares every unit with the server.
func planUnits(ctx context.Context, cl *client, units []*unit) ([]*unitPlan, error) {
	pending := map[string]bool{} // subjects that apply will change before a dependant
	modes := &modeChecker{cl: cl, seen: map[string]string{}}
	var plans []*unitPlan
	for _, u := range units {
		p := &unitPlan{u: u}
		if u.Stream != nil {
			step, cur, err := planStream(ctx, cl, u.Stream)
			if err != nil {
				return nil, err
			}
			p.stream, p.current = step, cur
			// A stream write with a compatibility level sets it on each
			// of its subjects: a config write, which READONLY refuses.
			if step.Action != actNoChange && step.Error == "" && u.Stream.Compatibility != "" {
				for _, subj := range subjectsOf(*u.Stream, cur) {
					if step.Error, err = modes.refusal(ctx, subj, false); err != nil || step.Error != "" {
						break
					}
				}
				if err != nil {
					return nil, err
				}
			}
		}
		for _, ls := range u.Schemas {
			step, err := planSchema(ctx, cl, ls, pending)
			if err != nil {
				return nil, err
			}
			if step.Action != actNoChange {
				pending[ls.Subject] = true
				if step.Error, err = modes.refusal(ctx, ls.Subject, true); err != nil {
					return nil, err
				}
			}
			p.schemas = append(p.schemas, step)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// modeChecker tells whether a subject's mode would refuse a write, so
// that a plan (and a dry run) fails where apply would.
type modeChecker struct {
	cl   *client
	seen map[string]string // subject → effective mode
}

// refusal is why subject's effective mode refuses a registration
// (register) or a config write, or "" when it allows it.
func (m *modeChecker) refusal(ctx context.Context, subject string, register bool) (string, error) {
	mode, ok := m.seen[subject]
	if !ok {
		var ans struct {
			Mode string `json:"mode"`
		}
		_, err := m.cl.do(ctx, "GET", "/mode/"+pathEscape(subject)+"?defaultToGlobal=true", nil, &ans)
		switch {
		case isStatus(err, 404):
			// A registry without modes: nothing to check.
		case err != nil:
			return "", fmt.Errorf("reading the mode of %s: %w", subject, err)
		}
		mode, m.seen[subject] = ans.Mode, ans.Mode
	}
	switch {
	case mode == "READONLY" || mode == "READONLY_OVERRIDE":
		what := "its compatibility config"
		if register {
			what = "a new version"
		}
		return fmt.Sprintf("subject %s is in %s mode: the server would refuse %s (PUT /mode/%s {\"mode\":\"READWRITE\"} first)", subject, mode, what, subject), nil
	case mode == "IMPORT" && register:
		return fmt.Sprintf("subject %s is in IMPORT mode: the server registers only versions with their ids (accord import)", subject), nil
	}
	return "", nil
}

func planStream(ctx context.Context, cl *client, want *streamDoc) (*planStep, *streamDoc, error) {
	step := &planStep{Kind: "stream", Name: want.Name}
	var cur streamDoc
	_, err := cl.do(ctx, "GET", "/v1/streams/"+pathEscape(want.Name), nil, &cur)
	if isStatus(err, 404) {
		step.Action = actCreate
		step.Changes = fieldChanges(streamDoc{}, want.normalized())
		return step, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading stream %s: %w", want.Name, err)
	}
	w := *want
	if w.Owner == "" {
		w.Owner = cur.Owner
	}
	if w.Owner != cur.Owner {
		step.Error = fmt.Sprintf("owner is %s on the server, %s here: ownership moves only by an explicit transfer (POST /v1/streams/%s/transfer)", cur.Owner, w.Owner, w.Name)
	}
	step.Changes = fieldChanges(cur.normalized(), w.normalized())
	step.Action = actNoChange
	if len(step.Changes) > 0 {
		step.Action = actUpdate
	}
	return step, &cur, nil
}

// fieldChanges lists the top-level fields that differ, as
// "field: old -> new" with JSON values.
func fieldChanges(from, to streamDoc) []string {
	a, b := toMap(from), toMap(to)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, jsonOrNone(a[k]), jsonOrNone(b[k])))
		}
	}
	sort.Strings(out)
	return out
}

func toMap(s streamDoc) map[string]any {
	raw, _ := json.Marshal(s)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	if t, ok := m["tags"].(map[string]any); ok && len(t) == 0 {
		delete(m, "tags")
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

func jsonOrNone(v any) string {
	if v == nil {
		return "(none)"
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// planSchema decides whether ls would register a new version. pending
// subjects change earlier in this run, so references to them cannot be
// looked up yet.
func planSchema(ctx context.Context, cl *client, ls *localSchema, pending map[string]bool) (*planStep, error) {
	step := &planStep{Kind: "schema", Name: ls.Subject, Role: ls.Role, File: ls.File}
	latest, err := cl.latest(ctx, ls.Subject)
	if isStatus(err, 404) {
		step.Action = actCreate
		return step, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ls.Subject, err)
	}
	for _, r := range ls.Refs {
		if pending[r.Subject] {
			step.Action = actUpdate
			step.Changes = []string{"reference " + r.Name + " (" + r.Subject + ") changes in this run"}
			step.Diff = schemaDiff(latest.Schema, ls.Doc.Schema, latest.Subject, latest.Version, ls.File)
			return step, nil
		}
	}
	doc := ls.Doc
	if doc.References, err = resolveRefs(ctx, cl, ls.Refs, nil); err != nil {
		return nil, err
	}
	var found versionDoc
	_, err = cl.do(ctx, "POST", "/subjects/"+pathEscape(ls.Subject), doc.body(), &found)
	switch {
	case err == nil:
		step.Action = actNoChange
		if found.Version != latest.Version {
			step.Changes = []string{fmt.Sprintf("already version %d (latest is %d)", found.Version, latest.Version)}
		}
	case isCode(err, 40403) || isCode(err, 40401):
		step.Action = actUpdate
		step.Diff = schemaDiff(latest.Schema, ls.Doc.Schema, latest.Subject, latest.Version, ls.File)
	default:
		return nil, fmt.Errorf("looking up %s: %w", ls.Subject, err)
	}
	return step, nil
}

// resolveRefs pins references: versions registered in this run
// (applied), else the given version, else the latest on the server.
func resolveRefs(ctx context.Context, cl *client, refs []reference, applied map[string]int) ([]reference, error) {
	var out []reference
	for _, r := range refs {
		switch {
		case applied[r.Subject] > 0 && r.Version == 0:
			r.Version = applied[r.Subject]
		case r.Version == 0:
			v, err := cl.latest(ctx, r.Subject)
			if err != nil {
				return nil, fmt.Errorf("reference %s: subject %s: %w", r.Name, r.Subject, err)
			}
			r.Version = v.Version
		}
		out = append(out, r)
	}
	return out, nil
}
