package registry

import (
	"context"
	"encoding/json"
	"time"

	"github.com/accord/accord/audit"
)

// Store persists the registry. One SQL implementation (registry/sqlstore)
// serves SQLite and PostgreSQL; the conformance suite in
// registry/storetest runs against both.
//
// Every method that writes is durable when it returns. Read methods return
// ErrNotFound (wrapped) when the row does not exist.
type Store interface {
	Reader
	// Update runs fn in one transaction that holds an exclusive lock on
	// (context, subject), so writers of one subject are serialised across
	// processes sharing the database. If fn returns an error nothing it did
	// is kept. subject may be "" for context-wide writes (global config and
	// mode), which lock the context's row instead. Update may run fn more
	// than once (it retries deadlocks and serialization failures), so fn
	// must act only through the Tx. Update must not be nested.
	Update(ctx context.Context, regCtx, subject string, fn func(Tx) error) error
	// Watch calls fn for every change committed by another process sharing
	// the database, until ctx ends. The zero Change means "anything may have
	// changed" (e.g. after the feed reconnected): drop every cached view.
	// Change{Lost: true} means the feed is down (see Change.Lost). Stores
	// that cannot be shared (SQLite) return immediately with nil.
	Watch(ctx context.Context, fn func(Change)) error
	Close() error
}

// Changes are the change counters that prove a cached value current: the
// counter of a subject moves with every committed write of its versions,
// config or mode, the counter of a context with every write of its
// context-wide config or mode (in the same transaction as the write).
// Counters never go back. A value read after reading counter c is current
// as long as the counter still reads c.
type Changes struct {
	Subject int64 // of (context, subject); 0 for a subject never written
	Context int64 // of the subject's context's settings
	Global  int64 // of the default context's settings, which every context inherits
}

// Reader is the read side, available outside and inside transactions.
type Reader interface {
	// SchemaByID returns the schema with id in regCtx.
	SchemaByID(ctx context.Context, regCtx string, id int64) (SchemaRecord, error)
	// MaxSchemaID returns the highest schema id of regCtx (0 when none).
	MaxSchemaID(ctx context.Context, regCtx string) (int64, error)
	// SchemaGUIDs lists the (context, id) pairs of the schemas whose GUID
	// is guid (any context), ordered by context then id.
	SchemaGUIDs(ctx context.Context, guid string) ([]ContextID, error)
	// SchemaByFingerprint returns the schema whose fingerprint is fp in regCtx.
	SchemaByFingerprint(ctx context.Context, regCtx, fp string) (SchemaRecord, error)
	// Versions lists the versions of subject in ascending order, with
	// soft-deleted ones only when includeDeleted.
	Versions(ctx context.Context, regCtx, subject string, includeDeleted bool) ([]VersionRecord, error)
	// VersionsByPrefix lists versions of every subject of regCtx whose name
	// starts with prefix, ordered by subject then version.
	VersionsByPrefix(ctx context.Context, regCtx, prefix string, includeDeleted bool) ([]VersionRecord, error)
	// VersionsBySchema lists the versions (of any subject in regCtx) that
	// use schema id.
	VersionsBySchema(ctx context.Context, regCtx string, id int64, includeDeleted bool) ([]VersionRecord, error)
	// ReferencedBy lists the ids of schemas that have a version (not
	// permanently deleted, soft-deleted included) and reference subject/version.
	ReferencedBy(ctx context.Context, regCtx, subject string, version int) ([]int64, error)
	// Subjects lists the subject names of regCtx with at least one version
	// (soft-deleted ones only when includeDeleted), sorted.
	Subjects(ctx context.Context, regCtx, prefix string, includeDeleted bool) ([]string, error)
	// SubjectPage lists one page of the subject names of regCtx, sorted
	// byte-wise (paging.go).
	SubjectPage(ctx context.Context, regCtx string, q SubjectPageQuery) ([]string, error)
	// VersionPage lists one page of the versions of regCtx, ordered by
	// subject (byte-wise) then version (paging.go).
	VersionPage(ctx context.Context, regCtx string, q VersionPageQuery) ([]VersionRecord, error)
	// VersionCount counts the versions of regCtx q selects (its Prefix,
	// IncludeDeleted and LatestOnly; its page fields are ignored).
	VersionCount(ctx context.Context, regCtx string, q VersionPageQuery) (int, error)
	// Contexts lists the contexts that have ever held a subject, sorted;
	// the default context "." is always included.
	Contexts(ctx context.Context) ([]string, error)
	// Config returns the raw config document stored for (regCtx, subject);
	// subject "" is the context-wide (global) config.
	Config(ctx context.Context, regCtx, subject string) (json.RawMessage, error)
	// Mode returns the mode stored for (regCtx, subject); subject "" is global.
	Mode(ctx context.Context, regCtx, subject string) (string, error)
	// Changes reads the change counters of (regCtx, subject), its context
	// and the default context in one statement, so in one snapshot; with
	// subject "" Changes.Subject is 0.
	Changes(ctx context.Context, regCtx, subject string) (Changes, error)
}

