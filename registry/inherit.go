package registry

import (
	"context"
	"encoding/json"
	"strconv"
)

// effective is a submitted schema as registering it would store it: its
// metadata and rule set after Confluent's inheritance (see effectiveDocs).
type effective struct {
	docs
	fingerprint string
	// props are the metadata properties, for the confluent:reserved checks.
	props map[string]string
}

// effectiveDocs computes what a registration stores, as Confluent does:
//
//	metadata = merge(merge(config.defaultMetadata, specific), config.overrideMetadata)
//
// where specific is the request's metadata or, when the request has none,
// the latest live version's; the same for the rule set (rules merged by
// name). view is the subject as q sees it. Without inherit (IMPORT mode,
// which must keep the source registry's documents) the request's documents
// are taken as they are.
func (r *Registry) effectiveDocs(ctx context.Context, q Reader, n Name, view *subjectView, cfg Config, p *prepared, inherit bool) (effective, error) {
	meta, rules := p.metadata, p.ruleSet
	if inherit {
		if meta == nil || rules == nil {
			if v, ok := view.latest(); ok {
				rec, err := r.schemaRecord(ctx, q, n.Context, v.SchemaID)
				if err != nil {
					return effective{}, err
				}
				if meta == nil {
					if meta, err = storedMetadata(rec.Metadata); err != nil {
						return effective{}, storeErr("reading the metadata of version "+strconv.Itoa(v.Version), err)
					}
				}
				if rules == nil {
					if rules, err = storedRuleSet(rec.RuleSet); err != nil {
						return effective{}, storeErr("reading the rule set of version "+strconv.Itoa(v.Version), err)
					}
				}
			}
		}
		def, over, err := configMetadata(cfg)
		if err != nil {
			return effective{}, err
		}
		meta = mergeMetadata(mergeMetadata(def, meta), over)
		defRules, overRules, err := configRuleSets(cfg)
		if err != nil {
			return effective{}, err
		}
		rules = mergeRuleSet(mergeRuleSet(defRules, rules), overRules)
	}
	if meta.empty() && rules.empty() {
		// The common case (serializers send neither, most configs set
		// neither): the bare fingerprint, computed once per parse.
		return effective{fingerprint: p.bare}, nil
	}
	d, err := encodeDocs(meta, rules)
	if err != nil {
		return effective{}, err
	}
	e := effective{docs: d, fingerprint: fingerprint(p.schema.Type(), p.text, p.refs, d.metadata, d.ruleSet)}
	if meta != nil {
		e.props = meta.Properties
	}
	return e, nil
}

// match finds the version a submitted schema denotes: the newest with its
// effective fingerprint or, when the request sends neither metadata nor a
// rule set, the newest with the same schema text and references. The
// second keeps serializers that know only their schema on the version
// they were built with, even after the config's default or override
// metadata changed or when that version is not the latest.
func (p *prepared) match(view *subjectView, e effective, includeDeleted bool) (VersionRecord, bool) {
	if v, ok := view.find(e.fingerprint, includeDeleted); ok {
		return v, true
	}
	if p.metadata == nil && p.ruleSet == nil {
		return view.findBare(p.bare, includeDeleted)
	}
	return VersionRecord{}, false
}

// configMetadata reads the default and override metadata of a config.
func configMetadata(cfg Config) (def, over *Metadata, err error) {
	if def, err = parseMetadata(cfg.DefaultMetadata, "defaultMetadata in the config"); err != nil {
		return nil, nil, err
	}
	if over, err = parseMetadata(cfg.OverrideMetadata, "overrideMetadata in the config"); err != nil {
		return nil, nil, err
	}
	return def, over, nil
}

// configRuleSets reads the default and override rule sets of a config.
func configRuleSets(cfg Config) (def, over *RuleSet, err error) {
	if def, err = parseRuleSet(cfg.DefaultRuleSet, "defaultRuleSet in the config"); err != nil {
		return nil, nil, err
	}
	if over, err = parseRuleSet(cfg.OverrideRuleSet, "overrideRuleSet in the config"); err != nil {
		return nil, nil, err
	}
	return def, over, nil
}

// canonicalConfigDocs validates the data-contract documents of a config
// update and stores them canonically.
func canonicalConfigDocs(c *Config) error {
	def, over, err := configMetadata(*c)
	if err != nil {
		return err
	}
	defRules, overRules, err := configRuleSets(*c)
	if err != nil {
		return err
	}
	for _, x := range []struct {
		dst *json.RawMessage
		m   *Metadata
		rs  *RuleSet
	}{
		{&c.DefaultMetadata, def, nil},
		{&c.OverrideMetadata, over, nil},
		{&c.DefaultRuleSet, nil, defRules},
		{&c.OverrideRuleSet, nil, overRules},
	} {
		if !given(*x.dst) {
			*x.dst = nil
			continue
		}
		d, err := encodeDocs(x.m, x.rs)
		if err != nil {
			return err
		}
		b := d.metadata
		if x.rs != nil {
			b = d.ruleSet
		}
		// An empty document is kept as {} so that it still overrides the
		// level above (a subject clearing a global default).
		if b == nil {
			b = []byte("{}")
		}
		*x.dst = b
	}
	return nil
}
