package sqllineage

import (
	"strings"
	"testing"

	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

// TestProducersReadUsesIndex: on PostgreSQL, right after a bulk load of
// 10,000 streams' edges and before any ANALYZE (autovacuum is off for the
// table), the read of a stream's producers that a checked edge write
// makes is planned on lineage_edges_producers (migration 0017), not as a
// scan of every produces edge.
func TestProducersReadUsesIndex(t *testing.T) {
	db, err := sqlstore.Open(t.Context(), storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := db.DB().Write
	ctx := t.Context()
	if _, err := w.ExecContext(ctx, `ALTER TABLE lineage_edges SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	// Two producers and a consumer for each of 10,000 streams.
	if _, err := w.ExecContext(ctx, `INSERT INTO lineage_edges (kind, from_node, to_node, source, first_seen, last_seen)
		SELECT 'produces', 'svc-' || (i % 50) || '-' || p, 'stream-' || i, 'api', 0, 0
		FROM generate_series(1, 10000) AS i, generate_series(1, 2) AS p
		UNION ALL
		SELECT 'consumes', 'stream-' || i, 'reader-' || (i % 50), 'api', 0, 0
		FROM generate_series(1, 10000) AS i`); err != nil {
		t.Fatal(err)
	}
	rows, err := w.QueryContext(ctx, "EXPLAIN "+db.DB().Rebind(producersQuery), string(lineage.Produces), "stream-4242")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	t.Logf("plan before ANALYZE:\n%s", text)
	if !strings.Contains(text, "lineage_edges_producers") || strings.Contains(text, "Seq Scan") {
		t.Errorf("the producers read is not planned on lineage_edges_producers:\n%s", text)
	}
}
