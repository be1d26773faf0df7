package protobuf

import "github.com/accord/accord/compat"

// Rule is one kind of difference between two versions of a schema. The IDs
// are Confluent's difference types where Confluent has one, so the API can
// answer as Confluent does; the rest are Accord's and say so in Purpose.
type Rule struct {
	ID      string
	Purpose string
	// Compatible is the verdict for a change found going from the original
	// to the update: can a consumer on the update read data written with the
	// original (Confluent's notion of a compatible change)?
	Compatible bool
	// Mirror is the rule the same edit shows as when the versions are swapped
	// ("" when the edit has no mirror); it decides whether a change also
	// breaks FORWARD.
	Mirror string
	// Breaks is derived: BACKWARD unless Compatible, FORWARD when the mirror
	// is incompatible.
	Breaks compat.Direction
}

// Rule IDs.
const (
	PackageChanged                  = "PACKAGE_CHANGED"
	SyntaxChanged                   = "SYNTAX_CHANGED"
	MessageAdded                    = "MESSAGE_ADDED"
	MessageRemoved                  = "MESSAGE_REMOVED"
	MessageMoved                    = "MESSAGE_MOVED"
	EnumAdded                       = "ENUM_ADDED"
	EnumRemoved                     = "ENUM_REMOVED"
	EnumConstAdded                  = "ENUM_CONST_ADDED"
	EnumConstChanged                = "ENUM_CONST_CHANGED"
	EnumConstRemoved                = "ENUM_CONST_REMOVED"
	FieldAdded                      = "FIELD_ADDED"
	FieldRemoved                    = "FIELD_REMOVED"
	FieldNameChanged                = "FIELD_NAME_CHANGED"
	FieldKindChanged                = "FIELD_KIND_CHANGED"
	FieldScalarKindChanged          = "FIELD_SCALAR_KIND_CHANGED"
	FieldNamedTypeChanged           = "FIELD_NAMED_TYPE_CHANGED"
	FieldNumericLabelChanged        = "FIELD_NUMERIC_LABEL_CHANGED"
	FieldStringOrBytesLabelChanged  = "FIELD_STRING_OR_BYTES_LABEL_CHANGED"
	FieldRequiredLabelChanged       = "FIELD_REQUIRED_LABEL_CHANGED"
	FieldPresenceChanged            = "FIELD_PRESENCE_CHANGED"
	FieldDefaultChanged             = "FIELD_DEFAULT_CHANGED"
	RequiredFieldAdded              = "REQUIRED_FIELD_ADDED"
	RequiredFieldRemoved            = "REQUIRED_FIELD_REMOVED"
	OneofAdded                      = "ONEOF_ADDED"
	OneofRemoved                    = "ONEOF_REMOVED"
	OneofFieldAdded                 = "ONEOF_FIELD_ADDED"
	OneofFieldRemoved               = "ONEOF_FIELD_REMOVED"
	OneofFieldMovedToTopLevel       = "ONEOF_FIELD_MOVED_TO_TOP_LEVEL"
	MultipleFieldsMovedToOneof      = "MULTIPLE_FIELDS_MOVED_TO_ONEOF"
	FieldMovedToExistingOneof       = "FIELD_MOVED_TO_EXISTING_ONEOF"
	ReservedFieldAdded              = "RESERVED_FIELD_ADDED"
	ReservedFieldRemoved            = "RESERVED_FIELD_REMOVED"
	FieldConflictsWithReservedField = "FIELD_CONFLICTS_WITH_RESERVED_FIELD"
)

