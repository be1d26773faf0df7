package contracts

import (
	"strings"

	"github.com/accord/accord/compat"
)

// Rule is an event-type lint, as data: a stable ID, the event type and
// subject role it applies to, a severity, and the one sentence that says
// why it matters, which every finding's message ends with.
type Rule struct {
	ID        string    `json:"id"`
	EventType EventType `json:"eventType"`
	// Role limits the rule to key or value schemas; "" is both.
	Role     Role     `json:"role,omitempty"`
	Severity Severity `json:"severity"`
	Why      string   `json:"why"`
	// UsesOthers: the rule reads the other streams (LintInput.Others).
	UsesOthers bool `json:"-"`

	check func(in *LintInput, fields []compat.Field, emit emitFunc)
}

type emitFunc func(location, format string, args ...any)

// Lint rule IDs.
const (
	StateKeySchemaMissing     = "STATE_KEY_SCHEMA_MISSING"
	StateBeforeAfterEnvelope  = "STATE_BEFORE_AFTER_ENVELOPE"
	StateKeyNotCompactable    = "STATE_KEY_NOT_COMPACTABLE"
	DeltaNotPastTense         = "DELTA_NOT_PAST_TENSE"
	DeltaPublic               = "DELTA_PUBLIC"
	NotificationLinkField     = "NOTIFICATION_LINK_FIELD"
	NotificationOnlySource    = "NOTIFICATION_ONLY_SOURCE"
	MeasurementNoTimestamp    = "MEASUREMENT_NO_TIMESTAMP"
	HybridEnumContractSurface = "HYBRID_ENUM_CONTRACT_SURFACE"
)

