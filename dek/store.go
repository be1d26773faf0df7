package dek

import (
	"context"
	"encoding/json"
)

// Store keeps KEKs and DEKs. Reads serve GETs; every change runs in Write,
// one transaction that reads the state it decides from (Tx) and records
// its audit entry.
type Store interface {
	// KEKs lists every KEK by name, soft-deleted ones included.
	KEKs(ctx context.Context) ([]KEK, error)
	// KEK returns the KEK name; ok false when there is none.
	KEK(ctx context.Context, name string) (k KEK, ok bool, err error)
	// DEKs lists the DEKs of kek (every subject and algorithm when subject
	// is ""), soft-deleted ones included, by subject, algorithm and version.
	DEKs(ctx context.Context, kek, subject string, alg Algorithm) ([]DEK, error)
	// Write runs fn in one transaction and commits it unless fn fails.
	Write(ctx context.Context, fn func(Tx) error) error
}

// Tx is a write transaction. On PostgreSQL, LockKEK locks the KEK's row,
// so the writers of one KEK and its DEKs are serialised across replicas
// (SQLite has one writer).
type Tx interface {
	// LockKEK returns the KEK name (locked); ok false when there is none.
	LockKEK(name string) (k KEK, ok bool, err error)
	InsertKEK(k KEK) error // ErrAlreadyExists if the name is taken
	UpdateKEK(k KEK) error
	DeleteKEK(name string) error
	// DEKs is Store.DEKs read in the transaction.
	DEKs(kek, subject string, alg Algorithm) ([]DEK, error)
	InsertDEK(d DEK) error // ErrAlreadyExists if the version is taken
	UpdateDEK(d DEK) error
	DeleteDEK(d DEK) error
	// Count returns how many KEKs (deks false) or DEKs there are.
	Count(deks bool) (int, error)
	// Record appends the audit entry of a change; actor and request id
	// come from the transaction's context.
	Record(action, context, target string, before, after json.RawMessage) error
}
