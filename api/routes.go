package api

// The route-policy table: every route the API serves, with who may call
// it. It is the one place authorization is declared. mount registers
// exactly the table's routes, each behind guard, which enforces the row's
// roles and ownership rules; a route registered any other way makes New
// panic (checkRoutes). docs/security.md renders the same table, and
// TestSecurityDocListsEveryRoute keeps the two in step. The one request
// answered before routing, GET /schemas/ids/{id} from the hot cache
// (hotpath.go), is served only after authentication, as its row (any
// principal) says.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// Role sets of the table.
var (
	// anyone: every authenticated principal (every principal holds a role
	// and every role may read).
	anyone        = []auth.Role{auth.RoleAdmin, auth.RoleService, auth.RoleReviewer, auth.RoleReader}
	adminOnly     = []auth.Role{auth.RoleAdmin}
	writers       = []auth.Role{auth.RoleAdmin, auth.RoleService}
	deciders      = []auth.Role{auth.RoleAdmin, auth.RoleReviewer}
	auditReaders  = []auth.Role{auth.RoleAdmin, auth.RoleReviewer}
	lineageWriter = []auth.Role{auth.RoleAdmin, auth.RoleService}
)

// Rule is an ownership rule of a route: what the caller must be to the
// resource, beyond holding one of the route's roles. Rules with a check
// are enforced by guard before the handler runs; the others are enforced
// by the domain service inside the write's transaction (so every path
// that writes is covered, not only HTTP) and are named here so the table
// says who may do what.
type Rule struct {
	// Name is the rule as docs/security.md shows it.
	Name string
	// check refuses the request (nil: enforced by the service, see Name).
	check func(s *Server, r *http.Request) error
}

// The ownership rules.
var (
	// ruleDEKOwner: a DEK is written by the owner of its subject's stream
	// (the single writer), or an admin; the dek service decides.
	ruleDEKOwner = Rule{Name: "subject owner (dek service)"}
	// ruleNone: the roles say it all.
	ruleNone = Rule{Name: "none"}
	// ruleSubjectOwner: the owner of the subject's stream (or, for a
	// subject of no stream, the unowned-subject policy), or an admin.
	ruleSubjectOwner = Rule{Name: "subject owner", check: (*Server).checkSubjectOwner}
	// ruleRegister: the subject owner, checked by the registry's policy
	// (contracts.BeforeRegister) at write time, so registrations made by
	// approving a proposal are covered too; also review-required streams
	// and cross-owner references.
	ruleRegister = Rule{Name: "subject owner (registry policy: single writer, review, references)"}
	// ruleContextWide: a context's or the global config or mode (the
	// subject segment names a context, ":.ctx:"): admins only.
	ruleContextWide = Rule{Name: "admin when context-wide", check: (*Server).checkContextWide}
	// ruleImportAdmin: setting IMPORT (which lets a caller choose schema
	// ids) is for admins only, whatever the scope and force.
	ruleImportAdmin = Rule{Name: "admin when mode is IMPORT", check: (*Server).checkImportMode}
	// ruleStreamOwner: the stream's owner or an admin, decided by the
	// contracts service in the transaction that changes the stream (only
	// an admin may lift review; a transfer goes to an enabled service).
	ruleStreamOwner = Rule{Name: "stream owner (contracts, in the transaction)"}
	// ruleStreamDelete: the stream's owner or an admin, and only an admin
	// when the stream requires review (deleting it would lift review).
	ruleStreamDelete = Rule{Name: "stream owner; admin when review is required (contracts, in the transaction)"}
	// ruleStreamCreate: a service declares streams it owns over subjects
	// nobody else claimed; admins any.
	ruleStreamCreate = Rule{Name: "owner is the caller unless admin (contracts)"}
	// ruleSelf: the principal named in the path is the caller, or the
	// caller is an admin.
	ruleSelf = Rule{Name: "self or admin", check: (*Server).checkSelf}
	// ruleOwnTokens: a principal's own tokens; admins any (handlers:
	// another principal's token does not exist for the caller).
	ruleOwnTokens = Rule{Name: "own tokens, or admin"}
	// ruleProposer: proposing needs the right to register the subject
	// (proposals: the single writer).
	ruleProposer = Rule{Name: "may register the subject (proposals)"}
	// ruleWithdraw: the proposer or an admin (proposals).
	ruleWithdraw = Rule{Name: "proposer or admin (proposals)"}
	// ruleDecider: never on one's own proposal (proposals).
	ruleDecider = Rule{Name: "not the proposer (proposals)"}
	// ruleLineage: a service declares its own edges and reports its own
	// runs (lineage).
	ruleLineage = Rule{Name: "own edges and runs (lineage)"}
)

