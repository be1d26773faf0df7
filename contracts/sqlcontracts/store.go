// Package sqlcontracts is the contracts.Store on the registry's SQL
// database (SQLite or PostgreSQL; migrations 0004 and 0006), through
// registry/sqlstore's shared handles, so that package contracts, and what
// embeds it, links no database driver.
package sqlcontracts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// Store is a contracts.Store. It is safe for concurrent use.
type Store struct {
	db sqlstore.DB
}

var _ contracts.Store = (*Store)(nil)

// New returns a Store on db (from sqlstore.Store.DB).
func New(db sqlstore.DB) *Store { return &Store{db: db} }

// spec is the part of a contracts.Stream kept as the JSON document.
type spec struct {
	Description   string               `json:"description,omitempty"`
	Strategy      contracts.Strategy   `json:"subjectStrategy"`
	KeySubject    string               `json:"keySubject,omitempty"`
	ValueSubjects []string             `json:"valueSubjects"`
	Tags          contracts.Tags       `json:"tags"`
	Compatibility string               `json:"compatibility,omitempty"`
	LintErrors    contracts.LintErrors `json:"lintErrors"`
	Consumers     []contracts.Consumer `json:"consumers,omitempty"`
	// ReviewRequired lives in the document (absent: false), so streams
	// stored before it existed need no migration.
	ReviewRequired bool `json:"reviewRequired,omitempty"`
}

const streamColumns = `name, owner, event_type, visibility, spec, created_at, updated_at, check_schema_id, check_payload, check_rules, check_producer, check_key, check_value`

// bit stores a switch as the 0/1 INTEGER both engines share (migration
// 0006); PostgreSQL would refuse a Go bool for an INTEGER column.
func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (st *Store) Create(ctx context.Context, s contracts.Stream, claims contracts.ClaimCheck) error {
	return st.inTx(ctx, func(tx *sql.Tx) error {
		if err := st.lockSubjects(ctx, tx, &s); err != nil {
			return err
		}
		doc, err := encodeSpec(s)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO streams (`+streamColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			s.Name, s.Owner, string(s.EventType), string(s.Visibility), doc, s.CreatedAt.UnixMilli(), s.UpdatedAt.UnixMilli(),
			string(s.Validation.SchemaID), bit(s.Validation.Payload), bit(s.Validation.Rules), bit(s.Validation.Producer),
			bit(s.Validation.Key), bit(!s.Validation.SkipValue))
		if st.db.IsUniqueViolation(err) {
			return contracts.Errorf(contracts.ErrStreamExists, "stream %s already exists", s.Name)
		}
		if err != nil {
			return fmt.Errorf("inserting stream %s: %w", s.Name, err)
		}
		if err := st.indexSubjects(ctx, tx, &s, claims); err != nil {
			return err
		}
		return st.record(ctx, tx, contracts.ActionStreamCreate, s.Name, nil, &s)
	})
}

// indexSubjects (re)writes the subject index of s and releases claims on
// its subjects, each after claims (unless nil) accepts it.
func (st *Store) indexSubjects(ctx context.Context, tx *sql.Tx, s *contracts.Stream, claims contracts.ClaimCheck) error {
	if _, err := tx.ExecContext(ctx, st.db.Rebind(`DELETE FROM stream_subjects WHERE stream = ?`), s.Name); err != nil {
		return fmt.Errorf("clearing subjects of stream %s: %w", s.Name, err)
	}
	for _, subj := range s.Subjects() {
		_, err := tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO stream_subjects (subject, stream, role) VALUES (?, ?, ?)`),
			subj, s.Name, string(s.RoleOf(subj)))
		if st.db.IsUniqueViolation(err) {
			var other string
			_ = tx.QueryRowContext(ctx, st.db.Rebind(`SELECT stream FROM stream_subjects WHERE subject = ?`), subj).Scan(&other)
			return contracts.Errorf(contracts.ErrSubjectTaken, "subject %s already belongs to stream %s", subj, other)
		}
		if err != nil {
			return fmt.Errorf("indexing subject %s of stream %s: %w", subj, s.Name, err)
		}
		if err := st.release(ctx, tx, s, subj, claims); err != nil {
			return err
		}
	}
	return nil
}

