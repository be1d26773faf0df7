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
	AliasForDeks     string          `json:"aliasForDeks,omitempty"`
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
	if o.AliasForDeks != "" {
		c.AliasForDeks = o.AliasForDeks
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

// storedConfig reads one level's config, nil if unset: from the cache
// when it holds it and the change feed is up (reads may be as stale as
// the feed, docs/consistency.md), else from the store, or from the
// write's transaction when ctx carries one (WithTx).
func (r *Registry) storedConfig(ctx context.Context, regCtx, subject string) (*Config, error) {
	if tx := TxFrom(ctx); tx != nil {
		return readConfig(ctx, tx, regCtx, subject)
	}
	key := cacheKey{regCtx, subject}
	lost := r.feedLost.Load()
	if !lost {
		if c, ok := r.configs.get(key); ok {
			return c, nil
		}
	}
	if !lost && subject != "" {
		// A subject never seen (every path through the API resolves its
		// alias first): its counters and every level's settings in one
		// statement, cached for a registration's fast path too.
		if _, ok, err := r.warmSubject(ctx, Name{regCtx, subject}, false); err != nil {
			return nil, err
		} else if ok {
			if c, ok := r.configs.get(key); ok {
				return c, nil
			}
		}
	}
	gen := r.configs.generation()
	var ch Changes
	if !lost {
		var err error
		if ch, err = r.store.Changes(ctx, regCtx, subject); err != nil {
			return nil, storeErr("reading change counters", err)
		}
	}
	c, err := readConfig(ctx, r.store, regCtx, subject)
	if err != nil || lost {
		return c, err
	}
	r.configs.put(key, c, tagOf(ch, Name{regCtx, subject}), gen)
	return c, nil
}

// readConfig reads one level's config from q, nil if unset.
func readConfig(ctx context.Context, q Reader, regCtx, subject string) (*Config, error) {
	raw, err := q.Config(ctx, regCtx, subject)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, storeErr("reading config", err)
	}
	return decodeConfig(raw)
}

// decodeConfig decodes a stored config document.
func decodeConfig(raw json.RawMessage) (*Config, error) {
	c := new(Config)
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, storeErr("decoding config", err)
	}
	return c, nil
}

// effectiveConfig merges the levels that apply to a subject, as reads see
// them (cached).
func (r *Registry) effectiveConfig(ctx context.Context, n Name) (Config, error) {
	return mergeConfigs(levelsOf(n), func(l Name) (*Config, error) { return r.storedConfig(ctx, l.Context, l.Subject) })
}

// effectiveConfigIn merges the levels that apply to a subject as q (a
// write's transaction) reads them.
func effectiveConfigIn(ctx context.Context, q Reader, n Name) (Config, error) {
	return mergeConfigs(levelsOf(n), func(l Name) (*Config, error) { return readConfig(ctx, q, l.Context, l.Subject) })
}

func mergeConfigs(levels []Name, get func(Name) (*Config, error)) (Config, error) {
	cfg := Config{Compatibility: DefaultLevel}
	for _, l := range levels {
		c, err := get(l)
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
	if err := checkAlias(n, update.Alias); err != nil {
		return Config{}, err
	}
	if err := checkAlias(n, update.AliasForDeks); err != nil {
		return Config{}, err
	}
	if err := canonicalConfigDocs(&update); err != nil {
		return Config{}, err
	}
	var out Config
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if err := checkWritable(ctx, tx, n); err != nil {
			return err
		}
		if err := r.beforeWrite(ctx, tx, n); err != nil {
			return err
		}
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
		if refusal, ok := unwrapPolicy(err); ok {
			return Config{}, refusal
		}
		return Config{}, storeErr("writing config", err)
	}
	return out, nil
}

// DeleteConfig removes the config of subject ("" for global) and returns
// what it was.
func (r *Registry) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	n := ParseName(subject)
	var prev Config
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if n.Subject == "" {
			// As GetConfig answers for the global level: what applies.
			var err error
			if prev, err = effectiveConfigIn(ctx, tx, n); err != nil {
				return err
			}
		} else {
			c, err := readConfig(ctx, tx, n.Context, n.Subject)
			if err != nil {
				return err
			}
			if c == nil {
				vs, err := tx.Versions(ctx, n.Context, n.Subject, true)
				if err != nil {
					return err
				}
				if len(vs) == 0 {
					return errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
				}
				return errorf(ErrSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", subject)
			}
			prev = *c
		}
		if err := checkWritable(ctx, tx, n); err != nil {
			return err
		}
		if err := r.beforeWrite(ctx, tx, n); err != nil {
			return err
		}
		if err := tx.PutConfig(n.Subject, nil); err != nil {
			return err
		}
		return record(tx, n, audit.ConfigDelete, prev, nil)
	})
	r.invalidate(n)
	if err != nil {
		if refusal, ok := unwrapPolicy(err); ok {
			return Config{}, refusal
		}
		return Config{}, storeErr("deleting config", err)
	}
	return prev, nil
}