// feature is the service a route needs; a route whose service is not
// configured is not served (404).
type feature int

const (
	core feature = iota
	withAuth
	withContracts
	withAudit
	withLineage
	withProposals
	withBackups
	withDEK
)

// route is one row of the table.
type route struct {
	method, pattern string
	// open: served without credentials (health probes). Otherwise roles
	// lists who may call it.
	open  bool
	roles []auth.Role
	rules []Rule
	need  feature
	h     http.HandlerFunc
}

// RoutePolicy is a row of the route-policy table, for documentation and
// tests.
type RoutePolicy struct {
	Method, Pattern string
	// Open routes need no credentials.
	Open bool
	// Roles may call the route (with authentication on).
	Roles []auth.Role
	// Rules are the ownership rules, by name ("none" when there are none).
	Rules []string
}

// Policy returns the route-policy table of the routes this server serves.
func (s *Server) Policy() []RoutePolicy {
	var out []RoutePolicy
	for _, rt := range s.table {
		p := RoutePolicy{Method: rt.method, Pattern: rt.pattern, Open: rt.open, Roles: rt.roles}
		for _, r := range rt.rules {
			p.Rules = append(p.Rules, r.Name)
		}
		if len(p.Rules) == 0 {
			p.Rules = []string{ruleNone.Name}
		}
		out = append(out, p)
	}
	return out
}