// release ends the claim on subject, if any and if claims (unless nil)
// accepts it, recording it.
func (st *Store) release(ctx context.Context, tx *sql.Tx, s *contracts.Stream, subject string, claims contracts.ClaimCheck) error {
	var claimant string
	err := tx.QueryRowContext(ctx, st.db.Rebind(`SELECT owner FROM subject_claims WHERE subject = ?`), subject).Scan(&claimant)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the claim on %s: %w", subject, err)
	}
	if claims != nil {
		if err := claims(s, subject, claimant); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, st.db.Rebind(`DELETE FROM subject_claims WHERE subject = ?`), subject); err != nil {
		return fmt.Errorf("releasing the claim on %s: %w", subject, err)
	}
	return st.recordClaim(ctx, tx, contracts.ActionSubjectRelease, subject, claimant)
}

func (st *Store) Get(ctx context.Context, name string) (contracts.Stream, error) {
	return st.one(ctx, st.reader(ctx), `SELECT `+streamColumns+` FROM streams WHERE name = ?`, name)
}

func (st *Store) BySubject(ctx context.Context, subject string) (contracts.Stream, error) {
	return st.one(ctx, st.reader(ctx), bySubjectSQL, subject)
}

// bySubjectSQL is BySubject's statement.
var bySubjectSQL = `SELECT ` + prefixed("s.") + ` FROM streams s JOIN stream_subjects x ON x.stream = s.name WHERE x.subject = ?`

// ReadAheadBySubject announces BySubject(subject) to the registry write
// run with the returned context (sqlstore.DB.AnnounceRead): on PostgreSQL
// the registration's transaction reads the stream with its lock, and
// BySubject is answered from that read.
func (st *Store) ReadAheadBySubject(ctx context.Context, subject string) context.Context {
	return st.db.AnnounceRead(ctx, bySubjectSQL, subject)
}

