// Package sqlproposals is the proposals.Store on the registry's SQL
// database (SQLite or PostgreSQL; migrations 0008 and 0015), through
// registry/sqlstore's shared handles, so that package proposals links no
// database driver. It saves and loads proposals and their audit entries;
// what a proposal may become is decided by proposals.Service, inside
// Update's transaction.
package sqlproposals

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// Store is a proposals.Store. It is safe for concurrent use.
type Store struct {
	db sqlstore.DB
}

var _ proposals.Store = (*Store)(nil)

// New returns a Store on db (from sqlstore.Store.DB).
func New(db sqlstore.DB) *Store { return &Store{db: db} }

const columns = `id, subject, stream, schema_type, schema_text, refs, description, fingerprint, proposer, proposer_roles,
	base_version, state, created_at, decided_by, decided_at, comment, schema_id, version, decision_report`

// An approval's claim (proposals.Claim) is kept in the decision's
// columns of a pending row: decided_by is claimPrefix and the approver,
// decided_at the claim's time. A pending row has no decision, so the two
// cannot be confused, and a schema of migration 0008 needs no new column.
const claimPrefix = "approving:"

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Create implements proposals.Store.
func (st *Store) Create(ctx context.Context, r proposals.Record) (out proposals.Record, created bool, err error) {
	err = st.inTx(ctx, func(tx *sql.Tx) error {
		if old, ok, err := st.pendingTwin(ctx, tx, r.Subject, r.Fingerprint); err != nil || ok {
			out = old
			return err
		}
		refs, err := encodeRefs(r.References)
		if err != nil {
			return err
		}
		decidedBy, decidedAt := decision(r)
		report, err := encodeReport(r)
		if err != nil {
			return err
		}
		q := `INSERT INTO proposals (subject, stream, schema_type, schema_text, refs, description, fingerprint, proposer, proposer_roles,
			base_version, state, created_at, decided_by, decided_at, comment, schema_id, version, decision_report)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		if err := tx.QueryRowContext(ctx, st.db.Rebind(q),
			r.Subject, r.Stream, r.SchemaType, r.Schema, refs, r.Description, r.Fingerprint, r.Proposer, joinRoles(r.ProposerRoles),
			r.BaseVersion, string(r.State), r.CreatedAt.UnixMilli(), decidedBy, decidedAt, r.Comment, r.SchemaID, r.Version, report).Scan(&r.ID); err != nil {
			return fmt.Errorf("inserting proposal for %s: %w", r.Subject, err)
		}
		out, created = r, true
		return st.record(ctx, tx, proposals.ActionCreate, nil, &r)
	})
	if err != nil && st.db.IsUniqueViolation(err) {
		// Another process proposed the same schema between our read and
		// insert (PostgreSQL): return theirs.
		old, ok, err2 := st.pendingTwin(ctx, st.db.Read, r.Subject, r.Fingerprint)
		if err2 != nil {
			return proposals.Record{}, false, err2
		}
		if ok {
			return old, false, nil
		}
	}
	return out, created, err
}

func (st *Store) pendingTwin(ctx context.Context, q queryer, subject, fp string) (proposals.Record, bool, error) {
	rs, err := st.query(ctx, q, `SELECT `+columns+` FROM proposals WHERE subject = ? AND fingerprint = ? AND state = ?`, subject, fp, string(proposals.Pending))
	if err != nil || len(rs) == 0 {
		return proposals.Record{}, false, err
	}
	return rs[0], true, nil
}

// Get implements proposals.Store.
func (st *Store) Get(ctx context.Context, id int64) (proposals.Record, error) {
	return st.one(ctx, st.db.Read, `SELECT `+columns+` FROM proposals WHERE id = ?`, id)
}

func (st *Store) one(ctx context.Context, q queryer, query string, id int64) (proposals.Record, error) {
	rs, err := st.query(ctx, q, query, id)
	if err != nil {
		return proposals.Record{}, err
	}
	if len(rs) == 0 {
		return proposals.Record{}, proposals.Errorf(proposals.ErrNotFound, "proposal %d not found", id)
	}
	return rs[0], nil
}

// List implements proposals.Store.
func (st *Store) List(ctx context.Context, f proposals.Filter) ([]proposals.Proposal, error) {
	var (
		where []string
		args  []any
	)
	for _, c := range []struct{ col, val string }{
		{"state", string(f.State)}, {"stream", f.Stream}, {"subject", f.Subject}, {"proposer", f.Proposer},
	} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	q := `SELECT ` + columns + ` FROM proposals`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, max(f.Limit, 0))
	rs, err := st.query(ctx, st.db.Read, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]proposals.Proposal, len(rs))
	for i, r := range rs {
		out[i] = r.Proposal
	}
	return out, nil
}

// PendingCount implements proposals.Store: one count of the pending rows
// of index proposals_by_state_stream.
func (st *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := st.db.Read.QueryRowContext(ctx, st.db.Rebind(`SELECT COUNT(*) FROM proposals WHERE state = ?`), string(proposals.Pending)).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting pending proposals: %w", err)
	}
	return n, nil
}

// PendingByStream implements proposals.Store: one grouped scan of the
// pending rows of index proposals_by_state_stream, however many streams
// there are.
func (st *Store) PendingByStream(ctx context.Context) (map[string]int, error) {
	rows, err := st.db.Read.QueryContext(ctx, st.db.Rebind(`SELECT stream, COUNT(*) FROM proposals WHERE state = ? AND stream <> '' GROUP BY stream`), string(proposals.Pending))
	if err != nil {
		return nil, fmt.Errorf("counting pending proposals: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			stream string
			n      int
		)
		if err := rows.Scan(&stream, &n); err != nil {
			return nil, fmt.Errorf("counting pending proposals: %w", err)
		}
		out[stream] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting pending proposals: %w", err)
	}
	return out, nil
}

// Update implements proposals.Store. The row is read FOR UPDATE on
// PostgreSQL, so a writer in another process waits for this one and then
// reads what it wrote; on SQLite the transaction already excludes every
// other writer (one writer connection, BEGIN IMMEDIATE).
func (st *Store) Update(ctx context.Context, id int64, action string, fn func(*proposals.Record) error) (proposals.Record, error) {
	var out proposals.Record
	err := st.inTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if st.db.Postgres() {
			lock = " FOR UPDATE"
		}
		old, err := st.one(ctx, tx, `SELECT `+columns+` FROM proposals WHERE id = ?`+lock, id)
		if err != nil {
			return err
		}
		r := old
		r.Claim = cloneClaim(old.Claim)
		if err := fn(&r); err != nil {
			return err
		}
		decidedBy, decidedAt := decision(r)
		report, err := encodeReport(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, st.db.Rebind(`UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?, comment = ?, schema_id = ?, version = ?, decision_report = ? WHERE id = ?`),
			string(r.State), decidedBy, decidedAt, r.Comment, r.SchemaID, r.Version, report, id); err != nil {
			return fmt.Errorf("updating proposal %d: %w", id, err)
		}
		// What is not stored is not answered either: fixed fields as read.
		fixed := old
		fixed.State, fixed.DecidedBy, fixed.DecidedAt, fixed.Comment = r.State, r.DecidedBy, r.DecidedAt, r.Comment
		fixed.SchemaID, fixed.Version, fixed.DecisionReport = r.SchemaID, r.Version, r.DecisionReport
		fixed.Claim = nil
		if r.State == proposals.Pending {
			fixed.Claim = r.Claim
		}
		out = fixed
		if action == "" {
			return nil
		}
		return st.record(ctx, tx, action, &old, &out)
	})
	if err != nil {
		return proposals.Record{}, err
	}
	return out, nil
}

func cloneClaim(c *proposals.Claim) *proposals.Claim {
	if c == nil {
		return nil
	}
	cp := *c
	return &cp
}

// decision is what r's decided_by and decided_at columns hold: its
// decision, or on a pending proposal its claim (else nothing).
func decision(r proposals.Record) (string, any) {
	if r.State == proposals.Pending {
		if r.Claim == nil {
			return "", nil
		}
		return claimPrefix + r.Claim.By, r.Claim.At.UnixMilli()
	}
	if r.DecidedAt == nil {
		return r.DecidedBy, nil
	}
	return r.DecidedBy, r.DecidedAt.UnixMilli()
}

// record appends the audit entry of a proposal change inside tx; the
// actor and request id come from ctx. The documents are what callers see
// of the proposal (proposals.Proposal), not the Service's own fields.
func (st *Store) record(ctx context.Context, tx *sql.Tx, action string, before, after *proposals.Record) error {
	subject := after.Subject
	n := registry.ParseName(subject)
	e := audit.Entry{Action: action, Context: n.Context, Target: n.Subject}
	if before != nil {
		e.Before = audit.Doc(&before.Proposal)
	}
	e.After = audit.Doc(&after.Proposal)
	return audit.Append(ctx, tx, st.db.Rebind, e)
}

func (st *Store) query(ctx context.Context, q queryer, query string, args ...any) ([]proposals.Record, error) {
	rows, err := q.QueryContext(ctx, st.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading proposals: %w", err)
	}
	defer rows.Close()
	out := []proposals.Record{}
	for rows.Next() {
		var (
			r         proposals.Record
			refs      sql.NullString
			roles     string
			state     string
			created   int64
			decidedAt sql.NullInt64
			report    sql.NullString
		)
		if err := rows.Scan(&r.ID, &r.Subject, &r.Stream, &r.SchemaType, &r.Schema, &refs, &r.Description, &r.Fingerprint,
			&r.Proposer, &roles, &r.BaseVersion, &state, &created, &r.DecidedBy, &decidedAt, &r.Comment,
			&r.SchemaID, &r.Version, &report); err != nil {
			return nil, fmt.Errorf("reading proposals: %w", err)
		}
		if refs.Valid && refs.String != "" {
			if err := json.Unmarshal([]byte(refs.String), &r.References); err != nil {
				return nil, fmt.Errorf("decoding the references of proposal %d: %w", r.ID, err)
			}
		}
		if report.Valid && report.String != "" {
			var rep proposals.Report
			if err := json.Unmarshal([]byte(report.String), &rep); err != nil {
				return nil, fmt.Errorf("decoding the decision report of proposal %d: %w", r.ID, err)
			}
			r.DecisionReport = &rep
		}
		r.ProposerRoles = splitRoles(roles)
		r.State = proposals.State(state)
		r.CreatedAt = time.UnixMilli(created).UTC()
		if decidedAt.Valid {
			t := time.UnixMilli(decidedAt.Int64).UTC()
			r.DecidedAt = &t
		}
		if r.State == proposals.Pending && r.DecidedBy != "" { // an approval's claim: not a decision
			c := &proposals.Claim{By: strings.TrimPrefix(r.DecidedBy, claimPrefix)}
			if r.DecidedAt != nil {
				c.At = *r.DecidedAt
			}
			r.Claim, r.DecidedBy, r.DecidedAt = c, "", nil
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading proposals: %w", err)
	}
	return out, nil
}

func encodeRefs(refs []registry.Reference) (any, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(refs)
	if err != nil {
		return nil, fmt.Errorf("encoding references: %w", err)
	}
	return string(b), nil
}

// encodeReport is r's decision report as stored: NULL when none was
// computed.
func encodeReport(r proposals.Record) (any, error) {
	if r.DecisionReport == nil {
		return nil, nil
	}
	b, err := json.Marshal(r.DecisionReport)
	if err != nil {
		return nil, fmt.Errorf("encoding the decision report of proposal %d: %w", r.ID, err)
	}
	return string(b), nil
}

// joinRoles and splitRoles convert roles to and from the comma-separated
// proposer_roles column.
func joinRoles(roles []auth.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []auth.Role {
	var out []auth.Role
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			out = append(out, auth.Role(r))
		}
	}
	return out
}

// inTx runs fn in a write transaction (on SQLite the single writer
// connection) and commits it unless fn fails. Unlike the contracts
// store it never joins a registry write's transaction: an approval's
// claim must commit before its registration starts, and its decision
// after that registration committed.
func (st *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := st.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("proposals: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("proposals: commit: %w", err)
	}
	return nil
}