// routeTable is the table. Handlers are bound to s; a row whose feature s
// lacks is dropped.
func (s *Server) routeTable() []route {
	ok := func(status int, v any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { s.writeJSON(w, status, v) }
	}
	all := []route{
		// Probes and discovery (see health.go).
		{method: "GET", pattern: "/", open: true, h: ok(200, struct{}{})},
		{method: "GET", pattern: "/health/live", open: true, h: ok(200, map[string]string{"status": "UP"})},
		{method: "GET", pattern: "/health/ready", open: true, h: s.health},
		{method: "GET", pattern: "/health/startup", open: true, h: s.startup},
		{method: "GET", pattern: "/health", open: true, h: s.health},
		{method: "GET", pattern: "/v1/health", open: true, h: s.health},
		{method: "GET", pattern: "/v1/metadata/version", roles: anyone, h: ok(200, map[string]string{"version": Version, "commitId": CommitID})},
		{method: "GET", pattern: "/v1/metadata/id", roles: anyone, h: ok(200, map[string]any{"scope": map[string]any{"clusters": map[string]string{}}})},

		// Confluent: schemas.
		{method: "GET", pattern: "/schemas/types", roles: anyone, h: s.handle(s.schemaTypes)},
		{method: "GET", pattern: "/schemas", roles: anyone, h: s.handle(s.listSchemas)},
		{method: "GET", pattern: "/schemas/ids/{id}", roles: anyone, h: s.handle(s.schemaByID)},
		{method: "GET", pattern: "/schemas/ids/{id}/schema", roles: anyone, h: s.handle(s.schemaTextByID)},
		{method: "GET", pattern: "/schemas/ids/{id}/subjects", roles: anyone, h: s.handle(s.subjectsByID)},
		{method: "GET", pattern: "/schemas/ids/{id}/versions", roles: anyone, h: s.handle(s.versionsByID)},
		{method: "GET", pattern: "/schemas/guids/{guid}", roles: anyone, h: s.handle(s.schemaByGUID)},
		{method: "GET", pattern: "/schemas/guids/{guid}/ids", roles: anyone, h: s.handle(s.idsByGUID)},

		// Confluent: subjects. A lookup writes nothing.
		{method: "GET", pattern: "/subjects", roles: anyone, h: s.handle(s.listSubjects)},
		{method: "POST", pattern: "/subjects/{subject}", roles: anyone, h: s.handle(s.lookup)},
		{method: "DELETE", pattern: "/subjects/{subject}", roles: writers, rules: []Rule{ruleSubjectOwner}, h: s.handle(s.deleteSubject)},
		{method: "GET", pattern: "/subjects/{subject}/metadata", roles: anyone, h: s.handle(s.latestWithMetadata)},
		{method: "GET", pattern: "/subjects/{subject}/versions", roles: anyone, h: s.handle(s.listVersions)},
		{method: "POST", pattern: "/subjects/{subject}/versions", roles: writers, rules: []Rule{ruleRegister}, h: s.withLints(s.handle(s.register))},
		{method: "GET", pattern: "/subjects/{subject}/versions/{version}", roles: anyone, h: s.handle(s.getVersion)},
		{method: "DELETE", pattern: "/subjects/{subject}/versions/{version}", roles: writers, rules: []Rule{ruleSubjectOwner}, h: s.handle(s.deleteVersion)},
		{method: "GET", pattern: "/subjects/{subject}/versions/{version}/schema", roles: anyone, h: s.handle(s.getVersionSchema)},
		{method: "GET", pattern: "/subjects/{subject}/versions/{version}/referencedby", roles: anyone, h: s.handle(s.referencedBy)},

		// Confluent: config and mode. /contexts/{ctx}/config (and mode)
		// reach the {subject} routes with the context as ":.ctx:".
		{method: "GET", pattern: "/config", roles: anyone, h: s.handle(s.getConfig)},
		{method: "PUT", pattern: "/config", roles: adminOnly, h: s.handle(s.putConfig)},
		{method: "DELETE", pattern: "/config", roles: adminOnly, h: s.handle(s.deleteConfig)},
		{method: "GET", pattern: "/config/{subject}", roles: anyone, h: s.handle(s.getConfig)},
		{method: "PUT", pattern: "/config/{subject}", roles: writers, rules: []Rule{ruleContextWide, ruleSubjectOwner}, h: s.handle(s.putConfig)},
		{method: "DELETE", pattern: "/config/{subject}", roles: writers, rules: []Rule{ruleContextWide, ruleSubjectOwner}, h: s.handle(s.deleteConfig)},
		{method: "GET", pattern: "/mode", roles: anyone, h: s.handle(s.getMode)},
		{method: "PUT", pattern: "/mode", roles: adminOnly, h: s.handle(s.putMode)},
		{method: "DELETE", pattern: "/mode", roles: adminOnly, h: s.handle(s.deleteMode)},
		{method: "GET", pattern: "/mode/{subject}", roles: anyone, h: s.handle(s.getMode)},
		{method: "PUT", pattern: "/mode/{subject}", roles: writers, rules: []Rule{ruleContextWide, ruleImportAdmin, ruleSubjectOwner}, h: s.handle(s.putMode)},
		{method: "DELETE", pattern: "/mode/{subject}", roles: writers, rules: []Rule{ruleContextWide, ruleSubjectOwner}, h: s.handle(s.deleteMode)},

		// Checks write nothing: any principal.
		{method: "POST", pattern: "/compatibility/subjects/{subject}/versions", roles: anyone, h: s.handle(s.checkCompatibility)},
		{method: "POST", pattern: "/compatibility/subjects/{subject}/versions/{version}", roles: anyone, h: s.handle(s.checkCompatibility)},
		{method: "GET", pattern: "/contexts", roles: anyone, h: s.handle(s.listContexts)},
		// Forgetting an empty context is for admins, as context-wide
		// settings are.
		{method: "DELETE", pattern: "/contexts/{context}", roles: adminOnly, h: s.handle(s.deleteContext)},

		// Principals and tokens.
		{method: "GET", pattern: "/v1/whoami", roles: anyone, need: withAuth, h: s.handle(s.whoami)},
		{method: "POST", pattern: "/v1/principals", roles: adminOnly, need: withAuth, h: s.handle(s.createPrincipal)},
		{method: "GET", pattern: "/v1/principals", roles: adminOnly, need: withAuth, h: s.handle(s.listPrincipals)},
		{method: "GET", pattern: "/v1/principals/{name}", roles: anyone, rules: []Rule{ruleSelf}, need: withAuth, h: s.handle(s.getPrincipal)},
		{method: "PATCH", pattern: "/v1/principals/{name}", roles: adminOnly, need: withAuth, h: s.handle(s.patchPrincipal)},
		{method: "DELETE", pattern: "/v1/principals/{name}", roles: adminOnly, need: withAuth, h: s.handle(s.disablePrincipal)},
		{method: "POST", pattern: "/v1/tokens", roles: anyone, rules: []Rule{ruleOwnTokens}, need: withAuth, h: s.handle(s.createToken)},
		{method: "GET", pattern: "/v1/tokens", roles: anyone, rules: []Rule{ruleOwnTokens}, need: withAuth, h: s.handle(s.listTokens)},
		{method: "GET", pattern: "/v1/tokens/{id}", roles: anyone, rules: []Rule{ruleOwnTokens}, need: withAuth, h: s.handle(s.getToken)},
		{method: "DELETE", pattern: "/v1/tokens/{id}", roles: anyone, rules: []Rule{ruleOwnTokens}, need: withAuth, h: s.handle(s.revokeToken)},

		// Streams.
		{method: "POST", pattern: "/v1/streams", roles: writers, rules: []Rule{ruleStreamCreate}, need: withContracts, h: s.handle(s.createStream)},
		{method: "GET", pattern: "/v1/streams", roles: anyone, need: withContracts, h: s.handle(s.listStreams)},
		{method: "GET", pattern: "/v1/streams/{name}", roles: anyone, need: withContracts, h: s.handle(s.getStream)},
		{method: "PUT", pattern: "/v1/streams/{name}", roles: writers, rules: []Rule{ruleStreamOwner}, need: withContracts, h: s.handle(s.putStream)},
		{method: "PATCH", pattern: "/v1/streams/{name}", roles: writers, rules: []Rule{ruleStreamOwner}, need: withContracts, h: s.handle(s.patchStream)},
		{method: "DELETE", pattern: "/v1/streams/{name}", roles: writers, rules: []Rule{ruleStreamDelete}, need: withContracts, h: s.handle(s.deleteStream)},
		{method: "POST", pattern: "/v1/streams/{name}/transfer", roles: writers, rules: []Rule{ruleStreamOwner}, need: withContracts, h: s.handle(s.transferStream)},
		{method: "GET", pattern: "/v1/streams/{name}/transfers", roles: anyone, need: withContracts, h: s.handle(s.streamTransfers)},
		{method: "POST", pattern: "/v1/streams/{name}/lint", roles: anyone, need: withContracts, h: s.handle(s.lintStream)},

		// The validation hook writes nothing: brokers, proxies and CI ask.
		{method: "POST", pattern: "/v1/validate", roles: anyone, need: withContracts, h: s.handle(s.validateOne)},
		{method: "POST", pattern: "/v1/validate/batch", roles: anyone, need: withContracts, h: s.handle(s.validateBatch)},

		// The audit log, read-only.
		{method: "GET", pattern: "/v1/audit", roles: auditReaders, h: s.handle(s.listAudit)},

		// Lineage. Impact analysis writes nothing.
		{method: "POST", pattern: "/v1/lineage/edges", roles: lineageWriter, rules: []Rule{ruleLineage}, need: withLineage, h: s.handle(s.putEdge)},
		{method: "GET", pattern: "/v1/lineage/edges", roles: anyone, need: withLineage, h: s.handle(s.listEdges)},
		{method: "DELETE", pattern: "/v1/lineage/edges", roles: lineageWriter, rules: []Rule{ruleLineage}, need: withLineage, h: s.handle(s.deleteEdge)},
		{method: "GET", pattern: "/v1/lineage/graph", roles: anyone, need: withLineage, h: s.handle(s.lineageGraph)},
		{method: "GET", pattern: "/v1/lineage/nodes/{kind}/{name}/upstream", roles: anyone, need: withLineage, h: s.handle(s.walkLineage(lineage.Upstream))},
		{method: "GET", pattern: "/v1/lineage/nodes/{kind}/{name}/downstream", roles: anyone, need: withLineage, h: s.handle(s.walkLineage(lineage.Downstream))},
		{method: "GET", pattern: "/v1/lineage/services/{name}/dependencies", roles: anyone, need: withLineage, h: s.handle(s.dependencies)},
		{method: "GET", pattern: "/v1/lineage/findings", roles: anyone, need: withLineage, h: s.handle(s.lineageFindings)},
		{method: "POST", pattern: "/api/v1/lineage", roles: lineageWriter, rules: []Rule{ruleLineage}, need: withLineage, h: s.handle(s.openLineage)},
		{method: "POST", pattern: "/v1/streams/{name}/impact", roles: anyone, need: withLineage, h: s.handle(s.impact)},

		// Proposals.
		{method: "POST", pattern: "/v1/proposals", roles: writers, rules: []Rule{ruleProposer}, need: withProposals, h: s.handle(s.createProposal)},
		{method: "GET", pattern: "/v1/proposals", roles: anyone, need: withProposals, h: s.handle(s.listProposals)},
		{method: "GET", pattern: "/v1/proposals/{id}", roles: anyone, need: withProposals, h: s.handle(s.getProposal)},
		{method: "POST", pattern: "/v1/proposals/{id}/approve", roles: deciders, rules: []Rule{ruleDecider}, need: withProposals, h: s.handle(s.decideProposal(s.proposals.Approve))},
		{method: "POST", pattern: "/v1/proposals/{id}/reject", roles: deciders, rules: []Rule{ruleDecider}, need: withProposals, h: s.handle(s.decideProposal(s.proposals.Reject))},
		{method: "POST", pattern: "/v1/proposals/{id}/withdraw", roles: writers, rules: []Rule{ruleWithdraw}, need: withProposals, h: s.handle(s.decideProposal(s.proposals.Withdraw))},

		// Moving a whole Accord (backup.go): password and token hashes
		// travel here, so admins only.
		{method: "GET", pattern: "/v1/admin/dump", roles: adminOnly, need: withBackups, h: s.handle(s.adminDump)},
		{method: "POST", pattern: "/v1/admin/import", roles: adminOnly, need: withBackups, h: s.handle(s.adminImport)},

		// The DEK registry (dek.go), as Confluent's: creating a KEK is for
		// services and admins; changing, deleting or undeleting one for
		// admins; DEKs are written by their subject's owner (the dek
		// service checks it in the write's transaction).
		{method: "GET", pattern: "/dek-registry/v1/keks", roles: anyone, need: withDEK, h: s.handle(s.listKEKs)},
		{method: "POST", pattern: "/dek-registry/v1/keks", roles: writers, need: withDEK, h: s.handle(s.createKEK)},
		{method: "GET", pattern: "/dek-registry/v1/keks/{name}", roles: anyone, need: withDEK, h: s.handle(s.getKEK)},
		{method: "PUT", pattern: "/dek-registry/v1/keks/{name}", roles: adminOnly, need: withDEK, h: s.handle(s.updateKEK)},
		{method: "DELETE", pattern: "/dek-registry/v1/keks/{name}", roles: adminOnly, need: withDEK, h: s.handle(s.deleteKEK)},
		{method: "POST", pattern: "/dek-registry/v1/keks/{name}/undelete", roles: adminOnly, need: withDEK, h: s.handle(s.undeleteKEK)},
		{method: "GET", pattern: "/dek-registry/v1/keks/{name}/deks", roles: anyone, need: withDEK, h: s.handle(s.listDEKSubjects)},
		{method: "POST", pattern: "/dek-registry/v1/keks/{name}/deks", roles: writers, rules: []Rule{ruleDEKOwner}, need: withDEK, h: s.handle(s.createDEK)},
		{method: "GET", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}", roles: anyone, need: withDEK, h: s.handle(s.getDEK(false))},
		{method: "DELETE", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}", roles: writers, rules: []Rule{ruleDEKOwner}, need: withDEK, h: s.handle(s.deleteDEK(false))},
		{method: "POST", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}/undelete", roles: writers, rules: []Rule{ruleDEKOwner}, need: withDEK, h: s.handle(s.undeleteDEK(false))},
		{method: "GET", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}/versions", roles: anyone, need: withDEK, h: s.handle(s.listDEKVersions)},
		{method: "GET", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}/versions/{version}", roles: anyone, need: withDEK, h: s.handle(s.getDEK(true))},
		{method: "DELETE", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}/versions/{version}", roles: writers, rules: []Rule{ruleDEKOwner}, need: withDEK, h: s.handle(s.deleteDEK(true))},
		{method: "POST", pattern: "/dek-registry/v1/keks/{name}/deks/{subject}/versions/{version}/undelete", roles: writers, rules: []Rule{ruleDEKOwner}, need: withDEK, h: s.handle(s.undeleteDEK(true))},
	}
	out := all[:0]
	for _, rt := range all {
		if s.has(rt.need) {
			out = append(out, rt)
		}
	}
	return out
}

