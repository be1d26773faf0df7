package registry

import (
	"context"
	"encoding/json"
	"errors"
)

// Setting is what one level (a subject, a context's settings) stores: its
// mode ("" when none) and its config document (nil when none).
type Setting struct {
	Mode   string
	Config json.RawMessage
}

// settingsReader is implemented by Readers (sqlstore's) that read the
// settings of several levels in one statement. A registration's
// transaction reads every level it inherits from, modes and configs; one
// by one that is two round trips a level.
type settingsReader interface {
	Settings(ctx context.Context, levels []Name) ([]Setting, error)
}

// versionAppender is implemented by Txs (sqlstore's) that store the next
// version of the locked subject in one statement: NextVersion then
// InsertVersion, without the checks InsertVersion makes for a
// caller-chosen version (the database's keys make them).
type versionAppender interface {
	AppendVersion(schemaID int64) (int, error)
}

// settingsIn reads the mode and config of every level of n through q (a
// write's transaction): in one statement when q can, else level by level.
func settingsIn(ctx context.Context, q Reader, n Name) (mode string, cfg Config, err error) {
	levels := levelsOf(n)
	sr, ok := q.(settingsReader)
	if !ok {
		if mode, err = effectiveModeIn(ctx, q, n); err != nil {
			return "", Config{}, err
		}
		cfg, err = effectiveConfigIn(ctx, q, n)
		return mode, cfg, err
	}
	got, err := sr.Settings(ctx, levels)
	if err != nil {
		return "", Config{}, storeErr("reading settings", err)
	}
	at := func(l Name) Setting {
		for i, x := range levels {
			if x == l {
				return got[i]
			}
		}
		return Setting{}
	}
	if mode, err = resolveMode(levels, func(l Name) (string, error) { return at(l).Mode, nil }); err != nil {
		return "", Config{}, err
	}
	cfg, err = mergeConfigs(levels, func(l Name) (*Config, error) {
		raw := at(l).Config
		if raw == nil {
			return nil, nil
		}
		return decodeConfig(raw)
	})
	return mode, cfg, err
}

// appendVersion stores the next version of the subject tx locks, using
// schema id, and returns its number.
func appendVersion(tx Tx, id int64, n Name) (int, error) {
	if a, ok := tx.(versionAppender); ok {
		v, err := a.AppendVersion(id)
		if errors.Is(err, ErrConflict) {
			return 0, errorf(ErrOperationNotPermitted, "The next version of subject %s already exists", n.String())
		}
		return v, err
	}
	version, err := tx.NextVersion()
	if err != nil {
		return 0, err
	}
	if err := tx.InsertVersion(VersionRecord{Context: n.Context, Subject: n.Subject, Version: version, SchemaID: id}); err != nil {
		if errors.Is(err, ErrConflict) {
			return 0, errorf(ErrOperationNotPermitted, "Version %d of subject %s already exists", version, n.String())
		}
		return 0, err
	}
	return version, nil
}
