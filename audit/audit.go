// Package audit is Accord's append-only record of every change: who did
// what, to what, when, with the state before and after and the request
// that did it.
//
// Entries are written by the stores in the same transaction as the change
// they describe (Append), so a change never commits without its entry,
// and read back with List. Nothing updates or deletes entries: the API has
// no such endpoint and the database refuses it (migration 0005).
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Entry is one recorded change.
type Entry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Context   string          `json:"context"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
	RequestID string          `json:"requestId"`
	// Origin and OriginID mark an entry accord import copied from another
	// registry (its address, and the entry's id there); empty for
	// entries recorded here.
	Origin   string `json:"origin,omitempty"`
	OriginID int64  `json:"originId,omitempty"`
}

// Actions recorded by the registry; other packages add their own
// (stream.create, token.revoke, ...), named object.verb.
const (
	SchemaRegister    = "schema.register"
	VersionDelete     = "version.delete"
	VersionDeleteHard = "version.delete_permanent"
	SubjectDelete     = "subject.delete"
	SubjectDeleteHard = "subject.delete_permanent"
	ConfigUpdate      = "config.update"
	ConfigDelete      = "config.delete"
	ModeUpdate        = "mode.update"
	ModeDelete        = "mode.delete"
	ContextDelete     = "context.delete"
)

const anonymous = "anonymous"

// Who is the actor and request of a change, carried in the request context.
type Who struct {
	Actor     string
	RequestID string
}

type whoKey struct{}

// WithWho returns ctx carrying who is acting; the HTTP layer sets it once
// it knows the principal and the request id.
func WithWho(ctx context.Context, w Who) context.Context {
	return context.WithValue(ctx, whoKey{}, w)
}

// WhoFrom returns who is acting in ctx; "anonymous" when nobody said.
func WhoFrom(ctx context.Context) Who {
	w, _ := ctx.Value(whoKey{}).(Who)
	if w.Actor == "" {
		w.Actor = anonymous
	}
	return w
}

// Doc marshals v for Before/After; nil stays nil.
func Doc(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return b
}

// Execer is what Append needs of a transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Append writes e inside the caller's transaction, filling At and, from
// ctx, Actor and RequestID when they are empty. rebind adapts the ?
// placeholders to the engine.
func Append(ctx context.Context, tx Execer, rebind func(string) string, e Entry) error {
	who := WhoFrom(ctx)
	if e.Actor == "" {
		e.Actor = who.Actor
	}
	if e.RequestID == "" {
		e.RequestID = who.RequestID
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := tx.ExecContext(ctx, rebind(`INSERT INTO audit_log
		(at, actor, action, context, target, before_doc, after_doc, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		e.At.UnixMilli(), e.Actor, e.Action, e.Context, e.Target, nullable(e.Before), nullable(e.After), e.RequestID)
	if err != nil {
		return fmt.Errorf("appending audit entry %s %s: %w", e.Action, e.Target, err)
	}
	return nil
}

func nullable(doc json.RawMessage) any {
	if len(doc) == 0 {
		return nil
	}
	return string(doc)
}

// Filter selects entries; zero fields select everything. Entries come
// newest first; AfterID pages backwards (entries with a smaller id).
type Filter struct {
	Actor    string
	Action   string // exact, or a prefix ending in "." (e.g. "schema.")
	Context  string
	Target   string
	Since    time.Time
	Until    time.Time
	BeforeID int64
	Limit    int // default 100, at most 1000
}

// Querier is what List needs of a database.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Log reads the audit log.
type Log struct {
	db     Querier
	rebind func(string) string
}

// NewLog returns a Log over db; rebind adapts ? placeholders to the engine.
func NewLog(db Querier, rebind func(string) string) *Log { return &Log{db: db, rebind: rebind} }

// List returns the entries f selects, newest first (at most 1000, 100 by
// default).
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	db, rebind := l.db, l.rebind
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		add("action LIKE ?", strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Action)+"%")
		where[len(where)-1] += ` ESCAPE '\'`
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Context != "" {
		add("context = ?", f.Context)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if !f.Since.IsZero() {
		add("at >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		add("at < ?", f.Until.UnixMilli())
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q := `SELECT id, at, actor, action, context, target, before_doc, after_doc, request_id, origin, origin_id FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	rows, err := db.QueryContext(ctx, rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("listing audit entries: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var (
			e             Entry
			at            int64
			before, after sql.NullString
			origin        sql.NullString
			originID      sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Context, &e.Target, &before, &after, &e.RequestID, &origin, &originID); err != nil {
			return nil, fmt.Errorf("reading audit entry: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		e.Origin, e.OriginID = origin.String, originID.Int64
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing audit entries: %w", err)
	}
	return out, nil
}
