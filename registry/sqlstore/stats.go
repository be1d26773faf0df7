package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// Counts is what the store holds, for the metrics computed on scrape.
type Counts struct {
	Schemas  int64 // distinct schemas (ids), all contexts
	Subjects int64 // subjects with at least one live version
	Streams  int64
	// ProposalsPending are proposals awaiting review.
	ProposalsPending int64
	// Versions and DeletedVersions by schema type: what Confluent's
	// registered and deleted counts report (soft-deleted versions count
	// as deleted; permanently deleted ones are gone).
	Versions, DeletedVersions map[string]int64
	// Replicas is how many Accord processes listen to the change feed of
	// this PostgreSQL database (1 on SQLite, or when it cannot tell).
	Replicas int64
}

// countsTimeout bounds the scrape queries.
const countsTimeout = 2 * time.Second

// Counts reads the counts in a few aggregate queries over indexed tables
// (well under a millisecond per thousand subjects). Callers should cache
// the result: package metrics does, for 10 s.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	ctx, cancel := context.WithTimeout(ctx, countsTimeout)
	defer cancel()
	c := Counts{Versions: map[string]int64{}, DeletedVersions: map[string]int64{}, Replicas: 1}
	for _, q := range []struct {
		sql  string
		into *int64
	}{
		{`SELECT COUNT(*) FROM schemas`, &c.Schemas},
		{`SELECT COUNT(*) FROM subjects s WHERE EXISTS (SELECT 1 FROM versions v WHERE v.context = s.context AND v.subject = s.subject AND NOT v.deleted)`, &c.Subjects},
		{`SELECT COUNT(*) FROM streams`, &c.Streams},
		{`SELECT COUNT(*) FROM proposals WHERE state = 'pending'`, &c.ProposalsPending},
	} {
		if err := s.readDB.QueryRowContext(ctx, q.sql).Scan(q.into); err != nil {
			return Counts{}, fmt.Errorf("sqlstore: counts: %w", err)
		}
	}
	rows, err := s.readDB.QueryContext(ctx, `SELECT s.schema_type, COUNT(*), SUM(CASE WHEN v.deleted THEN 1 ELSE 0 END)
		FROM versions v JOIN schemas s ON s.context = v.context AND s.id = v.schema_id GROUP BY s.schema_type`)
	if err != nil {
		return Counts{}, fmt.Errorf("sqlstore: counts by type: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ string
		var n, deleted int64
		if err := rows.Scan(&typ, &n, &deleted); err != nil {
			return Counts{}, fmt.Errorf("sqlstore: counts by type: %w", err)
		}
		c.Versions[typ], c.DeletedVersions[typ] = n, deleted
	}
	if err := rows.Err(); err != nil {
		return Counts{}, fmt.Errorf("sqlstore: counts by type: %w", err)
	}
	if s.d.postgres() {
		var n int64
		err := s.readDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'accord-watch'`).Scan(&n)
		if err == nil && n > 0 {
			c.Replicas = n
		}
	}
	return c, nil
}
