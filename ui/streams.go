package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

// PageSize is the length of every paged list.
const PageSize = 50

// eventTypeHelp says in one line what each event type means for its
// consumers (from the event-design rules in design.md).
var eventTypeHelp = map[string]string{
	"state":        "Full public state of an entity, keyed by its id: materialize a table from it; a null value (tombstone) deletes the key; the stream can be compacted.",
	"delta":        "A past-tense change between states: every consumer must replicate the producer's interpretation logic to rebuild the state; perilous across domains.",
	"notification": "Something happened, with a pointer to fetch more: by the time you follow it the state may have moved on, and replays see only the current state.",
	"measurement":  "A point-in-time observation (clicks, readings), often unkeyed and possibly lossy: meant for aggregation, not for exact state.",
	"hybrid":       "State plus a little delta (an enum saying how it changed): the enum is part of the contract and new values need consumers' sign-off.",
}

// streamCache derives what list pages, badge lookups and the
// notification lint need (streams by name, their owners) from the
// contracts service's Snapshot, which is current with writes through this
// process and, through the change feed, other replicas'. It derives them
// again only when the snapshot's version changes; no page reads the
// database for them.
type streamCache struct {
	svc *contracts.Service

	mu   sync.Mutex
	snap *streamSnap
}

type streamSnap struct {
	gen    uint64
	list   []contracts.Stream // by name; shared with the contracts snapshot: read only
	byName map[string]*contracts.Stream
	owners []string
}

func newStreamCache(svc *contracts.Service) *streamCache { return &streamCache{svc: svc} }

func (c *streamCache) get(ctx context.Context) (*streamSnap, error) {
	if c.svc == nil { // streams are off: no contracts to show
		return &streamSnap{byName: map[string]*contracts.Stream{}}, nil
	}
	cs, err := c.svc.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.snap; s != nil && s.gen == cs.Version() {
		return s, nil
	}
	list := cs.All()
	s := &streamSnap{gen: cs.Version(), list: list, byName: make(map[string]*contracts.Stream, len(list))}
	owners := map[string]bool{}
	for i := range list {
		s.byName[list[i].Name] = &list[i]
		owners[list[i].Owner] = true
	}
	for o := range owners {
		s.owners = append(s.owners, o)
	}
	sort.Strings(s.owners)
	c.snap = s
	return s, nil
}

// matchTag is contracts.Filter's tag match: a label, "domain:<d>",
// "entity:<e>" or "pii".
func matchTag(s *contracts.Stream, tag string) bool {
	switch {
	case tag == "":
		return true
	case tag == "pii":
		return len(s.Tags.PII) > 0
	case s.Tags.Domain != "" && tag == "domain:"+s.Tags.Domain:
		return true
	case s.Tags.Entity != "" && tag == "entity:"+s.Tags.Entity:
		return true
	}
	return slices.Contains(s.Tags.Labels, tag)
}

type streamRow struct {
	contracts.Stream
	Pending int
}

type streamsData struct {
	Off                                  bool
	Q, Owner, EventType, Visibility, Tag string
	Pending                              bool
	Owners                               []string
	EventTypes                           []contracts.EventType
	Rows                                 []streamRow
	Total, Page, Pages, First, Last      int
	PrevURL, NextURL                     string
	PendingOff                           bool
}

