// Package proposals is review of schema changes: a proposal is a schema
// proposed for a subject, which reviewers (people) approve or reject
// before it ships. It backs the reviewers' web UI, /v1/proposals and
// `accord check --propose`.
//
// Life cycle. A proposal is created pending (Create) and is decided once:
// approved (Approve: its schema is registered), rejected (Reject) or
// withdrawn (Withdraw). Decided proposals never change again.
//
// Who may do what:
//
//   - propose: whoever may register the subject (its stream's owner, or an
//     admin; for subjects of no stream the unowned-subject policy), with
//     the role admin or service. A proposal must be able to register as it
//     stands: an invalid schema (42201), an incompatible one (409, the
//     differences in the message) or one an error-level lint would block
//     (42272) is refused, and so is a schema that already is a version of
//     the subject (nothing to review, 409/40992). Proposing the same
//     schema (same type, canonical text and references) for a subject that
//     already has it pending returns the pending proposal: CI may rerun.
//   - approve or reject: reviewers and admins, never the proposer
//     (separation of duties), only while pending (MayDecide).
//   - withdraw: the proposer or an admin, while pending (MayWithdraw).
//
// Approval registers the schema as its proposer: the registration runs
// with the proposer as principal and audit actor (the request id kept), so
// the single-writer check is the proposer's right, evaluated when the
// approval happens (an ownership transfer since the proposal makes it
// fail, and so does a proposer no longer admin or service), and the
// registry's schema.register entry names the proposer. If
// the registration fails (someone registered an incompatible version in
// the meantime, the proposer lost the stream, ...) the approval fails with
// that error and the proposal stays pending. The decision and its audit
// entry (proposal.approve, .reject, .withdraw; proposal.create on
// creation; actor: who acted, target: the subject) are written in one
// transaction.
//
// One decision wins, also between server processes on one database: an
// approval first claims the pending proposal (committed before it
// registers anything), and every decision checks, on the proposal as read
// in its own transaction (Store.Update, which holds the row against other
// writers), that it is pending and unclaimed, so a
// concurrent rejection, withdrawal or second approval fails with
// ErrNotPending (409) instead of deciding a proposal whose schema is
// being registered. A failed registration releases the claim; a claim
// older than five minutes (its process died) is void.
//
// Streams with ReviewRequired (contracts.Stream) accept registrations
// only from admins and from approvals (contracts.WithApproval).
//
// Callers put the acting principal in the context (auth.WithPrincipal);
// the audit actor is that principal even when the context carries no
// audit.Who (front ends calling the Service directly). With
// authentication off there are no principals: proposals are made by
// "anonymous" and anyone may decide them.
//
// Files:
//
//	proposal.go  the types: Proposal, State, NewProposal, Filter, Report
//	errors.go    typed errors (the api package maps them to HTTP)
//	service.go   create, read, decide; who may do what
//	claim.go     an approval's hold on its proposal; when a decision may be made
//	report.go    the live report: compatibility, lints, impact
//	store.go     the Store interface and the Record it keeps
//	audit.go     the audit actions
//
// The SQL store is package sqlproposals (migrations 0008 and 0015): this
// package links no database driver.
package proposals
