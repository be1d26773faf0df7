package registry

import (
	"context"
	"strings"
)

// Subject aliases, as Confluent's: a subject whose own config sets
// "alias" stands for the subject it names. The API resolves the alias of
// every subject it is given in a /subjects/{subject} (or
// /compatibility/subjects/{subject}, or a DEK's) path and in the subject
// query parameter of /schemas/ids/…, before routing, so reads, lookups,
// compatibility checks, registrations and deletes through an alias all
// act on its target. Only the subject's own config counts (an alias is
// not inherited from a context's or the global config), and resolution
// is one step: the target's own alias is not followed, so aliases cannot
// loop. Config and mode routes are not resolved: they are how an alias is
// set and removed.

// ResolveAlias returns the subject that subject (possibly qualified) is an
// alias of, qualified when it is not in the default context; subject
// itself when it is no alias. An unqualified alias is in the subject's
// context. For a DEK path (forDEK), the config's aliasForDeks wins over
// its alias, as in Confluent.
func (r *Registry) ResolveAlias(ctx context.Context, subject string, forDEK bool) (string, error) {
	n := ParseName(subject)
	if n.Subject == "" || !validSubject(n.Subject) {
		return subject, nil
	}
	c, err := r.storedConfig(ctx, n.Context, n.Subject)
	if err != nil || c == nil {
		return subject, err
	}
	alias := c.Alias
	if forDEK && c.AliasForDeks != "" {
		alias = c.AliasForDeks
	}
	if alias == "" {
		return subject, nil
	}
	return aliasTarget(n, alias).String(), nil
}

// aliasTarget qualifies alias relative to the subject n whose config sets
// it (Confluent's qualifySubjectWithParent).
func aliasTarget(n Name, alias string) Name {
	if strings.HasPrefix(alias, ":.") {
		return ParseName(alias)
	}
	return Name{Context: n.Context, Subject: alias}
}

// checkAlias refuses an alias that names no addressable subject.
func checkAlias(n Name, alias string) error {
	if alias == "" {
		return nil
	}
	t := aliasTarget(n, alias)
	if !validSubject(t.Subject) || !validContext(t.Context) {
		return errorf(ErrInvalidSubject, "Invalid alias '%s': it must name a subject", alias)
	}
	return nil
}