// storedMode reads one level's mode, "" if unset, as storedConfig reads
// a config.
func (r *Registry) storedMode(ctx context.Context, regCtx, subject string) (string, error) {
	if tx := TxFrom(ctx); tx != nil {
		return readMode(ctx, tx, regCtx, subject)
	}
	key := cacheKey{regCtx, subject}
	lost := r.feedLost.Load()
	if !lost {
		if m, ok := r.modes.get(key); ok {
			return m, nil
		}
	}
	gen := r.modes.generation()
	var ch Changes
	if !lost {
		var err error
		if ch, err = r.store.Changes(ctx, regCtx, subject); err != nil {
			return "", storeErr("reading change counters", err)
		}
	}
	m, err := readMode(ctx, r.store, regCtx, subject)
	if err != nil || lost {
		return m, err
	}
	r.modes.put(key, m, tagOf(ch, Name{regCtx, subject}), gen)
	return m, nil
}

// readMode reads one level's mode from q, "" if unset.
func readMode(ctx context.Context, q Reader, regCtx, subject string) (string, error) {
	m, err := q.Mode(ctx, regCtx, subject)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", storeErr("reading mode", err)
	}
	return m, nil
}

// effectiveMode resolves the mode of a subject as reads see it (cached):
// READONLY_OVERRIDE at a global level wins over subject modes; otherwise
// the most specific set mode applies; READWRITE when none is set.
func (r *Registry) effectiveMode(ctx context.Context, n Name) (string, error) {
	return resolveMode(levelsOf(n), func(l Name) (string, error) { return r.storedMode(ctx, l.Context, l.Subject) })
}

// effectiveModeIn resolves the mode of a subject as q (a write's
// transaction) reads it.
func effectiveModeIn(ctx context.Context, q Reader, n Name) (string, error) {
	return resolveMode(levelsOf(n), func(l Name) (string, error) { return readMode(ctx, q, l.Context, l.Subject) })
}

func resolveMode(levels []Name, get func(Name) (string, error)) (string, error) {
	mode := ModeReadWrite
	for i, l := range levels {
		m, err := get(l)
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
// while subjects hold schemas needs force, as in the Confluent API. Mode
// changes are allowed in every mode (they are how a read-only registry
// is opened again).
func (r *Registry) SetMode(ctx context.Context, subject, mode string, force bool) (string, error) {
	n := ParseName(subject)
	if n.Subject != "" && !validSubject(n.Subject) {
		return "", errorf(ErrInvalidSubject, "Invalid subject '%s'", subject)
	}
	m, ok := ParseMode(mode)
	if !ok {
		return "", errorf(ErrInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT")
	}
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if m == ModeImport && !force {
			var nonEmpty bool
			if n.Subject == "" {
				subs, err := tx.SubjectPage(ctx, n.Context, SubjectPageQuery{Limit: 1}) // is there one?
				if err != nil {
					return fmt.Errorf("listing subjects: %w", err)
				}
				nonEmpty = len(subs) > 0
			} else {
				vs, err := tx.Versions(ctx, n.Context, n.Subject, false)
				if err != nil {
					return fmt.Errorf("listing versions: %w", err)
				}
				nonEmpty = len(vs) > 0
			}
			if nonEmpty {
				return errorf(ErrOperationNotPermitted, "Cannot import since found existing subjects")
			}
		}
		if err := r.beforeWrite(ctx, tx, n); err != nil {
			return err
		}
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
		if refusal, ok := unwrapPolicy(err); ok {
			return "", refusal
		}
		return "", storeErr("writing mode", err)
	}
	return m, nil
}

// DeleteMode removes the mode of subject and returns what it was.
func (r *Registry) DeleteMode(ctx context.Context, subject string) (string, error) {
	n := ParseName(subject)
	var prev string
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		var err error
		if n.Subject == "" {
			// As GetMode answers for the global level: what applies.
			prev, err = effectiveModeIn(ctx, tx, n)
		} else if prev, err = readMode(ctx, tx, n.Context, n.Subject); err == nil && prev == "" {
			// As Confluent: deleting a mode that is not set is 40401.
			err = errorf(ErrSubjectNotFound, "Subject '%s' not found.", subject)
		}
		if err != nil {
			return err
		}
		if err := r.beforeWrite(ctx, tx, n); err != nil {
			return err
		}
		if err := tx.PutMode(n.Subject, ""); err != nil {
			return err
		}
		return record(tx, n, audit.ModeDelete, modeDoc(prev), nil)
	})
	r.invalidate(n)
	if err != nil {
		if refusal, ok := unwrapPolicy(err); ok {
			return "", refusal
		}
		return "", storeErr("deleting mode", err)
	}
	return prev, nil
}

// checkWritable refuses, in a read-only mode (READONLY, or
// READONLY_OVERRIDE at any level), a write of n's versions or config, as
// tx reads the mode. Mode changes are always allowed; IMPORT's rules for
// registrations are Register's.
func checkWritable(ctx context.Context, tx Tx, n Name) error {
	m, err := effectiveModeIn(ctx, tx, n)
	if err != nil {
		return err
	}
	if m == ModeReadOnly || m == ModeReadOnlyOverride {
		return errorf(ErrOperationNotPermitted, "Subject %s is in read-only mode", n.String())
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