func prefixed(p string) string {
	cols := strings.Split(streamColumns, ", ")
	for i := range cols {
		cols[i] = p + cols[i]
	}
	return strings.Join(cols, ", ")
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader is what reads go through: the open transaction of the registry
// write that ctx belongs to (a registration consulting the Policy), so
// the registration decides from what holds under its lock, else the read
// pool.
func (st *Store) reader(ctx context.Context) queryer {
	if tx, ok := st.db.TxFrom(ctx); ok {
		return tx
	}
	return st.db.Read
}

func (st *Store) one(ctx context.Context, q queryer, query string, arg string) (contracts.Stream, error) {
	ss, err := st.query(ctx, q, query, arg)
	if err != nil {
		return contracts.Stream{}, err
	}
	if len(ss) == 0 {
		return contracts.Stream{}, contracts.Errorf(contracts.ErrStreamNotFound, "stream %s not found", arg)
	}
	return ss[0], nil
}

func (st *Store) query(ctx context.Context, q queryer, query string, args ...any) ([]contracts.Stream, error) {
	rows, err := q.QueryContext(ctx, st.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading streams: %w", err)
	}
	defer rows.Close()
	var out []contracts.Stream
	for rows.Next() {
		var (
			s                        contracts.Stream
			et, vis, doc, mode       string
			created, updated         int64
			payload, rules, producer int64
			key, value               int64
		)
		if err := rows.Scan(&s.Name, &s.Owner, &et, &vis, &doc, &created, &updated, &mode, &payload, &rules, &producer, &key, &value); err != nil {
			return nil, fmt.Errorf("reading streams: %w", err)
		}
		var sp spec
		if err := json.Unmarshal([]byte(doc), &sp); err != nil {
			return nil, fmt.Errorf("decoding stream %s: %w", s.Name, err)
		}
		s.EventType, s.Visibility = contracts.EventType(et), contracts.Visibility(vis)
		s.CreatedAt, s.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		s.Description, s.Strategy, s.KeySubject, s.ValueSubjects = sp.Description, sp.Strategy, sp.KeySubject, sp.ValueSubjects
		s.Tags, s.LintErrors, s.Consumers = sp.Tags, sp.LintErrors, sp.Consumers
		s.Compatibility = compat.Level(sp.Compatibility)
		s.ReviewRequired = sp.ReviewRequired
		s.Validation = contracts.Validation{SchemaID: contracts.SchemaIDMode(mode), Payload: payload != 0, Rules: rules != 0, Producer: producer != 0,
			Key: key != 0, SkipValue: value == 0}
		if s.Consumers == nil {
			s.Consumers = []contracts.Consumer{}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading streams: %w", err)
	}
	return out, nil
}

func encodeSpec(s contracts.Stream) (string, error) {
	b, err := json.Marshal(spec{
		Description: s.Description, Strategy: s.Strategy, KeySubject: s.KeySubject, ValueSubjects: s.ValueSubjects,
		Tags: s.Tags, Compatibility: string(s.Compatibility), LintErrors: s.LintErrors, Consumers: s.Consumers,
		ReviewRequired: s.ReviewRequired,
	})
	if err != nil {
		return "", fmt.Errorf("encoding stream %s: %w", s.Name, err)
	}
	return string(b), nil
}

func (st *Store) Update(ctx context.Context, name, by string, claims contracts.ClaimCheck, fn func(*contracts.Stream) error) (contracts.Stream, error) {
	var out contracts.Stream
	err := st.inTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if st.db.Postgres() {
			lock = " FOR UPDATE"
		}
		old, err := st.one(ctx, tx, `SELECT `+streamColumns+` FROM streams WHERE name = ?`+lock, name)
		if err != nil {
			return err
		}
		s := old
		s.ValueSubjects = append([]string(nil), old.ValueSubjects...)
		if err := fn(&s); err != nil {
			return err
		}
		if err := st.lockSubjects(ctx, tx, &old, &s); err != nil {
			return err
		}
		s.Name = old.Name
		doc, err := encodeSpec(s)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, st.db.Rebind(`UPDATE streams SET owner = ?, event_type = ?, visibility = ?, spec = ?, updated_at = ?,
			check_schema_id = ?, check_payload = ?, check_rules = ?, check_producer = ?, check_key = ?, check_value = ? WHERE name = ?`),
			s.Owner, string(s.EventType), string(s.Visibility), doc, s.UpdatedAt.UnixMilli(),
			string(s.Validation.SchemaID), bit(s.Validation.Payload), bit(s.Validation.Rules), bit(s.Validation.Producer),
			bit(s.Validation.Key), bit(!s.Validation.SkipValue), s.Name); err != nil {
			return fmt.Errorf("updating stream %s: %w", name, err)
		}
		if err := st.indexSubjects(ctx, tx, &s, claims); err != nil {
			return err
		}
		action := contracts.ActionStreamUpdate
		if s.Owner != old.Owner {
			action = contracts.ActionStreamTransfer
			if _, err := tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO stream_transfers (stream, seq, from_owner, to_owner, by_principal, at)
				SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM stream_transfers WHERE stream = ?`),
				s.Name, old.Owner, s.Owner, by, s.UpdatedAt.UnixMilli(), s.Name); err != nil {
				return fmt.Errorf("recording the transfer of stream %s: %w", name, err)
			}
		}
		if err := st.record(ctx, tx, action, s.Name, &old, &s); err != nil {
			return err
		}
		out = s
		return nil
	})
	return out, err
}

func (st *Store) List(ctx context.Context, f contracts.Filter) ([]contracts.Stream, error) {
	var (
		where []string
		args  []any
	)
	for _, c := range []struct{ col, val string }{
		{"owner", f.Owner}, {"event_type", string(f.EventType)}, {"visibility", string(f.Visibility)},
	} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	q := `SELECT ` + streamColumns + ` FROM streams`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	all, err := st.query(ctx, st.reader(ctx), q+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	// contracts.Tags live in the JSON document; the listing is small enough to
	// filter here.
	out := make([]contracts.Stream, 0, len(all))
	for i := range all {
		if f.MatchTag(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

func (st *Store) Delete(ctx context.Context, name string, check func(*contracts.Stream) error) error {
	return st.inTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if st.db.Postgres() {
			lock = " FOR UPDATE"
		}
		old, err := st.one(ctx, tx, `SELECT `+streamColumns+` FROM streams WHERE name = ?`+lock, name)
		if err != nil {
			return err
		}
		if err := st.lockSubjects(ctx, tx, &old); err != nil {
			return err
		}
		if check != nil {
			if err := check(&old); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, st.db.Rebind(`DELETE FROM stream_subjects WHERE stream = ?`), name); err != nil {
			return fmt.Errorf("deleting the subjects of stream %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, st.db.Rebind(`DELETE FROM streams WHERE name = ?`), name); err != nil {
			return fmt.Errorf("deleting stream %s: %w", name, err)
		}
		return st.record(ctx, tx, contracts.ActionStreamDelete, name, &old, nil)
	})
}

func (st *Store) Claim(ctx context.Context, subject, owner string) (string, error) {
	var claimant string
	err := st.inTx(ctx, func(tx *sql.Tx) error {
		// ON CONFLICT rather than a failed insert: inside a registration's
		// transaction (PostgreSQL) a unique violation would abort it.
		res, err := tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO subject_claims (subject, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING`),
			subject, owner, time.Now().UnixMilli())
		if err != nil {
			return fmt.Errorf("claiming %s: %w", subject, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("claiming %s: %w", subject, err)
		} else if n == 1 {
			claimant = owner
			return st.recordClaim(ctx, tx, contracts.ActionSubjectClaim, subject, owner)
		}
		if err := tx.QueryRowContext(ctx, st.db.Rebind(`SELECT owner FROM subject_claims WHERE subject = ?`), subject).Scan(&claimant); err != nil {
			return fmt.Errorf("reading the claim on %s: %w", subject, err)
		}
		return nil
	})
	return claimant, err
}

