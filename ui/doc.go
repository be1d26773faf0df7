// Package ui is Accord's web UI for reviewers, served by accord serve at
// /ui/ (api.Options.UI routes /ui and /ui/... here before the API's
// authentication). Pages are rendered on the server with html/template
// from templates embedded in the binary; three small hand-written scripts
// (static/ui.js, diff.js, graph.js) enhance them, and every page works
// without them. No CDN, no build step: everything ships in the binary.
//
// Files, one concern each:
//
//	ui.go         Options, New, routing, security headers, error mapping
//	session.go    sign-in and sign-out, the session cookie, CSRF tokens
//	render.go     templates, the page frame (navigation), static assets
//	streams.go    the streams list, a stream's page, version diffs, schemas
//	lineage.go    the lineage graph: walks, layered layout, inline SVG
//	proposals.go  proposals: list, detail with report, decisions
//	audit.go      the audit log and the admins' subjects view
//	highlight.go  tokenizers (JSON, .proto), pretty-printing, location maps
//	diff.go       the line diff and located differences beside their lines
//	templates/    one template per page plus layout.html and parts.html
//	static/       ui.css (light and dark themes), ui.js, diff.js, graph.js
//
// What a page shows and offers follows what the principal may do, as the
// API decides it: Audit for admins and reviewers, Subjects for admins,
// Approve and Reject when proposals.Service.MayDecide says so. The forms
// prove nothing: every POST is checked again by the services, under the
// signed-in principal and audit identity carried in the request context
// (auth.WithPrincipal, audit.WithWho), exactly as API requests are.
//
// Lists are paged (PageSize) and every page is built from a bounded
// number of queries: the stream list from a cached snapshot of the
// contracts, a subject's authors from one audit query, pending counts from
// one grouped query. See perf_test.go for the page times with 10,000
// streams and docs/decisions.md for the session design.
package ui
