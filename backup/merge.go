package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/registry/sqlstore"
)

// ErrConflict reports a row of an import that the target already holds
// with different content: the import stops and changes nothing of its
// batch.
var ErrConflict = errors.New("import conflict")

// ErrInvalid reports an import document that cannot be applied: not a
// dump, a table import does not take, an unknown column.
var ErrInvalid = errors.New("invalid import")

// ConflictError names the conflicting row and what differs.
type ConflictError struct {
	Table, Key, Column string
	Target, Source     any
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s already exists on the target with %s = %v, the import has %v", e.Table, e.Key, e.Column, e.Target, e.Source)
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// Counts are what an import did with one table's rows.
type Counts struct {
	Inserted  int `json:"inserted"`
	Unchanged int `json:"unchanged"` // present already, identical: a resumed import
	Kept      int `json:"kept"`      // present already, different; the target's kept (see importRules)
}

// importRule says how rows of a table are matched and merged.
type importRule struct {
	key []string
	// keep: a row whose key the target already has stays as the target
	// has it (principals: the target's own admin keeps its password;
	// lineage edges: the target's own sightings).
	keep bool
	// ignore: columns that may differ without a conflict (a token used
	// on the target since).
	ignore []string
}

// importRules are the tables accord import moves as rows, in order. The
// registry's tables are not among them: schemas, versions, configs and
// modes go through the registry API (in IMPORT mode), which keeps the
// target's caches and id counters right.
var importRules = map[string]importRule{
	"principals":       {key: []string{"name"}, keep: true},
	"api_tokens":       {key: []string{"id"}, ignore: []string{"last_used_at"}},
	"streams":          {key: []string{"name"}},
	"stream_subjects":  {key: []string{"subject"}},
	"stream_transfers": {key: []string{"stream", "seq"}},
	"subject_claims":   {key: []string{"subject"}},
	"lineage_edges":    {key: []string{"kind", "from_node", "to_node", "source"}, keep: true},
	"proposals":        {key: []string{"id"}},
	"audit_log":        {}, // appended; see importAudit
}

// ImportTables are the tables accord export reads as rows and accord
// import sends to POST /v1/admin/import, in the order they are applied.
func ImportTables() []string {
	var out []string
	for t := range importRules {
		out = append(out, t)
	}
	sortTables(out)
	return out
}

// ImportAction is the audit log's action for an import of rows.
const ImportAction = "import.rows"

// Import applies the rows of a dump document (tables of ImportTables
// only) to the store, in one transaction with its audit entry. It is
// idempotent: a row the target holds identically is skipped, so a batch
// resent after an interruption changes nothing. Audit entries are
// appended in the dump's order with new ids, marked with origin (the
// source) and their id there, and skipped when that mark is already
// present.
func Import(ctx context.Context, db sqlstore.DB, in io.Reader, origin string) (map[string]*Counts, error) {
	rd, err := NewReader(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("starting the import transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	pg := db.Postgres()
	identity, err := identityColumns(ctx, tx, pg)
	if err != nil {
		return nil, err
	}
	counts := map[string]*Counts{}
	var cur *tableImport
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		switch {
		case rec.Table != nil:
			rule, ok := importRules[rec.Table.Name]
			if !ok {
				return nil, fmt.Errorf("%w: table %s is not imported as rows (registry tables go through the registry API)", ErrInvalid, rec.Table.Name)
			}
			if cur, err = newTableImport(ctx, tx, db, rec.Table, rule, origin); err != nil {
				return nil, err
			}
			if counts[cur.table] == nil {
				counts[cur.table] = &Counts{}
			}
		case rec.Row != nil:
			if cur == nil {
				return nil, fmt.Errorf("%w: a row before any table", ErrInvalid)
			}
			if err := cur.apply(ctx, tx, rec.Row, counts[cur.table]); err != nil {
				return nil, err
			}
		case rec.End != nil:
		default:
			return nil, fmt.Errorf("%w: only tables are imported as rows", ErrInvalid)
		}
	}
	if pg {
		for t, col := range identity {
			if c := counts[t]; c == nil || c.Inserted == 0 || t == "audit_log" {
				continue
			}
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`, t, col, quote(col), quote(t))
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("moving the id sequence of %s: %w", t, err)
			}
		}
	}
	if err := audit.Append(ctx, tx, db.Rebind, audit.Entry{Action: ImportAction, Target: origin, After: audit.Doc(summary(counts))}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("committing the import: %w", err)
	}
	return counts, nil
}

// summary is the audit document of an import: counts per table.
func summary(counts map[string]*Counts) map[string]Counts {
	out := map[string]Counts{}
	for t, c := range counts {
		out[t] = *c
	}
	return out
}

// tableImport applies the rows of one table.
type tableImport struct {
	table   string
	rule    importRule
	cols    []string
	kinds   []kind
	keyIdx  []int
	find    *sql.Stmt // the target's row by key (or audit mark)
	insert  *sql.Stmt
	origin  string
	auditAt map[string]int // audit_log: column positions
}

func newTableImport(ctx context.Context, tx *sql.Tx, db sqlstore.DB, ts *TableStart, rule importRule, origin string) (*tableImport, error) {
	names, tkinds, err := columns(ctx, tx, ts.Name)
	if err != nil {
		return nil, err
	}
	byName := map[string]kind{}
	for i, n := range names {
		byName[n] = tkinds[i]
	}
	ti := &tableImport{table: ts.Name, rule: rule, cols: ts.Columns, origin: origin}
	ti.kinds = make([]kind, len(ts.Columns))
	for i, c := range ts.Columns {
		k, ok := byName[c]
		if !ok {
			return nil, fmt.Errorf("%w: the target's table %s has no column %s (upgrade the target first)", ErrInvalid, ts.Name, c)
		}
		ti.kinds[i] = k
	}
	if ts.Name == "audit_log" {
		return ti, ti.prepareAudit(ctx, tx, db)
	}
	var where []string
	for _, k := range rule.key {
		i := slices.Index(ts.Columns, k)
		if i < 0 {
			return nil, fmt.Errorf("%w: table %s without its key column %s", ErrInvalid, ts.Name, k)
		}
		ti.keyIdx = append(ti.keyIdx, i)
		where = append(where, quote(k)+" = ?")
	}
	quoted := make([]string, len(ts.Columns))
	marks := make([]string, len(ts.Columns))
	for i, c := range ts.Columns {
		quoted[i], marks[i] = quote(c), "?"
	}
	if ti.find, err = tx.PrepareContext(ctx, db.Rebind(`SELECT `+strings.Join(quoted, ", ")+` FROM `+quote(ts.Name)+` WHERE `+strings.Join(where, " AND "))); err != nil {
		return nil, fmt.Errorf("preparing the import of %s: %w", ts.Name, err)
	}
	overriding := ""
	if db.Postgres() && ts.Name == "proposals" {
		overriding = " OVERRIDING SYSTEM VALUE" // proposals keep their ids
	}
	if ti.insert, err = tx.PrepareContext(ctx, db.Rebind(`INSERT INTO `+quote(ts.Name)+` (`+strings.Join(quoted, ", ")+`)`+overriding+` VALUES (`+strings.Join(marks, ", ")+`)`)); err != nil {
		return nil, fmt.Errorf("preparing the import of %s: %w", ts.Name, err)
	}
	return ti, nil
}

func (ti *tableImport) apply(ctx context.Context, tx *sql.Tx, row []any, c *Counts) error {
	args := make([]any, len(row))
	for i, v := range row {
		var err error
		if args[i], err = value(v, ti.kinds[i]); err != nil {
			return fmt.Errorf("%w: %s.%s: %v", ErrInvalid, ti.table, ti.cols[i], err)
		}
	}
	if ti.table == "audit_log" {
		return ti.applyAudit(ctx, args, c)
	}
	key := make([]any, len(ti.keyIdx))
	var keyText []string
	for i, k := range ti.keyIdx {
		key[i] = args[k]
		keyText = append(keyText, fmt.Sprint(args[k]))
	}
	have := make([]any, len(ti.cols))
	ptrs := make([]any, len(have))
	for i := range have {
		ptrs[i] = &have[i]
	}
	err := ti.find.QueryRowContext(ctx, key...).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := ti.insert.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("importing %s %s: %w", ti.table, strings.Join(keyText, "/"), err)
		}
		c.Inserted++
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s %s: %w", ti.table, strings.Join(keyText, "/"), err)
	}
	for i, h := range have {
		if slices.Contains(ti.rule.ignore, ti.cols[i]) {
			continue
		}
		if hv := normalize(h, ti.kinds[i]); hv != args[i] {
			if ti.rule.keep {
				c.Kept++
				return nil
			}
			return &ConflictError{Table: ti.table, Key: strings.Join(keyText, "/"), Column: ti.cols[i], Target: hv, Source: args[i]}
		}
	}
	c.Unchanged++
	return nil
}

// prepareAudit readies appending audit entries: a new id, the source's
// id and origin kept as the mark.
func (ti *tableImport) prepareAudit(ctx context.Context, tx *sql.Tx, db sqlstore.DB) error {
	ti.auditAt = map[string]int{}
	for i, c := range ti.cols {
		ti.auditAt[c] = i
	}
	need := []string{"id", "at", "actor", "action", "context", "target", "before_doc", "after_doc", "request_id"}
	for _, c := range need {
		if _, ok := ti.auditAt[c]; !ok {
			return fmt.Errorf("%w: audit_log without column %s", ErrInvalid, c)
		}
	}
	var err error
	if ti.find, err = tx.PrepareContext(ctx, db.Rebind(`SELECT 1 FROM audit_log WHERE origin = ? AND origin_id = ?`)); err != nil {
		return fmt.Errorf("preparing the import of audit_log: %w", err)
	}
	ti.insert, err = tx.PrepareContext(ctx, db.Rebind(`INSERT INTO audit_log
		(at, actor, action, context, target, before_doc, after_doc, request_id, origin, origin_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("preparing the import of audit_log: %w", err)
	}
	return nil
}

func (ti *tableImport) applyAudit(ctx context.Context, args []any, c *Counts) error {
	get := func(col string) any {
		if i, ok := ti.auditAt[col]; ok {
			return args[i]
		}
		return nil
	}
	// An entry the source had itself imported keeps its first origin.
	origin, originID := get("origin"), get("origin_id")
	if origin == nil || origin == "" {
		origin, originID = ti.origin, get("id")
	}
	var one int
	err := ti.find.QueryRowContext(ctx, origin, originID).Scan(&one)
	if err == nil {
		c.Unchanged++
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading the audit log: %w", err)
	}
	if _, err := ti.insert.ExecContext(ctx, get("at"), get("actor"), get("action"), get("context"), get("target"),
		get("before_doc"), get("after_doc"), get("request_id"), origin, originID); err != nil {
		return fmt.Errorf("appending audit entry %v of %v: %w", originID, origin, err)
	}
	c.Inserted++
	return nil
}

// Tables lists counts' tables in import order, for reports.
func Tables(counts map[string]*Counts) []string {
	var out []string
	for t := range counts {
		out = append(out, t)
	}
	sort.Strings(out)
	sortTables(out)
	return out
}
