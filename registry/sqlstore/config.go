package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/accord/accord/registry"
)

// Config returns the config document of (regCtx, subject); subject "" is
// the context-wide config. ErrNotFound if none is stored.
func (r reader) Config(ctx context.Context, regCtx, subject string) (json.RawMessage, error) {
	var doc string
	err := r.queryRow(ctx, `SELECT config FROM configs WHERE context = ? AND subject = ?`, regCtx, subject).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		err = registry.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: config of %s: %w", settingOf(regCtx, subject), err)
	}
	return json.RawMessage(doc), nil
}

// Mode returns the mode of (regCtx, subject); subject "" is the
// context-wide mode. ErrNotFound if none is stored.
func (r reader) Mode(ctx context.Context, regCtx, subject string) (string, error) {
	var mode string
	err := r.queryRow(ctx, `SELECT mode FROM modes WHERE context = ? AND subject = ?`, regCtx, subject).Scan(&mode)
	if errors.Is(err, sql.ErrNoRows) {
		err = registry.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: mode of %s: %w", settingOf(regCtx, subject), err)
	}
	return mode, nil
}

// PutConfig stores the config document of subject, or removes it when cfg
// is nil. The document must be valid JSON.
func (t *tx) PutConfig(subject string, cfg json.RawMessage) error {
	var err error
	if cfg == nil {
		_, err = t.exec(t.ctx, `DELETE FROM configs WHERE context = ? AND subject = ?`, t.regCtx, subject)
	} else if !json.Valid(cfg) {
		err = errors.New("not valid JSON")
	} else {
		_, err = t.exec(t.ctx, `
			INSERT INTO configs (context, subject, config) VALUES (?, ?, ?)
			ON CONFLICT (context, subject) DO UPDATE SET config = excluded.config`,
			t.regCtx, subject, string(cfg))
	}
	if err != nil {
		return fmt.Errorf("sqlstore: put config of %s: %w", settingOf(t.regCtx, subject), err)
	}
	t.touched[subject] = true
	return nil
}

// PutMode stores the mode of subject, or removes it when mode is "".
func (t *tx) PutMode(subject string, mode string) error {
	var err error
	if mode == "" {
		_, err = t.exec(t.ctx, `DELETE FROM modes WHERE context = ? AND subject = ?`, t.regCtx, subject)
	} else {
		_, err = t.exec(t.ctx, `
			INSERT INTO modes (context, subject, mode) VALUES (?, ?, ?)
			ON CONFLICT (context, subject) DO UPDATE SET mode = excluded.mode`,
			t.regCtx, subject, mode)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: put mode of %s: %w", settingOf(t.regCtx, subject), err)
	}
	t.touched[subject] = true
	return nil
}

// settingOf names the owner of a config or mode in messages.
func settingOf(regCtx, subject string) string {
	if subject == "" {
		return fmt.Sprintf("context %q (global)", regCtx)
	}
	return where(regCtx, subject)
}
