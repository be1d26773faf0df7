package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/compat"
)

// Config is a subject's or a context's configuration, in the JSON shape of
// the Confluent API's GET /config. Unset fields inherit from the level above
// (subject, then the context's global config, then the default context's
// global config, then the server default BACKWARD).
type Config struct {
	Compatibility    compat.Level    `json:"compatibilityLevel,omitempty"`
	Normalize        *bool           `json:"normalize,omitempty"`
	Alias            string          `json:"alias,omitempty"`
	ValidateFields   *bool           `json:"validateFields,omitempty"`
	Group            string          `json:"compatibilityGroup,omitempty"`
	DefaultMetadata  json.RawMessage `json:"defaultMetadata,omitempty"`
	OverrideMetadata json.RawMessage `json:"overrideMetadata,omitempty"`
	DefaultRuleSet   json.RawMessage `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet  json.RawMessage `json:"overrideRuleSet,omitempty"`
}

// DefaultLevel is the compatibility level when nothing is configured.
const DefaultLevel = compat.BackwardLevel

// merge overlays the set fields of o onto c.
func (c Config) merge(o Config) Config {
	if o.Compatibility != "" {
		c.Compatibility = o.Compatibility
	}
	if o.Normalize != nil {
		c.Normalize = o.Normalize
	}
	if o.Alias != "" {
		c.Alias = o.Alias
	}
	if o.ValidateFields != nil {
		c.ValidateFields = o.ValidateFields
	}
	if o.Group != "" {
		c.Group = o.Group
	}
	if o.DefaultMetadata != nil {
		c.DefaultMetadata = o.DefaultMetadata
	}
	if o.OverrideMetadata != nil {
		c.OverrideMetadata = o.OverrideMetadata
	}
	if o.DefaultRuleSet != nil {
		c.DefaultRuleSet = o.DefaultRuleSet
	}
	if o.OverrideRuleSet != nil {
		c.OverrideRuleSet = o.OverrideRuleSet
	}
	return c
}

// Modes.
const (
	ModeReadWrite        = "READWRITE"
	ModeReadOnly         = "READONLY"
	ModeReadOnlyOverride = "READONLY_OVERRIDE"
	ModeImport           = "IMPORT"
)

// ParseMode validates a mode name, case-insensitively.
func ParseMode(s string) (string, bool) {
	m := strings.ToUpper(strings.TrimSpace(s))
	switch m {
	case ModeReadWrite, ModeReadOnly, ModeReadOnlyOverride, ModeImport:
		return m, true
	}
	return "", false
}

// storedConfig reads one level's config, nil if unset.
func (r *Registry) storedConfig(ctx context.Context, regCtx, subject string) (*Config, error) {
	key := cacheKey{regCtx, subject}
	if c, ok := r.configs.get(key); ok {
		return c, nil
	}
	gen := r.configs.generation()
	raw, err := r.store.Config(ctx, regCtx, subject)
	var c *Config
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, storeErr("reading config", err)
	default:
		c = new(Config)
		if err := json.Unmarshal(raw, c); err != nil {
			return nil, storeErr("decoding config", err)
		}
	}
	r.configs.put(key, c, gen)
	return c, nil
}

// effectiveConfig merges the levels that apply to a subject.
func (r *Registry) effectiveConfig(ctx context.Context, n Name) (Config, error) {
	levels := scopeLevels(n)
	cfg := Config{Compatibility: DefaultLevel}
	for _, l := range levels {
		c, err := r.storedConfig(ctx, l.Context, l.Subject)
		if err != nil {
			return Config{}, err
		}
		if c != nil {
			cfg = cfg.merge(*c)
		}
	}
	return cfg, nil
}

// GetConfig returns the config of subject ("" for global). Without
// defaultToGlobal, a subject with no config of its own is
// ErrSubjectConfigNotFound, as in the Confluent API.
func (r *Registry) GetConfig(ctx context.Context, subject string, defaultToGlobal bool) (Config, error) {
	n := ParseName(subject)
	if defaultToGlobal || n.Subject == "" {
		return r.effectiveConfig(ctx, n)
	}
	c, err := r.storedConfig(ctx, n.Context, n.Subject)
	if err != nil {
		return Config{}, err
	}
	if c == nil {
		return Config{}, errorf(ErrSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", subject)
	}
	return *c, nil
}

// SetConfig merges update into the stored config of subject ("" for global)
// and returns the result.
func (r *Registry) SetConfig(ctx context.Context, subject string, update Config) (Config, error) {
	n := ParseName(subject)
	if n.Subject != "" && !validSubject(n.Subject) {
		return Config{}, errorf(ErrInvalidSubject, "Invalid subject '%s'", subject)
	}
	if update.Compatibility != "" {
		l, ok := compat.ParseLevel(string(update.Compatibility))
		if !ok {
			return Config{}, errorf(ErrInvalidCompatibility, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
		}
		update.Compatibility = l
	}
	if err := canonicalConfigDocs(&update); err != nil {
		return Config{}, err
	}
	if err := r.checkWritable(ctx, n, false); err != nil {
		return Config{}, err
	}
	var out Config
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		cur := Config{}
		raw, err := tx.Config(ctx, n.Context, n.Subject)
		if err == nil {
			if err := json.Unmarshal(raw, &cur); err != nil {
				return fmt.Errorf("decoding config: %w", err)
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		out = cur.merge(update)
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := tx.PutConfig(n.Subject, b); err != nil {
			return err
		}
		return record(tx, n, audit.ConfigUpdate, cur, out)
	})
	r.invalidate(n)
	if err != nil {
		return Config{}, storeErr("writing config", err)
	}
	return out, nil
}

// DeleteConfig removes the config of subject ("" for global) and returns
// what it was.
func (r *Registry) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	n := ParseName(subject)
	prev, err := r.GetConfig(ctx, subject, false)
	if err != nil {
		if n.Subject != "" && errors.Is(err, ErrSubjectConfigNotFound) {
			if _, err := r.subjectVersions(ctx, n, true); err != nil {
				return Config{}, err
			}
		}
		return Config{}, err
	}
	if err := r.checkWritable(ctx, n, false); err != nil {
		return Config{}, err
	}
	err = r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if err := tx.PutConfig(n.Subject, nil); err != nil {
			return err
		}
		return record(tx, n, audit.ConfigDelete, prev, nil)
	})
	r.invalidate(n)
	if err != nil {
		return Config{}, storeErr("deleting config", err)
	}
	return prev, nil
}

// storedMode reads one level's mode, "" if unset.
func (r *Registry) storedMode(ctx context.Context, regCtx, subject string) (string, error) {
	key := cacheKey{regCtx, subject}
	if m, ok := r.modes.get(key); ok {
		return m, nil
	}
	gen := r.modes.generation()
	m, err := r.store.Mode(ctx, regCtx, subject)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", storeErr("reading mode", err)
	}
	r.modes.put(key, m, gen)
	return m, nil
}

// effectiveMode resolves the mode of a subject: READONLY_OVERRIDE at a
// global level wins over subject modes; otherwise the most specific set
// mode applies; READWRITE when none is set.
func (r *Registry) effectiveMode(ctx context.Context, n Name) (string, error) {
	levels := scopeLevels(n)
	mode := ModeReadWrite
	for i, l := range levels {
		m, err := r.storedMode(ctx, l.Context, l.Subject)
		if err != nil {
			return "", err
		}
		if m == "" {
			continue
		}
		mode = m
		if m == ModeReadOnlyOverride && i < len(levels)-1 {
			return m, nil
		}
	}
	return mode, nil
}

// GetMode returns the mode of subject ("" for global).
func (r *Registry) GetMode(ctx context.Context, subject string, defaultToGlobal bool) (string, error) {
	n := ParseName(subject)
	if defaultToGlobal || n.Subject == "" {
		return r.effectiveMode(ctx, n)
	}
	m, err := r.storedMode(ctx, n.Context, n.Subject)
	if err != nil {
		return "", err
	}
	if m == "" {
		return "", errorf(ErrSubjectModeNotFound, "Subject '%s' does not have subject-level mode configured", subject)
	}
	return m, nil
}

// SetMode sets the mode of subject ("" for global). Switching to IMPORT
// while subjects hold schemas needs force, as in the Confluent API.
func (r *Registry) SetMode(ctx context.Context, subject, mode string, force bool) (string, error) {
	n := ParseName(subject)
	if n.Subject != "" && !validSubject(n.Subject) {
		return "", errorf(ErrInvalidSubject, "Invalid subject '%s'", subject)
	}
	m, ok := ParseMode(mode)
	if !ok {
		return "", errorf(ErrInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT")
	}
	if m == ModeImport && !force {
		var nonEmpty bool
		if n.Subject == "" {
			subs, err := r.store.Subjects(ctx, n.Context, "", false)
			if err != nil {
				return "", storeErr("listing subjects", err)
			}
			nonEmpty = len(subs) > 0
		} else {
			vs, err := r.store.Versions(ctx, n.Context, n.Subject, false)
			if err != nil {
				return "", storeErr("listing versions", err)
			}
			nonEmpty = len(vs) > 0
		}
		if nonEmpty {
			return "", errorf(ErrOperationNotPermitted, "Cannot import since found existing subjects")
		}
	}
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		before, err := tx.Mode(ctx, n.Context, n.Subject)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.PutMode(n.Subject, m); err != nil {
			return err
		}
		return record(tx, n, audit.ModeUpdate, modeDoc(before), modeDoc(m))
	})
	r.invalidate(n)
	if err != nil {
		return "", storeErr("writing mode", err)
	}
	return m, nil
}

// DeleteMode removes the mode of subject and returns what it was.
func (r *Registry) DeleteMode(ctx context.Context, subject string) (string, error) {
	n := ParseName(subject)
	prev, err := r.GetMode(ctx, subject, false)
	if errors.Is(err, ErrSubjectModeNotFound) {
		// As Confluent: deleting a mode that is not set is 40401.
		return "", errorf(ErrSubjectNotFound, "Subject '%s' not found.", subject)
	}
	if err != nil {
		return "", err
	}
	err = r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if err := tx.PutMode(n.Subject, ""); err != nil {
			return err
		}
		return record(tx, n, audit.ModeDelete, modeDoc(prev), nil)
	})
	r.invalidate(n)
	if err != nil {
		return "", storeErr("deleting mode", err)
	}
	return prev, nil
}

// checkWritable refuses writes to a subject in a read-only mode. Schema
// writes with caller-chosen ids are allowed only in IMPORT mode (checked
// by the caller).
func (r *Registry) checkWritable(ctx context.Context, n Name, schemaWrite bool) error {
	m, err := r.effectiveMode(ctx, n)
	if err != nil {
		return err
	}
	switch m {
	case ModeReadOnly, ModeReadOnlyOverride:
		if schemaWrite || m == ModeReadOnlyOverride {
			return errorf(ErrOperationNotPermitted, "Subject %s is in read-only mode", n.String())
		}
	}
	return nil
}

// modeDoc is how a mode appears in the audit log; nil when unset.
func modeDoc(m string) any {
	if m == "" {
		return nil
	}
	return map[string]string{"mode": m}
}