func (s *Server) has(f feature) bool {
	switch f {
	case withAuth:
		return true // the handlers answer 404 on an open server (errAuthOff)
	case withContracts:
		return s.contracts != nil
	case withLineage:
		return s.lineage != nil
	case withProposals:
		return s.proposals != nil
	case withBackups:
		return s.backups != nil
	case withDEK:
		return s.dek != nil
	}
	return true
}

// mount registers the table's routes on r, each behind guard.
func (s *Server) mount(r chi.Router) {
	for _, rt := range s.table {
		if !rt.open && len(rt.roles) == 0 {
			panic(fmt.Sprintf("api: route %s %s has neither roles nor open", rt.method, rt.pattern))
		}
		r.Method(rt.method, rt.pattern, s.guard(rt))
	}
}

// checkRoutes panics when r serves a route that is not in the table: a
// route without a rule must not exist.
func (s *Server) checkRoutes(r chi.Routes) {
	err := chi.Walk(r, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		pattern = strings.TrimSuffix(pattern, "/")
		if pattern == "" {
			pattern = "/"
		}
		for _, rt := range s.table {
			if rt.method == method && rt.pattern == pattern {
				return nil
			}
		}
		return fmt.Errorf("route %s %s is not in the route-policy table (api/routes.go)", method, pattern)
	})
	if err != nil {
		panic("api: " + err.Error())
	}
}

