package registry

import "context"

type txKey struct{}

// WithTx returns ctx carrying the open transaction of a registry write.
// The registry hands such a context to its Policy, so that a policy's
// store reads (and claims) through the write's own transaction, under
// its lock: a write then decides from nothing older than itself. A SQL
// store finds its transaction again with sqlstore.DB.TxFrom.
func WithTx(ctx context.Context, tx Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// TxFrom returns the transaction WithTx put in ctx, nil when none.
func TxFrom(ctx context.Context) Tx {
	tx, _ := ctx.Value(txKey{}).(Tx)
	return tx
}