// Rules lists every difference type, in a stable order.
var Rules = []Rule{
	{ID: PackageChanged, Purpose: "The package changed: every type's full name changed.", Mirror: PackageChanged},
	{ID: SyntaxChanged, Compatible: true, Mirror: SyntaxChanged, Purpose: "Accord: the syntax or edition changed. The wire format is shared; lost defaults and presence show as FIELD_DEFAULT_CHANGED and FIELD_PRESENCE_CHANGED."},
	{ID: MessageAdded, Compatible: true, Mirror: MessageRemoved, Purpose: "A message was added."},
	{ID: MessageRemoved, Mirror: MessageAdded, Purpose: "A message was removed or renamed: data naming it by index or name cannot be read."},
	{ID: MessageMoved, Compatible: true, Mirror: MessageMoved, Purpose: "A message changed position; indexes on the wire are relative to the writer's schema."},
	{ID: EnumAdded, Compatible: true, Mirror: EnumRemoved, Purpose: "An enum was added."},
	{ID: EnumRemoved, Compatible: true, Mirror: EnumAdded, Purpose: "An enum was removed."},
	{ID: EnumConstAdded, Compatible: true, Mirror: EnumConstRemoved, Purpose: "An enum value was added."},
	{ID: EnumConstChanged, Compatible: true, Mirror: EnumConstChanged, Purpose: "An enum value number got another name."},
	{ID: EnumConstRemoved, Compatible: true, Mirror: EnumConstAdded, Purpose: "An enum value was removed (readers keep the number as an unknown value)."},
	{ID: FieldAdded, Compatible: true, Mirror: FieldRemoved, Purpose: "A field was added."},
	{ID: FieldRemoved, Compatible: true, Mirror: FieldAdded, Purpose: "A field was removed; readers skip it as unknown. Reserve its number so it is never reused with another type."},
	{ID: FieldNameChanged, Compatible: true, Mirror: FieldNameChanged, Purpose: "A field number got another name (binary compatible; JSON is not)."},
	{ID: FieldKindChanged, Mirror: FieldKindChanged, Purpose: "A field changed between scalar, message and map (or between group and message encoding)."},
	{ID: FieldScalarKindChanged, Mirror: FieldScalarKindChanged, Purpose: "A scalar field changed to a type outside its wire-compatible group (int32/uint32/int64/uint64/bool/enum; sint32/sint64; fixed32/sfixed32; fixed64/sfixed64; string/bytes; float; double)."},
	{ID: FieldNamedTypeChanged, Mirror: FieldNamedTypeChanged, Purpose: "A message-typed field now names another message, or a message of the same name whose contents are incompatible."},
	{ID: FieldNumericLabelChanged, Mirror: FieldNumericLabelChanged, Purpose: "A numeric field changed between singular, repeated and required (packed encoding differs)."},
	{ID: FieldStringOrBytesLabelChanged, Compatible: true, Mirror: FieldStringOrBytesLabelChanged, Purpose: "A string or bytes field changed between singular and repeated (same encoding)."},
	{ID: FieldRequiredLabelChanged, Mirror: FieldRequiredLabelChanged, Purpose: "Accord: a string, bytes or message field became required or stopped being required."},
	{ID: FieldPresenceChanged, Compatible: true, Mirror: FieldPresenceChanged, Purpose: "Accord: a singular scalar gained or lost explicit presence (proto3 optional); the encoding is the same."},
	{ID: FieldDefaultChanged, Compatible: true, Mirror: FieldDefaultChanged, Purpose: "Accord: a field's default changed, so an absent value reads differently. Reported, not a wire break (neither Confluent nor buf's WIRE rules reject it)."},
	{ID: RequiredFieldAdded, Mirror: RequiredFieldRemoved, Purpose: "A required field was added: old data lacks it."},
	{ID: RequiredFieldRemoved, Mirror: RequiredFieldAdded, Purpose: "A required field was removed: readers of the other version still require it."},
	{ID: OneofAdded, Compatible: true, Mirror: OneofRemoved, Purpose: "A oneof was added (or renamed)."},
	{ID: OneofRemoved, Compatible: true, Mirror: OneofAdded, Purpose: "A oneof was removed (or renamed)."},
	{ID: OneofFieldAdded, Compatible: true, Mirror: OneofFieldRemoved, Purpose: "A new field was added to a oneof."},
	{ID: OneofFieldRemoved, Mirror: OneofFieldAdded, Purpose: "A field of a surviving oneof was removed: data setting it reads as no member set."},
	{ID: OneofFieldMovedToTopLevel, Compatible: true, Mirror: MultipleFieldsMovedToOneof, Purpose: "A field moved out of a oneof, which only relaxes exclusivity."},
	{ID: MultipleFieldsMovedToOneof, Mirror: OneofFieldMovedToTopLevel, Purpose: "Several independent fields moved into one oneof: data setting more than one loses all but one."},
	{ID: FieldMovedToExistingOneof, Mirror: FieldMovedToExistingOneof, Purpose: "A field joined a oneof whose members it was independent of: data setting both loses one."},
	{ID: ReservedFieldAdded, Compatible: true, Mirror: ReservedFieldRemoved, Purpose: "A name was added to the confluent:reserved metadata property."},
	{ID: ReservedFieldRemoved, Mirror: ReservedFieldAdded, Purpose: "A name was removed from the confluent:reserved metadata property."},
	{ID: FieldConflictsWithReservedField, Purpose: "A top-level field uses a name listed in the confluent:reserved metadata property."},
}

var rulesByID = func() map[string]*Rule {
	m := make(map[string]*Rule, len(Rules))
	for i := range Rules {
		m[Rules[i].ID] = &Rules[i]
	}
	for _, r := range m {
		if !r.Compatible {
			r.Breaks |= compat.Backward
		}
		if mr, ok := m[r.Mirror]; ok && !mr.Compatible {
			r.Breaks |= compat.Forward
		}
	}
	return m
}()

// RuleByID returns the rule with id.
func RuleByID(id string) (Rule, bool) {
	r, ok := rulesByID[id]
	if !ok {
		return Rule{}, false
	}
	return *r, true
}