// guard enforces rt's roles and ownership rules, then serves rt. With
// authentication off (s.auth nil) requests carry no principal and every
// check passes, as everywhere else.
func (s *Server) guard(rt route) http.Handler {
	action := rt.method + " " + rt.pattern
	record := s.recorder(rt.pattern, rt.method)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noteRecorder(w, record, rt.pattern, rt.method)
		if s.auth != nil && !rt.open {
			if err := auth.Require(r.Context(), action, rt.roles...); err != nil {
				s.writeError(w, r, err)
				return
			}
			for _, rule := range rt.rules {
				if rule.check == nil {
					continue
				}
				if err := rule.check(s, r); err != nil {
					s.writeError(w, r, err)
					return
				}
			}
		}
		rt.h(w, r)
	})
}

// checkSubjectOwner: the caller may write the {subject} of the path (the
// single writer). Context-wide subjects are ruleContextWide's.
func (s *Server) checkSubjectOwner(r *http.Request) error {
	if s.contracts == nil {
		return nil
	}
	p := params{r: r}
	subject := p.subject()
	if p.err != nil {
		return p.err
	}
	if registry.ParseName(subject).Subject == "" {
		return nil
	}
	return s.contracts.AuthorizeSubjectWrite(r.Context(), auth.FromContext(r.Context()), subject)
}

