// Package contracts holds the data contract of each stream: its owner (the
// single service principal allowed to write it), event type, visibility,
// key and value subjects, tags, compatibility policy and declared
// consumers; the single-writer check every subject write passes; and the
// event-type lints that check a schema against its stream's event type.
//
// Files, one concern each:
//
//	stream.go     the Stream type and its validation
//	errors.go     typed errors (the api package maps them to HTTP)
//	store.go      the Store interface (package sqlcontracts implements it on
//	              the registry's SQL database, so this package links no
//	              database driver)
//	service.go    create, read, update, list, transfer, delete
//	snapshot.go   the Snapshot of every stream that the UI, the lineage
//	              index, the notification lint and the validation hook
//	              read, kept current from this Service's writes and the
//	              change feed (Changed)
//	mirror.go     the stream of a subject, for registry responses
//	audit.go      the audit actions of stream changes
//	authorize.go  the single-writer check and the unowned-subject policy
//	lint.go       the lint engine and its result type
//	rules.go      the event-type lint rules, as data
//	words.go      the word lists the naming rules read
//	policy.go     the registry hook: authorization, review-required streams
//	              (only approvals register there) and lints on registration
package contracts