// Rules are the event-type lints, from ../shared/design.md.
var Rules = []Rule{
	{
		ID: StateKeySchemaMissing, EventType: State, Role: RoleValue, Severity: SeverityError,
		Why: "a state stream is keyed by the entity id, so consumers can materialize a table and compaction can keep the latest state per key",
		check: func(in *LintInput, _ []compat.Field, emit emitFunc) {
			switch {
			case in.Stream.KeySubject == "":
				emit("/", "state stream %s declares no key subject", in.Stream.Name)
			case !in.KeyRegistered:
				emit("/", "state stream %s has no schema in its key subject %s; register the key schema first", in.Stream.Name, in.Stream.KeySubject)
			}
		},
	},
	{
		ID: StateBeforeAfterEnvelope, EventType: State, Role: RoleValue, Severity: SeverityError,
		Why: "a state record carries the whole current state, and before/after pairs double its size, defeat compaction and keep deleted data alive",
		check: func(_ *LintInput, fields []compat.Field, emit emitFunc) {
			var before, after *compat.Field
			for i := range fields {
				f := &fields[i]
				if f.Depth() != 1 {
					continue
				}
				switch strings.ToLower(f.Name) {
				case "before", "old", "previous":
					before = f
				case "after", "new", "current":
					after = f
				}
			}
			if before != nil && after != nil {
				emit(before.Location, "fields %s and %s form a before/after envelope", before.Path, after.Path)
			}
		},
	},
	{
		ID: StateKeyNotCompactable, EventType: State, Role: RoleKey, Severity: SeverityWarning,
		Why: "compaction keeps one record per key by comparing key bytes, and maps and floating-point numbers have no single byte encoding per value",
		check: func(_ *LintInput, fields []compat.Field, emit emitFunc) {
			for _, f := range fields {
				if f.Type == compat.FieldMap || f.Type == compat.FieldFloat || f.Type == compat.FieldDouble ||
					f.Items == compat.FieldFloat || f.Items == compat.FieldDouble {
					emit(f.Location, "key field %s is a %s", f.Path, f.Native)
				}
			}
		},
	},
	{
		ID: DeltaNotPastTense, EventType: Delta, Role: RoleValue, Severity: SeverityWarning,
		Why: "a delta event records a change that has happened, and a past-tense name (orderShipped, itemAddedToCart) tells consumers it is a fact rather than a command or a state",
		check: func(in *LintInput, _ []compat.Field, emit emitFunc) {
			root := rootOf(in.Schema)
			name := shortName(root)
			if name == "" {
				emit("/", "the event has no name (give the record a name, or the JSON Schema a title)")
				return
			}
			ws := words(name)
			for len(ws) > 1 && eventSuffixes[ws[len(ws)-1]] {
				ws = ws[:len(ws)-1]
			}
			for _, w := range ws {
				if pastTense(w) {
					return
				}
			}
			emit("/", "event name %s does not read as a past-tense verb", name)
		},
	},
	{
		ID: DeltaPublic, EventType: Delta, Role: RoleValue, Severity: SeverityWarning,
		Why: "every consumer of a public delta stream must replicate the producer's interpretation of each change, so a state stream is the safer public contract",
		check: func(in *LintInput, _ []compat.Field, emit emitFunc) {
			if in.Stream.Visibility == Public {
				emit("/", "delta stream %s is public", in.Stream.Name)
			}
		},
	},
	{
		ID: NotificationLinkField, EventType: Notification, Role: RoleValue, Severity: SeverityWarning,
		Why: "a consumer that follows a link reads the state as it is now, not as it was when the event happened, and replaying consumers cannot see past states at all",
		check: func(_ *LintInput, fields []compat.Field, emit emitFunc) {
			for _, f := range fields {
				if linkFormats[f.Logical] || anyWord(f.Name, linkWords) {
					emit(f.Location, "field %s is a link to fetch state from", f.Path)
				}
			}
		},
	},
	{
		ID: NotificationOnlySource, EventType: Notification, Role: RoleValue, Severity: SeverityWarning, UsesOthers: true,
		Why: "consumers of a notification must call back for the state, which races with later changes, so a public entity needs a state stream too",
		check: func(in *LintInput, _ []compat.Field, emit emitFunc) {
			if in.Stream.Visibility != Public {
				return
			}
			entity := in.Stream.Tags.Entity
			if entity == "" {
				emit("/", "public notification stream %s names no entity (tags.entity), so no state stream can be shown to carry its state", in.Stream.Name)
				return
			}
			for _, o := range in.Others {
				if o.Name != in.Stream.Name && o.Tags.Entity == entity && (o.EventType == State || o.EventType == Hybrid) {
					return
				}
			}
			emit("/", "public notification stream %s is the only source of entity %s: no state or hybrid stream carries it", in.Stream.Name, entity)
		},
	},
	{
		ID: MeasurementNoTimestamp, EventType: Measurement, Role: RoleValue, Severity: SeverityWarning,
		Why: "a measurement is an observation at a point in time, and aggregations over late or replayed records need the time it was made, not the time it arrived",
		check: func(_ *LintInput, fields []compat.Field, emit emitFunc) {
			for _, f := range fields {
				if f.Depth() == 1 && (timeLogical[f.Logical] || anyWord(f.Name, timeWords)) {
					return
				}
			}
			emit("/", "the measurement has no top-level timestamp field")
		},
	},
	{
		ID: HybridEnumContractSurface, EventType: Hybrid, Role: RoleValue, Severity: SeverityWarning,
		Why: "an enum that says how or why a state changed is delta carried in a state record, so each new value is a contract change that needs its consumers' sign-off",
		check: func(_ *LintInput, fields []compat.Field, emit emitFunc) {
			for _, f := range fields {
				if (f.Type == compat.FieldEnum || f.Items == compat.FieldEnum) && anyWord(f.Name, howWhyWords) {
					emit(f.Location, "enum field %s (%s) is contract surface", f.Path, strings.Join(f.EnumSymbols, ", "))
				}
			}
		},
	},
}

// anyWord reports whether one of the words of name is in set.
func anyWord(name string, set map[string]bool) bool {
	for _, w := range words(name) {
		if set[w] {
			return true
		}
	}
	return false
}
