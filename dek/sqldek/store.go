// Package sqldek is the dek.Store on the registry's SQL database (SQLite
// or PostgreSQL), through registry/sqlstore's shared handles (migration
// 0009_dek_registry).
package sqldek

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/registry/sqlstore"
)

// Store is a dek.Store. It is safe for concurrent use.
type Store struct {
	db sqlstore.DB
}

var _ dek.Store = (*Store)(nil)

// New returns a Store on db (from sqlstore.Store.DB).
func New(db sqlstore.DB) *Store { return &Store{db: db} }

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const kekCols = `name, kms_type, kms_key_id, kms_props, doc, shared, deleted, ts`
const dekCols = `kek_name, subject, algorithm, version, encrypted_key_material, deleted, ts`

// KEKs implements dek.Store.
func (s *Store) KEKs(ctx context.Context) ([]dek.KEK, error) {
	return s.keks(ctx, s.db.Read, `SELECT `+kekCols+` FROM dek_keks ORDER BY name`)
}

// KEK implements dek.Store.
func (s *Store) KEK(ctx context.Context, name string) (dek.KEK, bool, error) {
	ks, err := s.keks(ctx, s.db.Read, `SELECT `+kekCols+` FROM dek_keks WHERE name = ?`, name)
	if err != nil || len(ks) == 0 {
		return dek.KEK{}, false, err
	}
	return ks[0], true, nil
}

// DEKs implements dek.Store.
func (s *Store) DEKs(ctx context.Context, kek, subject string, alg dek.Algorithm) ([]dek.DEK, error) {
	return s.deks(ctx, s.db.Read, kek, subject, alg)
}

func (s *Store) keks(ctx context.Context, q queryer, query string, args ...any) ([]dek.KEK, error) {
	rows, err := q.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading KEKs: %w", err)
	}
	defer rows.Close()
	var out []dek.KEK
	for rows.Next() {
		var (
			k               kekRow
			shared, deleted int64
		)
		if err := rows.Scan(&k.Name, &k.KMSType, &k.KMSKeyID, &k.props, &k.Doc, &shared, &deleted, &k.Ts); err != nil {
			return nil, fmt.Errorf("reading KEKs: %w", err)
		}
		k.Shared, k.Deleted = shared != 0, deleted != 0
		if err := json.Unmarshal([]byte(k.props), &k.KMSProps); err != nil {
			return nil, fmt.Errorf("decoding the kmsProps of KEK %s: %w", k.Name, err)
		}
		out = append(out, k.KEK)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading KEKs: %w", err)
	}
	return out, nil
}

// kekRow is a KEK as scanned: its kmsProps document before decoding.
type kekRow struct {
	dek.KEK
	props string
}