func (h *handler) streamsPage(w http.ResponseWriter, r *http.Request) error {
	d := streamsData{EventTypes: contracts.EventTypes}
	if h.opts.Contracts == nil {
		d.Off = true
		h.render(w, r, 200, "streams", "Streams", "Streams", d)
		return nil
	}
	q := r.URL.Query()
	d.Q, d.Owner, d.Tag = strings.TrimSpace(q.Get("q")), q.Get("owner"), strings.TrimSpace(q.Get("tag"))
	d.EventType, d.Visibility = q.Get("eventType"), q.Get("visibility")
	if d.EventType != "" && !slices.Contains(contracts.EventTypes, contracts.EventType(d.EventType)) {
		return badRequest("The event type %q is not one of state, delta, notification, measurement, hybrid.", d.EventType)
	}
	if d.Visibility != "" && d.Visibility != string(contracts.Public) && d.Visibility != string(contracts.Private) {
		return badRequest("The visibility %q is not public or private.", d.Visibility)
	}
	switch q.Get("pending") {
	case "", "0":
	case "1", "on", "true":
		d.Pending = true
	default:
		return badRequest("The query parameter pending=%q must be 1 or absent.", q.Get("pending"))
	}
	page, err := intParam(q, "page", 1, 1, 1_000_000)
	if err != nil {
		return err
	}
	snap, err := h.streams.get(r.Context())
	if err != nil {
		return err
	}
	var pending map[string]int
	if h.opts.Proposals != nil {
		if pending, err = h.opts.Proposals.PendingByStream(r.Context()); err != nil {
			return err
		}
	} else {
		d.PendingOff = true
	}
	d.Owners = snap.owners
	ql := strings.ToLower(d.Q)
	// Matching streams are counted and only this page's are kept, so a
	// request holds one page of rows whatever the number of streams.
	lo := (page - 1) * PageSize
	for i := range snap.list {
		s := &snap.list[i]
		switch {
		case d.Owner != "" && s.Owner != d.Owner,
			d.EventType != "" && string(s.EventType) != d.EventType,
			d.Visibility != "" && string(s.Visibility) != d.Visibility,
			!matchTag(s, d.Tag),
			d.Pending && pending[s.Name] == 0,
			ql != "" && !strings.Contains(strings.ToLower(s.Name), ql) && !strings.Contains(strings.ToLower(s.Description), ql):
			continue
		}
		if d.Total >= lo && d.Total < lo+PageSize {
			d.Rows = append(d.Rows, streamRow{Stream: *s, Pending: pending[s.Name]})
		}
		d.Total++
	}
	d.Page = page
	d.Pages = max(1, (d.Total+PageSize-1)/PageSize)
	lo = min(lo, d.Total)
	hi := min(lo+PageSize, d.Total)
	d.First, d.Last = lo+1, hi
	if page > 1 {
		d.PrevURL = pageURL(r, page-1)
	}
	if hi < d.Total {
		d.NextURL = pageURL(r, page+1)
	}
	h.render(w, r, 200, "streams", "Streams", "Streams", d)
	return nil
}

// pageURL is the current URL on another page.
func pageURL(r *http.Request, page int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	return r.URL.Path + "?" + q.Encode()
}

// versionRow is one version of a subject with who registered it.
type versionRow struct {
	Version    int
	SchemaID   int64
	Type       string
	Deleted    bool
	Registered time.Time
	Author     string
	Selected   bool
	Step       versionStep // what it changed against the version before
}

type streamData struct {
	Stream      contracts.Stream
	Help        string
	Subject     string
	Subjects    []string
	Level       compat.Level
	Versions    []versionRow
	Selected    *versionRow
	Code        Code
	Lints       []contracts.Lint
	LintErr     string
	From, To    int
	Proposals   []proposalRow
	ProposalsOn bool
	Readers     []declaredReader
	Findings    []finding
}

// streamOfPath reads the stream a /ui/streams/{name}/... page is about.
func (h *handler) streamOfPath(r *http.Request) (contracts.Stream, error) {
	if h.opts.Contracts == nil || h.opts.Registry == nil {
		return contracts.Stream{}, notFound("Streams are not served by this server.")
	}
	name, err := pathParam(r, "name")
	if err != nil {
		return contracts.Stream{}, err
	}
	return h.opts.Contracts.Get(r.Context(), name)
}

