package lineage

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestStaleReadBackIsReadAgain: the rows a write read back in its
// transaction are applied as they are only when nothing applied that
// pair since the write began; otherwise, and after a reload since, the
// pair is read again, so an older read never overwrites a newer one.
func TestStaleReadBackIsReadAgain(t *testing.T) {
	e := newEnv(t, t.TempDir())
	ctx := context.Background()
	e.svc.opts.MaxAge = time.Hour
	if err := e.svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	k := pairKey{Consumes, "orders", "billing"}
	has := func() bool {
		es, err := e.svc.Edges(ctx, EdgeFilter{Node: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(es, func(x Edge) bool { return x.pair() == k })
	}
	none := [][]Edge{nil} // read back before the edge existed

	// A write began and read back no rows; another write of the pair
	// committed and was applied first.
	seq := e.svc.applySeq.Load()
	e.edge(t, Consumes, "orders", "billing")
	e.svc.applyRead(ctx, seq, []pairKey{k}, none)
	if !has() {
		t.Fatal("an older read-back removed the edge another write applied since")
	}

	// Nothing applied since the write began: its rows are used as read
	// (here rows without the stored edge, to tell), without a read.
	e.svc.applyRead(ctx, e.svc.applySeq.Load(), []pairKey{k}, none)
	if has() {
		t.Fatal("the read-back rows were not used")
	}
	e.svc.applyWritten(ctx, k)
	if !has() {
		t.Fatal("applyWritten did not read the edge again")
	}

	// A reload since the write began: read again.
	seq = e.svc.applySeq.Load()
	if err := e.svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	e.svc.applyRead(ctx, seq, []pairKey{k}, none)
	if !has() {
		t.Fatal("a read-back older than a reload was applied")
	}
}