func (s *Store) deks(ctx context.Context, q queryer, kek, subject string, alg dek.Algorithm) ([]dek.DEK, error) {
	where, args := []string{"kek_name = ?"}, []any{kek}
	if subject != "" {
		where, args = append(where, "subject = ?", "algorithm = ?"), append(args, subject, string(alg))
	}
	rows, err := q.QueryContext(ctx, s.db.Rebind(`SELECT `+dekCols+` FROM dek_deks WHERE `+strings.Join(where, " AND ")+
		` ORDER BY subject, algorithm, version`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading the DEKs of KEK %s: %w", kek, err)
	}
	defer rows.Close()
	var out []dek.DEK
	for rows.Next() {
		var (
			d       dek.DEK
			alg     string
			deleted int64
		)
		if err := rows.Scan(&d.KEKName, &d.Subject, &alg, &d.Version, &d.EncryptedKeyMaterial, &deleted, &d.Ts); err != nil {
			return nil, fmt.Errorf("reading the DEKs of KEK %s: %w", kek, err)
		}
		d.Algorithm, d.Deleted = dek.Algorithm(alg), deleted != 0
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the DEKs of KEK %s: %w", kek, err)
	}
	return out, nil
}

// Write implements dek.Store.
func (s *Store) Write(ctx context.Context, fn func(dek.Tx) error) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dek registry: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(&txn{s: s, tx: tx, ctx: ctx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("dek registry: commit: %w", err)
	}
	return nil
}

// txn is a dek.Tx.
type txn struct {
	s   *Store
	tx  *sql.Tx
	ctx context.Context
}

func (t *txn) exec(what, query string, args ...any) error {
	_, err := t.tx.ExecContext(t.ctx, t.s.db.Rebind(query), args...)
	if t.s.db.IsUniqueViolation(err) {
		return dek.Errorf(dek.ErrAlreadyExists, "Key '%s' already exists; use a different value", what)
	}
	if err != nil {
		return fmt.Errorf("dek registry: writing %s: %w", what, err)
	}
	return nil
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *txn) LockKEK(name string) (dek.KEK, bool, error) {
	lock := ""
	if t.s.db.Postgres() {
		lock = " FOR UPDATE"
	}
	ks, err := t.s.keks(t.ctx, t.tx, `SELECT `+kekCols+` FROM dek_keks WHERE name = ?`+lock, name)
	if err != nil || len(ks) == 0 {
		return dek.KEK{}, false, err
	}
	return ks[0], true, nil
}

func props(k dek.KEK) (string, error) {
	b, err := json.Marshal(k.KMSProps)
	if err != nil {
		return "", fmt.Errorf("encoding the kmsProps of KEK %s: %w", k.Name, err)
	}
	return string(b), nil
}

func (t *txn) InsertKEK(k dek.KEK) error {
	p, err := props(k)
	if err != nil {
		return err
	}
	return t.exec(k.Name, `INSERT INTO dek_keks (`+kekCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.Name, k.KMSType, k.KMSKeyID, p, k.Doc, bit(k.Shared), bit(k.Deleted), k.Ts)
}

func (t *txn) UpdateKEK(k dek.KEK) error {
	p, err := props(k)
	if err != nil {
		return err
	}
	return t.exec(k.Name, `UPDATE dek_keks SET kms_type = ?, kms_key_id = ?, kms_props = ?, doc = ?, shared = ?, deleted = ?, ts = ? WHERE name = ?`,
		k.KMSType, k.KMSKeyID, p, k.Doc, bit(k.Shared), bit(k.Deleted), k.Ts, k.Name)
}

func (t *txn) DeleteKEK(name string) error {
	return t.exec(name, `DELETE FROM dek_keks WHERE name = ?`, name)
}

func (t *txn) DEKs(kek, subject string, alg dek.Algorithm) ([]dek.DEK, error) {
	return t.s.deks(t.ctx, t.tx, kek, subject, alg)
}

func (t *txn) InsertDEK(d dek.DEK) error {
	return t.exec(d.Subject, `INSERT INTO dek_deks (`+dekCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.KEKName, d.Subject, string(d.Algorithm), d.Version, d.EncryptedKeyMaterial, bit(d.Deleted), d.Ts)
}

func (t *txn) UpdateDEK(d dek.DEK) error {
	return t.exec(d.Subject, `UPDATE dek_deks SET encrypted_key_material = ?, deleted = ?, ts = ?
		WHERE kek_name = ? AND subject = ? AND algorithm = ? AND version = ?`,
		d.EncryptedKeyMaterial, bit(d.Deleted), d.Ts, d.KEKName, d.Subject, string(d.Algorithm), d.Version)
}

func (t *txn) DeleteDEK(d dek.DEK) error {
	return t.exec(d.Subject, `DELETE FROM dek_deks WHERE kek_name = ? AND subject = ? AND algorithm = ? AND version = ?`,
		d.KEKName, d.Subject, string(d.Algorithm), d.Version)
}

func (t *txn) Count(deks bool) (int, error) {
	table := "dek_keks"
	if deks {
		table = "dek_deks"
	}
	var n int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting %s: %w", table, err)
	}
	return n, nil
}

func (t *txn) Record(action, ctx, target string, before, after json.RawMessage) error {
	return audit.Append(t.ctx, t.tx, t.s.db.Rebind, audit.Entry{Action: action, Context: ctx, Target: target, Before: before, After: after})
}