func (h *handler) streamPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := h.streamOfPath(r)
	if noContract(err) {
		return h.contractlessPage(w, r, pathParamRaw(r, "name"), err)
	}
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := streamData{Stream: st, Help: eventTypeHelp[string(st.EventType)], Subjects: st.Subjects()}
	if d.Subject, err = subjectParam(q.Get("subject"), &st); err != nil {
		return err
	}
	version, err := intParam(q, "version", 0, 1, 1<<31-1)
	if err != nil {
		return err
	}
	if d.Level, err = h.level(ctx, d.Subject); err != nil {
		return err
	}
	if d.Versions, err = h.versions(ctx, d.Subject); err != nil {
		return err
	}
	if len(d.Versions) > 0 {
		idx := len(d.Versions) - 1
		if version != 0 {
			idx = slices.IndexFunc(d.Versions, func(v versionRow) bool { return v.Version == version })
			if idx < 0 {
				return notFound("Subject %s has no version %d.", d.Subject, version)
			}
		}
		d.Versions[idx].Selected = true
		d.Selected = &d.Versions[idx]
		sv, err := h.opts.Registry.Version(ctx, d.Subject, d.Selected.Version, true)
		if err != nil {
			return err
		}
		d.Code = render(sv.Schema.Type, sv.Schema.Schema)
		d.To = d.Versions[len(d.Versions)-1].Version
		d.From = d.To
		if len(d.Versions) > 1 {
			d.From = d.Versions[len(d.Versions)-2].Version
		}
	} else if version != 0 {
		return notFound("Subject %s has no version %d.", d.Subject, version)
	}
	if err := h.steps(ctx, d.Subject, d.Level, d.Versions); err != nil {
		return err
	}
	if d.Readers, err = h.staleDeclarations(ctx, d); err != nil {
		return err
	}
	if d.Findings, err = h.findingsFor(ctx, st.Name); err != nil {
		return err
	}
	lints, err := h.lint(ctx, &st)
	if err != nil {
		// Lints are advice: a schema the linter cannot read must not hide
		// the rest of the page. A server failure's text is never shown.
		if storeFailure(err) {
			return err
		}
		d.LintErr = err.Error()
	}
	d.Lints = lints
	if h.opts.Proposals != nil {
		d.ProposalsOn = true
		prs, err := h.opts.Proposals.List(ctx, proposalFilter(st.Name))
		if err != nil {
			return err
		}
		d.Proposals = proposalRows(prs)
	}
	h.render(w, r, 200, "stream", st.Name, "Streams", d)
	return nil
}

// lint lints the latest schema of each of the stream's subjects, as
// contracts.Service.Lint does, but with the other streams (which the
// notification rule reads) from the UI's stream cache rather than a fresh
// listing of every contract on each page view.
func (h *handler) lint(ctx context.Context, st *contracts.Stream) ([]contracts.Lint, error) {
	snap, err := h.streams.get(ctx)
	if err != nil {
		return nil, err
	}
	keyRegistered := false
	if st.KeySubject != "" {
		_, err := h.opts.Registry.Versions(ctx, st.KeySubject, false)
		switch {
		case err == nil:
			keyRegistered = true
		case !errors.Is(err, registry.ErrSubjectNotFound):
			return nil, err
		}
	}
	var out []contracts.Lint
	for _, subj := range st.Subjects() {
		schema, _, err := h.opts.Registry.LatestSchema(ctx, subj)
		if errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		role := st.RoleOf(subj)
		out = append(out, contracts.Run(contracts.LintInput{Stream: *st, Subject: subj, Role: role, Schema: schema,
			KeyRegistered: keyRegistered && role == contracts.RoleValue, Others: snap.list})...)
	}
	return out, nil
}

// subjectParam picks the subject a stream page shows: the one asked for,
// which must be the stream's, or its first value subject.
func subjectParam(subject string, st *contracts.Stream) (string, error) {
	subs := st.Subjects()
	if subject == "" {
		if len(st.ValueSubjects) > 0 {
			return st.ValueSubjects[0], nil
		}
		return subs[0], nil
	}
	if !slices.Contains(subs, subject) {
		return "", badRequest("%q is not a subject of stream %s (its subjects: %s).", subject, st.Name, strings.Join(subs, ", "))
	}
	return subject, nil
}

