package proposals

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// Audit actions, each appended in the transaction of its change. Their
// target is the subject (split from its context as the registry does), so
// GET /v1/audit?target=<subject> shows a subject's proposals with its
// versions.
const (
	ActionCreate   = "proposal.create"
	ActionApprove  = "proposal.approve"
	ActionReject   = "proposal.reject"
	ActionWithdraw = "proposal.withdraw"
)

// sqlStore keeps proposals on the registry's database (migration 0008).
type sqlStore struct {
	db sqlstore.DB
}

const columns = `id, subject, stream, schema_type, schema_text, refs, description, fingerprint, proposer, proposer_roles,
	base_version, state, created_at, decided_by, decided_at, comment, schema_id, version, decision_report`

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// create stores p as pending unless a pending proposal of the same
// subject and fingerprint exists, which it returns instead (created
// false). The proposal.create entry is appended in the same transaction.
func (st *sqlStore) create(ctx context.Context, p Proposal) (out Proposal, created bool, err error) {
	err = st.inTx(ctx, func(tx *sql.Tx) error {
		if old, ok, err := st.pendingTwin(ctx, tx, p.Subject, p.fingerprint); err != nil || ok {
			out = old
			return err
		}
		refs, err := encodeRefs(p.References)
		if err != nil {
			return err
		}
		q := `INSERT INTO proposals (subject, stream, schema_type, schema_text, refs, description, fingerprint, proposer, proposer_roles,
			base_version, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		if err := tx.QueryRowContext(ctx, st.db.Rebind(q),
			p.Subject, p.Stream, p.SchemaType, p.Schema, refs, p.Description, p.fingerprint, p.Proposer, p.proposerRoles,
			p.BaseVersion, string(Pending), p.CreatedAt.UnixMilli()).Scan(&p.ID); err != nil {
			return fmt.Errorf("inserting proposal for %s: %w", p.Subject, err)
		}
		p.State = Pending
		out, created = p, true
		return st.record(ctx, tx, ActionCreate, p.Subject, nil, &p)
	})
	if err != nil && st.db.IsUniqueViolation(err) {
		// Another process proposed the same schema between our read and
		// insert (PostgreSQL): return theirs.
		old, ok, err2 := st.pendingTwin(ctx, st.db.Read, p.Subject, p.fingerprint)
		if err2 != nil {
			return Proposal{}, false, err2
		}
		if ok {
			return old, false, nil
		}
	}
	return out, created, err
}

func (st *sqlStore) pendingTwin(ctx context.Context, q queryer, subject, fp string) (Proposal, bool, error) {
	ps, err := st.query(ctx, q, `SELECT `+columns+` FROM proposals WHERE subject = ? AND fingerprint = ? AND state = ?`, subject, fp, string(Pending))
	if err != nil || len(ps) == 0 {
		return Proposal{}, false, err
	}
	return ps[0], true, nil
}

// get returns proposal id.
func (st *sqlStore) get(ctx context.Context, id int64) (Proposal, error) {
	ps, err := st.query(ctx, st.db.Read, `SELECT `+columns+` FROM proposals WHERE id = ?`, id)
	if err != nil {
		return Proposal{}, err
	}
	if len(ps) == 0 {
		return Proposal{}, errorf(ErrNotFound, "proposal %d not found", id)
	}
	return ps[0], nil
}

// list returns the proposals f selects, newest first; f.Limit is set.
func (st *sqlStore) list(ctx context.Context, f Filter) ([]Proposal, error) {
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
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit)
	return st.query(ctx, st.db.Read, q, args...)
}

// pendingByStream counts pending proposals per stream: one grouped scan
// of the pending rows of index proposals_by_state_stream, however many
// streams there are.
func (st *sqlStore) pendingCount(ctx context.Context) (int, error) {
	var n int
	if err := st.db.Read.QueryRowContext(ctx, st.db.Rebind(`SELECT COUNT(*) FROM proposals WHERE state = ?`), string(Pending)).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting pending proposals: %w", err)
	}
	return n, nil
}

func (st *sqlStore) pendingByStream(ctx context.Context) (map[string]int, error) {
	rows, err := st.db.Read.QueryContext(ctx, st.db.Rebind(`SELECT stream, COUNT(*) FROM proposals WHERE state = ? AND stream <> '' GROUP BY stream`), string(Pending))
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

// An approval claims its proposal before it registers anything, in a
// transaction of its own: a pending row whose decided_by is claimPrefix
// and the approver, decided_at the claim's time. Decisions of other
// processes (the Service's locks serialise one process only) see the
// claim and fail with ErrNotPending, so a rejection cannot win while the
// approval registers the schema (a registered version for a rejected
// proposal), and two approvals never both register. A claim older than
// claimTTL is void: an approver that died does not block the proposal.
// Reads never show claims (scan hides them).
const (
	claimPrefix = "approving:"
	claimTTL    = 5 * time.Minute
)

// claim is an approval's hold on its proposal.
type claim struct {
	by string // claimPrefix and the approver
	at int64  // Unix milliseconds
}

// unclaimed is the condition a decision's update needs: pending and not
// held by a live claim (c nil), or held by c.
func unclaimed(c *claim, now time.Time) (string, []any) {
	if c != nil {
		return `state = ? AND decided_by = ? AND decided_at = ?`, []any{string(Pending), c.by, c.at}
	}
	return `state = ? AND (decided_by = '' OR decided_at < ?)`, []any{string(Pending), now.Add(-claimTTL).UnixMilli()}
}

// claim takes proposal id for an approval by approver at now, or fails
// with ErrNotPending when it was decided or is being approved elsewhere.
func (st *sqlStore) claim(ctx context.Context, id int64, approver string, now time.Time) (*claim, error) {
	c := &claim{by: claimPrefix + approver, at: now.UnixMilli()}
	cond, args := unclaimed(nil, now)
	err := st.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, st.db.Rebind(`UPDATE proposals SET decided_by = ?, decided_at = ? WHERE id = ? AND `+cond),
			append([]any{c.by, c.at, id}, args...)...)
		if err != nil {
			return fmt.Errorf("claiming proposal %d for its approval: %w", id, err)
		}
		return st.updated(ctx, tx, res, id)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// release gives up claim c on proposal id (its registration failed): the
// proposal is pending as before.
func (st *sqlStore) release(ctx context.Context, id int64, c *claim) error {
	return st.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, st.db.Rebind(`UPDATE proposals SET decided_by = '', decided_at = NULL WHERE id = ? AND state = ? AND decided_by = ? AND decided_at = ?`),
			id, string(Pending), c.by, c.at)
		if err != nil {
			return fmt.Errorf("releasing the claim on proposal %d: %w", id, err)
		}
		return nil
	})
}

// updated turns an update of proposal id that changed no row into the
// reason: not found, decided, or being approved.
func (st *sqlStore) updated(ctx context.Context, tx *sql.Tx, res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("updating proposal %d: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	cur, err := st.query(ctx, tx, `SELECT `+columns+` FROM proposals WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if len(cur) == 0 {
		return errorf(ErrNotFound, "proposal %d not found", id)
	}
	return notPending(cur[0])
}

// decide moves pending proposal p (as read before) to next.State with
// its decision fields, and appends the action's audit entry, in one
// transaction. c is the approval's claim (nil for other decisions, which
// a live claim refuses). A proposal no longer pending (or claimed by
// another approval) is ErrNotPending, naming who decided it.
func (st *sqlStore) decide(ctx context.Context, action string, p, next Proposal, c *claim) (Proposal, error) {
	cond, args := unclaimed(c, *next.DecidedAt)
	err := st.inTx(ctx, func(tx *sql.Tx) error {
		var report any // NULL: no report was computed
		if next.DecisionReport != nil {
			b, err := json.Marshal(next.DecisionReport)
			if err != nil {
				return fmt.Errorf("encoding the decision report of proposal %d: %w", p.ID, err)
			}
			report = string(b)
		}
		res, err := tx.ExecContext(ctx, st.db.Rebind(`UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?, comment = ?, schema_id = ?, version = ?, decision_report = ?
			WHERE id = ? AND `+cond),
			append([]any{string(next.State), next.DecidedBy, next.DecidedAt.UnixMilli(), next.Comment, next.SchemaID, next.Version, report, p.ID}, args...)...)
		if err != nil {
			return fmt.Errorf("recording the decision on proposal %d: %w", p.ID, err)
		}
		if err := st.updated(ctx, tx, res, p.ID); err != nil {
			return err
		}
		return st.record(ctx, tx, action, p.Subject, &p, &next)
	})
	if err != nil {
		return Proposal{}, err
	}
	return next, nil
}

// record appends the audit entry of a proposal change inside tx; the
// actor and request id come from ctx.
func (st *sqlStore) record(ctx context.Context, tx *sql.Tx, action, subject string, before, after *Proposal) error {
	n := registry.ParseName(subject)
	e := audit.Entry{Action: action, Context: n.Context, Target: n.Subject}
	if before != nil {
		e.Before = audit.Doc(before)
	}
	if after != nil {
		e.After = audit.Doc(after)
	}
	return audit.Append(ctx, tx, st.db.Rebind, e)
}

func (st *sqlStore) query(ctx context.Context, q queryer, query string, args ...any) ([]Proposal, error) {
	rows, err := q.QueryContext(ctx, st.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading proposals: %w", err)
	}
	defer rows.Close()
	out := []Proposal{}
	for rows.Next() {
		var (
			p         Proposal
			refs      sql.NullString
			state     string
			created   int64
			decidedAt sql.NullInt64
			report    sql.NullString
		)
		if err := rows.Scan(&p.ID, &p.Subject, &p.Stream, &p.SchemaType, &p.Schema, &refs, &p.Description, &p.fingerprint,
			&p.Proposer, &p.proposerRoles, &p.BaseVersion, &state, &created, &p.DecidedBy, &decidedAt, &p.Comment,
			&p.SchemaID, &p.Version, &report); err != nil {
			return nil, fmt.Errorf("reading proposals: %w", err)
		}
		if refs.Valid && refs.String != "" {
			if err := json.Unmarshal([]byte(refs.String), &p.References); err != nil {
				return nil, fmt.Errorf("decoding the references of proposal %d: %w", p.ID, err)
			}
		}
		if report.Valid && report.String != "" {
			var rep Report
			if err := json.Unmarshal([]byte(report.String), &rep); err != nil {
				return nil, fmt.Errorf("decoding the decision report of proposal %d: %w", p.ID, err)
			}
			p.DecisionReport = &rep
		}
		p.State = State(state)
		p.CreatedAt = time.UnixMilli(created).UTC()
		if decidedAt.Valid {
			t := time.UnixMilli(decidedAt.Int64).UTC()
			p.DecidedAt = &t
		}
		if p.State == Pending && p.DecidedBy != "" { // an approval's claim: not a decision
			p.claimedBy, p.claimedAt = strings.TrimPrefix(p.DecidedBy, claimPrefix), p.DecidedAt
			p.DecidedBy, p.DecidedAt = "", nil
		}
		out = append(out, p)
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

// inTx runs fn in a write transaction (on SQLite the single writer
// connection) and commits it unless fn fails.
func (st *sqlStore) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
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

func notPending(p Proposal) error {
	if p.State == Pending && p.claimedBy != "" {
		return errorf(ErrNotPending, "proposal %d is being approved by %s (since %s): only pending proposals can be decided",
			p.ID, p.claimedBy, p.claimedAt.Format(time.RFC3339))
	}
	by := ""
	if p.DecidedBy != "" {
		by = " by " + p.DecidedBy
	}
	return errorf(ErrNotPending, "proposal %d is %s%s, not pending: only pending proposals can be decided", p.ID, p.State, by)
}