// checkContextWide: a {subject} naming a context (":.ctx:", or empty) is
// that context's setting, for admins only.
func (s *Server) checkContextWide(r *http.Request) error {
	p := params{r: r}
	subject := p.subject()
	if p.err != nil {
		return p.err
	}
	if registry.ParseName(subject).Subject != "" {
		return nil
	}
	return auth.Require(r.Context(), r.Method+" "+strings.SplitN(r.URL.Path, "/", 3)[1]+" (context-wide)", auth.RoleAdmin)
}

// checkImportMode: IMPORT lets the caller choose schema ids, which can
// collide with or exhaust the id space of the whole registry: admins only.
// It reads the body (bounded by limits) and puts it back for the handler.
func (s *Server) checkImportMode(r *http.Request) error {
	raw, err := s.readBody(r)
	if err != nil {
		return err
	}
	r.Body = readCloser{bytes.NewReader(raw)}
	var body struct {
		Mode string `json:"mode"`
	}
	if json.Unmarshal(raw, &body) != nil { // the handler reports malformed bodies
		return nil
	}
	if !strings.EqualFold(strings.TrimSpace(body.Mode), registry.ModeImport) {
		return nil
	}
	return auth.Require(r.Context(), "setting mode IMPORT", auth.RoleAdmin)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// checkSelf: the {name} of the path is the caller, or the caller is an
// admin.
func (s *Server) checkSelf(r *http.Request) error {
	p := auth.FromContext(r.Context())
	if p == nil || p.Name == chi.URLParam(r, "name") {
		return nil
	}
	return auth.Require(r.Context(), "reading another principal", auth.RoleAdmin)
}

// RolesString renders a role set as the documentation's table shows it.
func RolesString(roles []auth.Role) string {
	if slices.Equal(roles, anyone) {
		return "any principal"
	}
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