func (h *handler) level(ctx context.Context, subject string) (compat.Level, error) {
	cfg, err := h.opts.Registry.GetConfig(ctx, subject, true)
	if err != nil {
		return "", err
	}
	if cfg.Compatibility == "" {
		return compat.BackwardLevel, nil
	}
	return cfg.Compatibility, nil
}

// versions lists a subject's versions, soft-deleted ones included, with
// their authors: one audit query for the subject (its schema.register
// entries), not one per version.
func (h *handler) versions(ctx context.Context, subject string) ([]versionRow, error) {
	nums, err := h.opts.Registry.Versions(ctx, subject, true)
	if errors.Is(err, registry.ErrSubjectNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type reg struct {
		at    time.Time
		actor string
	}
	authors := map[int]reg{}
	if h.opts.Audit != nil {
		n := registry.ParseName(subject)
		entries, err := h.opts.Audit.List(ctx, audit.Filter{Action: audit.SchemaRegister, Context: n.Context, Target: n.Subject, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			var doc struct {
				Version int `json:"version"`
			}
			if json.Unmarshal(e.After, &doc) == nil && doc.Version > 0 {
				if _, seen := authors[doc.Version]; !seen { // newest first: keep the first seen
					authors[doc.Version] = reg{e.At, e.Actor}
				}
			}
		}
	}
	out := make([]versionRow, 0, len(nums))
	for _, v := range nums {
		sv, err := h.opts.Registry.Version(ctx, subject, v, true)
		if err != nil {
			return nil, err
		}
		row := versionRow{Version: v, SchemaID: sv.Schema.ID, Type: schemaType(sv.Schema.Type), Deleted: sv.Deleted, Registered: sv.Schema.CreatedAt}
		if a, ok := authors[v]; ok {
			row.Registered, row.Author = a.at, a.actor
		}
		out = append(out, row)
	}
	return out, nil
}

func schemaType(t string) string {
	if t == "" {
		return compat.TypeAvro
	}
	return t
}

type diffData struct {
	Stream     contracts.Stream
	Subject    string
	From, To   int
	Versions   []versionRow
	Level      compat.Level
	Compatible bool
	Violations []compat.Violation
	Diff       Diff
	View       string
	Full       bool // every unchanged line shown
	Same       bool
	CheckErr   string
}

func (h *handler) diffPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := h.streamOfPath(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := diffData{Stream: st, View: q.Get("view"), Full: q.Get("full") == "1"}
	if d.View == "" {
		d.View = "side"
	}
	if d.View != "side" && d.View != "inline" {
		return badRequest("The view %q is not side or inline.", d.View)
	}
	if d.Subject, err = subjectParam(q.Get("subject"), &st); err != nil {
		return err
	}
	if q.Get("from") == "" || q.Get("to") == "" {
		return badRequest("Choose two versions to compare (from and to).")
	}
	if d.From, err = intParam(q, "from", 0, 1, 1<<31-1); err != nil {
		return err
	}
	if d.To, err = intParam(q, "to", 0, 1, 1<<31-1); err != nil {
		return err
	}
	if d.From > d.To { // the older on the left, the newer checked against it
		d.From, d.To = d.To, d.From
	}
	if d.Versions, err = h.versions(ctx, d.Subject); err != nil {
		return err
	}
	older, err := h.opts.Registry.Version(ctx, d.Subject, d.From, true)
	if err != nil {
		return err
	}
	newer, err := h.opts.Registry.Version(ctx, d.Subject, d.To, true)
	if err != nil {
		return err
	}
	if d.Level, err = h.level(ctx, d.Subject); err != nil {
		return err
	}
	d.Same = d.From == d.To
	d.Compatible = true
	if !d.Same {
		d.Violations, err = h.check(ctx, d.Subject, d.Level, older, newer)
		if err != nil {
			if storeFailure(err) { // a server failure's text is never shown
				return err
			}
			d.CheckErr = err.Error()
		}
		d.Compatible = len(d.Violations) == 0 && err == nil
	}
	d.Diff = buildDiff(render(older.Schema.Type, older.Schema.Schema), render(newer.Schema.Type, newer.Schema.Schema), d.Violations)
	if !d.Full {
		d.Diff = d.Diff.folded(diffContext)
	}
	h.render(w, r, 200, "diff", fmt.Sprintf("%s: version %d → %d", st.Name, d.From, d.To), "Streams", d)
	return nil
}

// check checks newer against older under level's directions (one
// version, so not transitively), with each version's metadata properties
// (confluent:reserved) as registering would. Soft-deleted versions are
// parsed like live ones, so any two versions compare.
func (h *handler) check(ctx context.Context, subject string, level compat.Level, older, newer registry.SchemaVersion) ([]compat.Violation, error) {
	parse := func(sv registry.SchemaVersion) (compat.Schema, error) {
		return h.opts.Registry.ParseSchema(ctx, subject, registry.SchemaInput{Schema: sv.Schema.Schema, SchemaType: sv.Schema.Type, References: sv.Schema.References})
	}
	o, err := parse(older)
	if err != nil {
		return nil, err
	}
	n, err := parse(newer)
	if err != nil {
		return nil, err
	}
	if schemaType(older.Schema.Type) != schemaType(newer.Schema.Type) {
		if level == compat.None {
			return nil, nil
		}
		return []compat.Violation{{Difference: compat.Difference{ID: "SCHEMA_TYPE_CHANGED", Location: "", Message: "the schema type changed from " + schemaType(older.Schema.Type) + " to " + schemaType(newer.Schema.Type)}, Version: older.Version, Direction: "BACKWARD"}}, nil
	}
	return compat.CheckWithMetadata(level, n, properties(newer.Schema.Metadata),
		[]compat.Previous{{Version: older.Version, Schema: o, Properties: properties(older.Schema.Metadata)}}), nil
}

func properties(metadata []byte) map[string]string {
	if len(metadata) == 0 {
		return nil
	}
	var doc struct {
		Properties map[string]string `json:"properties"`
	}
	_ = json.Unmarshal(metadata, &doc)
	return doc.Properties
}

type schemaData struct {
	ID       int64
	Subject  string
	Type     string
	Code     Code
	Versions []registry.SchemaVersion
}

// schemaPage shows one schema by id (the Subjects page links here).
func (h *handler) schemaPage(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Registry == nil {
		return notFound("The registry is not served by this server.")
	}
	raw, _ := pathParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return badRequest("%q is not a schema id.", raw)
	}
	subject := r.URL.Query().Get("subject")
	rec, err := h.opts.Registry.SchemaByID(r.Context(), id, subject)
	if err != nil {
		return err
	}
	hint := "" // the subject's context, to list every subject using the id there
	if n := registry.ParseName(subject); n.Context != registry.DefaultContext && n.Context != "" {
		hint = ":" + n.Context + ":"
	}
	vs, err := h.opts.Registry.VersionsByID(r.Context(), id, hint, true)
	if err != nil {
		return err
	}
	d := schemaData{ID: id, Subject: subject, Type: schemaType(rec.Type), Code: render(rec.Type, rec.Schema), Versions: vs}
	h.render(w, r, 200, "schema", fmt.Sprintf("Schema %d", id), "Subjects", d)
	return nil
}

// storeFailure reports whether err is the store's (its text may name the
// database): pages show such errors only as the generic error page.
func storeFailure(err error) bool {
	return errors.Is(err, registry.ErrStore) || errors.Is(err, context.DeadlineExceeded)
}