// Tx is a transaction opened by Store.Update.
type Tx interface {
	Reader
	// InsertSchema stores a new schema. If rec.ID is 0 the store allocates
	// the next id of the context (never reused, taken from the database);
	// otherwise it uses rec.ID (IMPORT mode) and moves the context's
	// counter past it. It returns the id. Inserting an id that exists
	// returns ErrConflict.
	InsertSchema(rec SchemaRecord) (int64, error)
	// NextVersion returns the next version number of the subject locked by
	// Update: one more than its highest remaining version (soft-deleted
	// ones included), as Confluent numbers them.
	// A caller-chosen version (IMPORT mode) is recorded with ReserveVersion.
	NextVersion() (int, error)
	// ReserveVersion moves the locked subject's version counter past v.
	ReserveVersion(v int) error
	// InsertVersion stores a version of the locked subject.
	InsertVersion(v VersionRecord) error
	// SetDeleted soft-deletes (or, with false, restores) a version.
	SetDeleted(subject string, version int, deleted bool) error
	// DeleteVersion permanently deletes a version.
	DeleteVersion(subject string, version int) error
	// ForgetContext removes the subject rows of the locked context (a
	// context-wide Update) so that Contexts no longer lists it; the caller
	// has checked that none of them has a version left.
	ForgetContext() error
	// PutConfig stores (or, with nil, removes) the config document of subject.
	PutConfig(subject string, cfg json.RawMessage) error
	// PutMode stores (or, with "", removes) the mode of subject.
	PutMode(subject string, mode string) error
	// ShareLock locks another subject's row against writers until the
	// transaction ends (a shared lock: readers and other share-lockers
	// pass), so a version this transaction references cannot be deleted
	// before it commits. It creates the row if needed.
	ShareLock(regCtx, subject string) error
	// AppendAudit records the change in the audit log, committed with it.
	// The entry's actor and request id come from the transaction's context
	// (audit.WithWho) unless set; its context defaults to the locked one.
	AppendAudit(e audit.Entry) error
}

// MaxID is the largest schema id: ids are signed 32-bit integers on the
// wire (the Confluent framing's 4 bytes).
const MaxID = 1<<31 - 1

// SchemaRecord is a stored schema. It is immutable once stored.
type SchemaRecord struct {
	Context    string
	ID         int64
	Type       string // AVRO, PROTOBUF, JSON
	Schema     string // canonical text
	References []Reference
	Metadata   json.RawMessage // Confluent metadata document, or nil
	RuleSet    json.RawMessage // Confluent ruleSet document, or nil
	// Fingerprint identifies the schema within its context: a hash over
	// type, canonical text, references, metadata and rule set.
	Fingerprint string
	// GUID is Confluent's schema guid: GUIDOf(Fingerprint), stored.
	GUID      string
	CreatedAt time.Time
}

// VersionRecord is one version of a subject.
type VersionRecord struct {
	Context   string
	Subject   string
	Version   int
	SchemaID  int64
	Deleted   bool
	CreatedAt time.Time
}

// Reference is a named reference from a schema to a version of a subject.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Change says that something under (Context, Subject) changed in another
// process; Subject "" means context-wide settings changed. A Change with
// Stream set is instead about the stream contract of that name (package
// contracts writes those to the same database and feed); the registry
// ignores it.
type Change struct {
	Context string
	Subject string
	Stream  string
	// Lost reports that the feed stopped listening: other processes'
	// changes go unreported until the zero Change that follows the
	// reconnection, so caches must not serve meanwhile.
	Lost bool
}
