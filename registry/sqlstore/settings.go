package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/accord/accord/registry"
)

// Settings reads the mode and the config stored at each of levels in one
// statement (one round trip, one snapshot), where reading them one by one
// took two statements a level. Out[i] is levels[i]'s; a level with
// nothing stored has the zero Setting. A registration's transaction reads
// every level it inherits from this way (registry's settingsReader).
func (r reader) Settings(ctx context.Context, levels []registry.Name) ([]registry.Setting, error) {
	if len(levels) == 0 {
		return []registry.Setting{}, nil
	}
	q, args := settingsQuery(levels)
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: settings of %d levels: %w", len(levels), err)
	}
	defer rows.Close()
	out, err := scanSettings(rows, len(levels))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: settings of %d levels: %w", len(levels), err)
	}
	return out, nil
}

// settingsQuery is Settings' statement (written with ?).
func settingsQuery(levels []registry.Name) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 4*len(levels))
	for i, l := range levels {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, `SELECT %d, 'm', mode FROM modes WHERE context = ? AND subject = ? UNION ALL SELECT %d, 'c', config FROM configs WHERE context = ? AND subject = ?`, i, i)
		args = append(args, l.Context, l.Subject, l.Context, l.Subject)
	}
	return b.String(), args
}

// rowScanner is what *sql.Rows and pgx.Rows share.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanSettings reads the rows of settingsQuery for n levels.
func scanSettings(rows rowScanner, n int) ([]registry.Setting, error) {
	out := make([]registry.Setting, n)
	for rows.Next() {
		var (
			i          int
			kind, text string
		)
		if err := rows.Scan(&i, &kind, &text); err != nil {
			return nil, err
		}
		if i < 0 || i >= len(out) {
			return nil, fmt.Errorf("level %d out of range", i)
		}
		if kind == "m" {
			out[i].Mode = text
		} else {
			out[i].Config = json.RawMessage(text)
		}
	}
	return out, rows.Err()
}