func (st *Store) Claimant(ctx context.Context, subject string) (string, error) {
	var owner string
	err := st.reader(ctx).QueryRowContext(ctx, st.db.Rebind(`SELECT owner FROM subject_claims WHERE subject = ?`), subject).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the claim on %s: %w", subject, err)
	}
	return owner, nil
}

func (st *Store) Transfers(ctx context.Context, name string) ([]contracts.Transfer, error) {
	rows, err := st.db.Read.QueryContext(ctx, st.db.Rebind(`SELECT from_owner, to_owner, by_principal, at FROM stream_transfers WHERE stream = ? ORDER BY seq`), name)
	if err != nil {
		return nil, fmt.Errorf("reading the transfers of stream %s: %w", name, err)
	}
	defer rows.Close()
	out := []contracts.Transfer{}
	for rows.Next() {
		var t contracts.Transfer
		var at int64
		if err := rows.Scan(&t.From, &t.To, &t.By, &at); err != nil {
			return nil, fmt.Errorf("reading the transfers of stream %s: %w", name, err)
		}
		t.At = time.UnixMilli(at).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// inTx runs fn in a write transaction (on SQLite the single writer
// connection, BEGIN IMMEDIATE) and commits it unless fn fails. Inside a
// registry write (sqlstore.DB.TxFrom) fn runs in that write's transaction,
// which commits or rolls back with the write.
func (st *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if tx, ok := st.db.TxFrom(ctx); ok {
		return fn(tx)
	}
	tx, err := st.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("contracts: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("contracts: commit: %w", err)
	}
	return nil
}

// lockSubjects takes the registry's write lock on each subject (the lock
// registrations hold, sqlstore.DB.LockSubjects), so that a change of
// owner, review rule or subject set waits for registrations in flight and
// those that follow read the new stream.
func (st *Store) lockSubjects(ctx context.Context, tx *sql.Tx, streams ...*contracts.Stream) error {
	var names []string
	for _, s := range streams {
		names = append(names, s.Subjects()...)
	}
	return st.db.LockSubjects(ctx, tx, names)
}

// claimDoc is a subject claim as the audit log shows it.
type claimDoc struct {
	Subject string `json:"subject"`
	Owner   string `json:"owner"`
}

// record appends the audit entry of a stream change inside tx, and
// queues the change-feed notice that tells other replicas to re-read the
// stream into their contracts snapshot. Streams are not in a registry
// context, so their entries have none.
func (st *Store) record(ctx context.Context, tx *sql.Tx, action, stream string, before, after *contracts.Stream) error {
	if err := st.db.NotifyStream(ctx, tx, stream); err != nil {
		return err
	}
	e := audit.Entry{Action: action, Target: stream}
	if before != nil {
		e.Before = audit.Doc(before)
	}
	if after != nil {
		e.After = audit.Doc(after)
	}
	return audit.Append(ctx, tx, st.db.Rebind, e)
}

// recordClaim appends the audit entry of a claim or its release; the
// subject is canonical, so its context is split off as the registry does.
func (st *Store) recordClaim(ctx context.Context, tx *sql.Tx, action, subject, owner string) error {
	n := registry.ParseName(subject)
	doc := audit.Doc(claimDoc{Subject: subject, Owner: owner})
	e := audit.Entry{Action: action, Context: n.Context, Target: n.Subject, After: doc}
	if action == contracts.ActionSubjectRelease {
		e.Before, e.After = doc, nil
	}
	return audit.Append(ctx, tx, st.db.Rebind, e)
}
