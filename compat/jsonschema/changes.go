package jsonschema

import "sort"

// ChangeType names a kind of change between two JSON Schemas. The values are
// Confluent's Difference.Type names, so reports read the same in Accord and
// in Confluent tooling.
type ChangeType string

// Change is one difference found by Diff.
type Change struct {
	Type ChangeType `json:"type"`
	// Location is a JSON pointer fragment into the schemas ("#/" is the
	// root, "#/properties/foo" a property). For RESERVED_PROPERTY_REMOVED it
	// is the reserved name itself, as Confluent reports it: the name lives in
	// metadata, not in the schema.
	Location string `json:"location"`
}

// Compatible reports whether the change keeps the update backward
// compatible (Confluent's COMPATIBLE_CHANGES set).
func (c Change) Compatible() bool { return c.Type.Compatible() }

// String renders the change as "TYPE location", the form the Confluent
// test vectors use.
func (c Change) String() string { return string(c.Type) + " " + c.Location }

// Compatible reports whether every change is backward compatible.
func Compatible(changes []Change) bool {
	for _, c := range changes {
		if !c.Type.Compatible() {
			return false
		}
	}
	return true
}

// CompatibleLenient is Compatible under Confluent's lenient policy, which
// also lets open content models gain optional properties and close.
func CompatibleLenient(changes []Change) bool {
	for _, c := range changes {
		if !c.Type.CompatibleLenient() {
			return false
		}
	}
	return true
}

// The change types, grouped as Confluent groups them.
const (
	IDChanged          ChangeType = "ID_CHANGED"
	DescriptionChanged ChangeType = "DESCRIPTION_CHANGED"
	TitleChanged       ChangeType = "TITLE_CHANGED"
	DefaultChanged     ChangeType = "DEFAULT_CHANGED"
	SchemaAdded        ChangeType = "SCHEMA_ADDED"
	SchemaRemoved      ChangeType = "SCHEMA_REMOVED"
	TypeExtended       ChangeType = "TYPE_EXTENDED"
	TypeNarrowed       ChangeType = "TYPE_NARROWED"
	TypeChanged        ChangeType = "TYPE_CHANGED"

	MaxLengthAdded     ChangeType = "MAX_LENGTH_ADDED"
	MaxLengthRemoved   ChangeType = "MAX_LENGTH_REMOVED"
	MaxLengthIncreased ChangeType = "MAX_LENGTH_INCREASED"
	MaxLengthDecreased ChangeType = "MAX_LENGTH_DECREASED"
	MinLengthAdded     ChangeType = "MIN_LENGTH_ADDED"
	MinLengthRemoved   ChangeType = "MIN_LENGTH_REMOVED"
	MinLengthIncreased ChangeType = "MIN_LENGTH_INCREASED"
	MinLengthDecreased ChangeType = "MIN_LENGTH_DECREASED"
	PatternAdded       ChangeType = "PATTERN_ADDED"
	PatternRemoved     ChangeType = "PATTERN_REMOVED"
	PatternChanged     ChangeType = "PATTERN_CHANGED"

	MaximumAdded              ChangeType = "MAXIMUM_ADDED"
	MaximumRemoved            ChangeType = "MAXIMUM_REMOVED"
	MaximumIncreased          ChangeType = "MAXIMUM_INCREASED"
	MaximumDecreased          ChangeType = "MAXIMUM_DECREASED"
	MinimumAdded              ChangeType = "MINIMUM_ADDED"
	MinimumRemoved            ChangeType = "MINIMUM_REMOVED"
	MinimumIncreased          ChangeType = "MINIMUM_INCREASED"
	MinimumDecreased          ChangeType = "MINIMUM_DECREASED"
	ExclusiveMaximumAdded     ChangeType = "EXCLUSIVE_MAXIMUM_ADDED"
	ExclusiveMaximumRemoved   ChangeType = "EXCLUSIVE_MAXIMUM_REMOVED"
	ExclusiveMaximumIncreased ChangeType = "EXCLUSIVE_MAXIMUM_INCREASED"
	ExclusiveMaximumDecreased ChangeType = "EXCLUSIVE_MAXIMUM_DECREASED"
	ExclusiveMinimumAdded     ChangeType = "EXCLUSIVE_MINIMUM_ADDED"
	ExclusiveMinimumRemoved   ChangeType = "EXCLUSIVE_MINIMUM_REMOVED"
	ExclusiveMinimumIncreased ChangeType = "EXCLUSIVE_MINIMUM_INCREASED"
	ExclusiveMinimumDecreased ChangeType = "EXCLUSIVE_MINIMUM_DECREASED"
	MultipleOfAdded           ChangeType = "MULTIPLE_OF_ADDED"
	MultipleOfRemoved         ChangeType = "MULTIPLE_OF_REMOVED"
	MultipleOfExpanded        ChangeType = "MULTIPLE_OF_EXPANDED"
	MultipleOfReduced         ChangeType = "MULTIPLE_OF_REDUCED"
	MultipleOfChanged         ChangeType = "MULTIPLE_OF_CHANGED"

	RequiredAttributeAdded            ChangeType = "REQUIRED_ATTRIBUTE_ADDED"
	RequiredAttributeWithDefaultAdded ChangeType = "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
	RequiredAttributeRemoved          ChangeType = "REQUIRED_ATTRIBUTE_REMOVED"
	MaxPropertiesAdded                ChangeType = "MAX_PROPERTIES_ADDED"
	MaxPropertiesRemoved              ChangeType = "MAX_PROPERTIES_REMOVED"
	MaxPropertiesIncreased            ChangeType = "MAX_PROPERTIES_INCREASED"
	MaxPropertiesDecreased            ChangeType = "MAX_PROPERTIES_DECREASED"
	MinPropertiesAdded                ChangeType = "MIN_PROPERTIES_ADDED"
	MinPropertiesRemoved              ChangeType = "MIN_PROPERTIES_REMOVED"
	MinPropertiesIncreased            ChangeType = "MIN_PROPERTIES_INCREASED"
	MinPropertiesDecreased            ChangeType = "MIN_PROPERTIES_DECREASED"
	AdditionalPropertiesAdded         ChangeType = "ADDITIONAL_PROPERTIES_ADDED"
	AdditionalPropertiesRemoved       ChangeType = "ADDITIONAL_PROPERTIES_REMOVED"
	AdditionalPropertiesExtended      ChangeType = "ADDITIONAL_PROPERTIES_EXTENDED"
	AdditionalPropertiesNarrowed      ChangeType = "ADDITIONAL_PROPERTIES_NARROWED"
	DependencyArrayAdded              ChangeType = "DEPENDENCY_ARRAY_ADDED"
	DependencyArrayRemoved            ChangeType = "DEPENDENCY_ARRAY_REMOVED"
	DependencyArrayExtended           ChangeType = "DEPENDENCY_ARRAY_EXTENDED"
	DependencyArrayNarrowed           ChangeType = "DEPENDENCY_ARRAY_NARROWED"
	DependencyArrayChanged            ChangeType = "DEPENDENCY_ARRAY_CHANGED"
	DependencySchemaAdded             ChangeType = "DEPENDENCY_SCHEMA_ADDED"
	DependencySchemaRemoved           ChangeType = "DEPENDENCY_SCHEMA_REMOVED"

	// PropertyAddedToOpenContentModel is Confluent 7.x's name for what 8.x
	// splits into the three *_ADDED_TO_OPEN_CONTENT_MODEL types below. Diff
	// never reports it; it is kept so that stored 7.x reports still parse.
	PropertyAddedToOpenContentModel                      ChangeType = "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	RequiredPropertyAddedToOpenContentModel              ChangeType = "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	RequiredPropertyWithDefaultAddedToOpenContentModel   ChangeType = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
	OptionalPropertyAddedToOpenContentModel              ChangeType = "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	PropertyWithEmptySchemaAddedToOpenContentModel       ChangeType = "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
	RequiredPropertyAddedToUnopenContentModel            ChangeType = "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
	RequiredPropertyWithDefaultAddedToUnopenContentModel ChangeType = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
	OptionalPropertyAddedToUnopenContentModel            ChangeType = "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
	PropertyRemovedFromOpenContentModel                  ChangeType = "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"
	PropertyWithFalseRemovedFromClosedContentModel       ChangeType = "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	PropertyRemovedFromClosedContentModel                ChangeType = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	PropertyRemovedIsCoveredByPartiallyOpenContentModel  ChangeType = "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	PropertyRemovedNotCoveredByPartiallyOpenContentModel ChangeType = "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	PropertyAddedIsCoveredByPartiallyOpenContentModel    ChangeType = "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	PropertyAddedNotCoveredByPartiallyOpenContentModel   ChangeType = "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	ReservedPropertyRemoved                              ChangeType = "RESERVED_PROPERTY_REMOVED"
	ReservedPropertyConflictsWithProperty                ChangeType = "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY"
	UnevaluatedPropertiesAdded                           ChangeType = "UNEVALUATED_PROPERTIES_ADDED"
	UnevaluatedPropertiesRemoved                         ChangeType = "UNEVALUATED_PROPERTIES_REMOVED"
	UnevaluatedPropertiesExtended                        ChangeType = "UNEVALUATED_PROPERTIES_EXTENDED"
	UnevaluatedPropertiesNarrowed                        ChangeType = "UNEVALUATED_PROPERTIES_NARROWED"
	MaxItemsAdded                                        ChangeType = "MAX_ITEMS_ADDED"
	MaxItemsRemoved                                      ChangeType = "MAX_ITEMS_REMOVED"
	MaxItemsIncreased                                    ChangeType = "MAX_ITEMS_INCREASED"
	MaxItemsDecreased                                    ChangeType = "MAX_ITEMS_DECREASED"
	MinItemsAdded                                        ChangeType = "MIN_ITEMS_ADDED"
	MinItemsRemoved                                      ChangeType = "MIN_ITEMS_REMOVED"
	MinItemsIncreased                                    ChangeType = "MIN_ITEMS_INCREASED"
	MinItemsDecreased                                    ChangeType = "MIN_ITEMS_DECREASED"
	MaxContainsAdded                                     ChangeType = "MAX_CONTAINS_ADDED"
	MaxContainsRemoved                                   ChangeType = "MAX_CONTAINS_REMOVED"
	MaxContainsIncreased                                 ChangeType = "MAX_CONTAINS_INCREASED"
	MaxContainsDecreased                                 ChangeType = "MAX_CONTAINS_DECREASED"
	MinContainsAdded                                     ChangeType = "MIN_CONTAINS_ADDED"
	MinContainsRemoved                                   ChangeType = "MIN_CONTAINS_REMOVED"
	MinContainsIncreased                                 ChangeType = "MIN_CONTAINS_INCREASED"
	MinContainsDecreased                                 ChangeType = "MIN_CONTAINS_DECREASED"
	UniqueItemsAdded                                     ChangeType = "UNIQUE_ITEMS_ADDED"
	UniqueItemsRemoved                                   ChangeType = "UNIQUE_ITEMS_REMOVED"
	AdditionalItemsAdded                                 ChangeType = "ADDITIONAL_ITEMS_ADDED"
	AdditionalItemsRemoved                               ChangeType = "ADDITIONAL_ITEMS_REMOVED"
	AdditionalItemsExtended                              ChangeType = "ADDITIONAL_ITEMS_EXTENDED"
	AdditionalItemsNarrowed                              ChangeType = "ADDITIONAL_ITEMS_NARROWED"
	UnevaluatedItemsAdded                                ChangeType = "UNEVALUATED_ITEMS_ADDED"
	UnevaluatedItemsRemoved                              ChangeType = "UNEVALUATED_ITEMS_REMOVED"
	UnevaluatedItemsExtended                             ChangeType = "UNEVALUATED_ITEMS_EXTENDED"
	UnevaluatedItemsNarrowed                             ChangeType = "UNEVALUATED_ITEMS_NARROWED"
	ItemAddedToOpenContentModel                          ChangeType = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
	ItemWithEmptySchemaAddedToOpenContentModel           ChangeType = "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
	ItemAddedToClosedContentModel                        ChangeType = "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"
	ItemRemovedFromOpenContentModel                      ChangeType = "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"
	ItemWithFalseRemovedFromClosedContentModel           ChangeType = "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	ItemRemovedFromClosedContentModel                    ChangeType = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	ItemRemovedIsCoveredByPartiallyOpenContentModel      ChangeType = "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	ItemRemovedNotCoveredByPartiallyOpenContentModel     ChangeType = "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	ItemAddedIsCoveredByPartiallyOpenContentModel        ChangeType = "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	ItemAddedNotCoveredByPartiallyOpenContentModel       ChangeType = "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	EnumArrayExtended                                    ChangeType = "ENUM_ARRAY_EXTENDED"
	EnumArrayNarrowed                                    ChangeType = "ENUM_ARRAY_NARROWED"
	EnumArrayChanged                                     ChangeType = "ENUM_ARRAY_CHANGED"
	CombinedTypeExtended                                 ChangeType = "COMBINED_TYPE_EXTENDED"
	CombinedTypeChanged                                  ChangeType = "COMBINED_TYPE_CHANGED"
	ProductTypeExtended                                  ChangeType = "PRODUCT_TYPE_EXTENDED"
	ProductTypeNarrowed                                  ChangeType = "PRODUCT_TYPE_NARROWED"
	SumTypeExtended                                      ChangeType = "SUM_TYPE_EXTENDED"
	SumTypeNarrowed                                      ChangeType = "SUM_TYPE_NARROWED"
	CombinedTypeSubschemasChanged                        ChangeType = "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
	NotTypeExtended                                      ChangeType = "NOT_TYPE_EXTENDED"
	NotTypeNarrowed                                      ChangeType = "NOT_TYPE_NARROWED"
)

// policy says under which policies a change keeps the update compatible.
type policy uint8

const (
	// strict is Confluent's COMPATIBLE_CHANGES (COMPATIBLE_CHANGES_STRICT).
	strict policy = 1 << iota
	// lenient is Confluent's COMPATIBLE_CHANGES_LENIENT: strict plus the
	// open-content-model changes that a consumer ignoring unknown
	// properties survives.
	lenient
)

// rule is the data behind one change type: which policies accept it and a
// sentence for people. Messages say "writer" for the original schema and
// "reader" for the update, the roles they have in a compatibility check.
type rule struct {
	accepts policy
	text    string
}

const both = strict | lenient

// rules is the table every report is rendered from. The compatibility flags
// are Confluent's; the *_CONTAINS_* and UNEVALUATED_* relaxations are not in
// the Confluent snapshot Accord follows and are accepted by analogy with
// their MAX_ITEMS_* and ADDITIONAL_* counterparts.
var rules = map[ChangeType]rule{
	IDChanged:          {both, "$id differs between writer and reader"},
	DescriptionChanged: {both, "description differs between writer and reader"},
	TitleChanged:       {both, "title differs between writer and reader"},
	DefaultChanged:     {both, "default value differs between writer and reader"},
	SchemaAdded:        {0, "the reader adds a subschema where the writer had none, so values the writer allowed may be rejected"},
	SchemaRemoved:      {both, "the reader drops a subschema the writer had and accepts any value there"},
	TypeExtended:       {both, "the reader accepts any number where the writer allowed only integers"},
	TypeNarrowed:       {0, "the reader accepts only integers where the writer allowed any number"},
	TypeChanged:        {0, "the type differs between writer and reader"},

	MaxLengthAdded:     {0, "the reader adds maxLength, so longer strings the writer allowed are rejected"},
	MaxLengthRemoved:   {both, "the reader drops maxLength"},
	MaxLengthIncreased: {both, "the reader raises maxLength"},
	MaxLengthDecreased: {0, "the reader lowers maxLength, so longer strings the writer allowed are rejected"},
	MinLengthAdded:     {0, "the reader adds minLength, so shorter strings the writer allowed are rejected"},
	MinLengthRemoved:   {both, "the reader drops minLength"},
	MinLengthIncreased: {0, "the reader raises minLength, so shorter strings the writer allowed are rejected"},
	MinLengthDecreased: {both, "the reader lowers minLength"},
	PatternAdded:       {0, "the reader adds a pattern the writer's strings need not match"},
	PatternRemoved:     {both, "the reader drops the pattern"},
	PatternChanged:     {0, "the pattern differs between writer and reader"},

	MaximumAdded:              {0, "the reader adds a maximum, so larger numbers the writer allowed are rejected"},
	MaximumRemoved:            {both, "the reader drops the maximum"},
	MaximumIncreased:          {both, "the reader raises the maximum"},
	MaximumDecreased:          {0, "the reader lowers the maximum, so larger numbers the writer allowed are rejected"},
	MinimumAdded:              {0, "the reader adds a minimum, so smaller numbers the writer allowed are rejected"},
	MinimumRemoved:            {both, "the reader drops the minimum"},
	MinimumIncreased:          {0, "the reader raises the minimum, so smaller numbers the writer allowed are rejected"},
	MinimumDecreased:          {both, "the reader lowers the minimum"},
	ExclusiveMaximumAdded:     {0, "the reader adds an exclusive maximum, so larger numbers the writer allowed are rejected"},
	ExclusiveMaximumRemoved:   {both, "the reader drops the exclusive maximum"},
	ExclusiveMaximumIncreased: {both, "the reader raises the exclusive maximum"},
	ExclusiveMaximumDecreased: {0, "the reader lowers the exclusive maximum, so larger numbers the writer allowed are rejected"},
	ExclusiveMinimumAdded:     {0, "the reader adds an exclusive minimum, so smaller numbers the writer allowed are rejected"},
	ExclusiveMinimumRemoved:   {both, "the reader drops the exclusive minimum"},
	ExclusiveMinimumIncreased: {0, "the reader raises the exclusive minimum, so smaller numbers the writer allowed are rejected"},
	ExclusiveMinimumDecreased: {both, "the reader lowers the exclusive minimum"},
	MultipleOfAdded:           {0, "the reader adds multipleOf, so numbers the writer allowed may be rejected"},
	MultipleOfRemoved:         {both, "the reader drops multipleOf"},
	MultipleOfExpanded:        {0, "the reader's multipleOf is a multiple of the writer's, so numbers the writer allowed are rejected"},
	MultipleOfReduced:         {both, "the reader's multipleOf divides the writer's"},
	MultipleOfChanged:         {0, "multipleOf differs between writer and reader"},

	RequiredAttributeAdded:            {0, "the reader requires a property the writer did not, and it has no default"},
	RequiredAttributeWithDefaultAdded: {both, "the reader requires a property the writer did not, and it has a default"},
	RequiredAttributeRemoved:          {both, "the reader no longer requires the property"},
	MaxPropertiesAdded:                {0, "the reader adds maxProperties, so larger objects the writer allowed are rejected"},
	MaxPropertiesRemoved:              {both, "the reader drops maxProperties"},
	MaxPropertiesIncreased:            {both, "the reader raises maxProperties"},
	MaxPropertiesDecreased:            {0, "the reader lowers maxProperties, so larger objects the writer allowed are rejected"},
	MinPropertiesAdded:                {0, "the reader adds minProperties, so smaller objects the writer allowed are rejected"},
	MinPropertiesRemoved:              {both, "the reader drops minProperties"},
	MinPropertiesIncreased:            {0, "the reader raises minProperties, so smaller objects the writer allowed are rejected"},
	MinPropertiesDecreased:            {both, "the reader lowers minProperties"},
	AdditionalPropertiesAdded:         {both, "the reader allows additional properties the writer did not"},
	AdditionalPropertiesRemoved:       {lenient, "the reader forbids additional properties the writer allowed"},
	AdditionalPropertiesExtended:      {both, "the reader accepts any additional property where the writer constrained them"},
	AdditionalPropertiesNarrowed:      {lenient, "the reader constrains additional properties the writer allowed freely"},
	DependencyArrayAdded:              {0, "the reader adds a property dependency the writer did not have"},
	DependencyArrayRemoved:            {both, "the reader drops a property dependency"},
	DependencyArrayExtended:           {0, "the reader's property dependency requires more properties than the writer's"},
	DependencyArrayNarrowed:           {both, "the reader's property dependency requires fewer properties than the writer's"},
	DependencyArrayChanged:            {0, "the property dependency differs between writer and reader"},
	DependencySchemaAdded:             {0, "the reader adds a schema dependency the writer did not have"},
	DependencySchemaRemoved:           {both, "the reader drops a schema dependency"},

	PropertyAddedToOpenContentModel:                      {lenient, "the reader adds a property the writer's open content model allowed with any value"},
	RequiredPropertyAddedToOpenContentModel:              {0, "the reader adds a required property the writer's open content model allowed with any value, or not at all"},
	RequiredPropertyWithDefaultAddedToOpenContentModel:   {0, "the reader adds a required property (with a default) the writer's open content model allowed with any value"},
	OptionalPropertyAddedToOpenContentModel:              {lenient, "the reader adds a property the writer's open content model allowed with any value"},
	PropertyWithEmptySchemaAddedToOpenContentModel:       {both, "the reader adds a property that accepts any value, as the writer's open content model did"},
	RequiredPropertyAddedToUnopenContentModel:            {0, "the reader adds a required property without a default that the writer never wrote"},
	RequiredPropertyWithDefaultAddedToUnopenContentModel: {both, "the reader adds a required property with a default"},
	OptionalPropertyAddedToUnopenContentModel:            {both, "the reader adds an optional property the writer's content model did not allow"},
	PropertyRemovedFromOpenContentModel:                  {both, "the reader drops a property; its open content model still accepts it"},
	PropertyWithFalseRemovedFromClosedContentModel:       {both, "the reader drops a property the writer forbade (false)"},
	PropertyRemovedFromClosedContentModel:                {0, "the reader drops a property the writer wrote, and its closed content model rejects it"},
	PropertyRemovedIsCoveredByPartiallyOpenContentModel:  {both, "the reader drops a property; its additional or pattern properties still accept what the writer wrote"},
	PropertyRemovedNotCoveredByPartiallyOpenContentModel: {lenient, "the reader drops a property, and its additional or pattern properties reject what the writer wrote"},
	PropertyAddedIsCoveredByPartiallyOpenContentModel:    {both, "the reader adds a property that accepts what the writer's additional or pattern properties allowed"},
	PropertyAddedNotCoveredByPartiallyOpenContentModel:   {lenient, "the reader adds a property that rejects values the writer's additional or pattern properties allowed"},
	ReservedPropertyRemoved:                              {0, "the reader's metadata drops a reserved property name the writer's metadata reserved"},
	ReservedPropertyConflictsWithProperty:                {0, "the reader defines a property whose name its metadata reserves"},
	UnevaluatedPropertiesAdded:                           {both, "the reader allows unevaluated properties the writer did not"},
	UnevaluatedPropertiesRemoved:                         {0, "the reader forbids unevaluated properties the writer allowed"},
	UnevaluatedPropertiesExtended:                        {both, "the reader accepts any unevaluated property where the writer constrained them"},
	UnevaluatedPropertiesNarrowed:                        {0, "the reader constrains unevaluated properties the writer allowed freely"},

	MaxItemsAdded:        {0, "the reader adds maxItems, so longer arrays the writer allowed are rejected"},
	MaxItemsRemoved:      {both, "the reader drops maxItems"},
	MaxItemsIncreased:    {both, "the reader raises maxItems"},
	MaxItemsDecreased:    {0, "the reader lowers maxItems, so longer arrays the writer allowed are rejected"},
	MinItemsAdded:        {0, "the reader adds minItems, so shorter arrays the writer allowed are rejected"},
	MinItemsRemoved:      {both, "the reader drops minItems"},
	MinItemsIncreased:    {0, "the reader raises minItems, so shorter arrays the writer allowed are rejected"},
	MinItemsDecreased:    {both, "the reader lowers minItems"},
	MaxContainsAdded:     {0, "the reader adds maxContains, so arrays the writer allowed may be rejected"},
	MaxContainsRemoved:   {both, "the reader drops maxContains"},
	MaxContainsIncreased: {both, "the reader raises maxContains"},
	MaxContainsDecreased: {0, "the reader lowers maxContains, so arrays the writer allowed may be rejected"},
	MinContainsAdded:     {0, "the reader adds minContains, so arrays the writer allowed may be rejected"},
	MinContainsRemoved:   {both, "the reader drops minContains"},
	MinContainsIncreased: {0, "the reader raises minContains, so arrays the writer allowed may be rejected"},
	MinContainsDecreased: {both, "the reader lowers minContains"},
	UniqueItemsAdded:     {0, "the reader requires unique items, so arrays with duplicates the writer allowed are rejected"},
	UniqueItemsRemoved:   {both, "the reader no longer requires unique items"},

	AdditionalItemsAdded:     {both, "the reader allows additional items the writer did not"},
	AdditionalItemsRemoved:   {0, "the reader forbids additional items the writer allowed"},
	AdditionalItemsExtended:  {both, "the reader accepts any additional item where the writer constrained them"},
	AdditionalItemsNarrowed:  {0, "the reader constrains additional items the writer allowed freely"},
	UnevaluatedItemsAdded:    {both, "the reader allows unevaluated items the writer did not"},
	UnevaluatedItemsRemoved:  {0, "the reader forbids unevaluated items the writer allowed"},
	UnevaluatedItemsExtended: {both, "the reader accepts any unevaluated item where the writer constrained them"},
	UnevaluatedItemsNarrowed: {0, "the reader constrains unevaluated items the writer allowed freely"},

	ItemAddedToOpenContentModel:                      {0, "the reader adds a tuple item the writer's open content model allowed with any value"},
	ItemWithEmptySchemaAddedToOpenContentModel:       {both, "the reader adds a tuple item that accepts any value, as the writer's open content model did"},
	ItemAddedToClosedContentModel:                    {both, "the reader adds a tuple item the writer's closed content model never wrote"},
	ItemRemovedFromOpenContentModel:                  {both, "the reader drops a tuple item; its open content model still accepts it"},
	ItemWithFalseRemovedFromClosedContentModel:       {both, "the reader drops a tuple item the writer forbade (false)"},
	ItemRemovedFromClosedContentModel:                {0, "the reader drops a tuple item the writer wrote, and its closed content model rejects it"},
	ItemRemovedIsCoveredByPartiallyOpenContentModel:  {both, "the reader drops a tuple item; its additional items still accept what the writer wrote"},
	ItemRemovedNotCoveredByPartiallyOpenContentModel: {0, "the reader drops a tuple item, and its additional items reject what the writer wrote"},
	ItemAddedIsCoveredByPartiallyOpenContentModel:    {both, "the reader adds a tuple item that accepts what the writer's additional items allowed"},
	ItemAddedNotCoveredByPartiallyOpenContentModel:   {0, "the reader adds a tuple item that rejects values the writer's additional items allowed"},

	EnumArrayExtended: {both, "the reader's enum (or const) allows more values than the writer's"},
	EnumArrayNarrowed: {0, "the reader's enum allows fewer values than the writer's"},
	EnumArrayChanged:  {0, "the enum (or const) values differ between writer and reader"},

	CombinedTypeExtended:          {both, "the reader's combination keyword (allOf/anyOf/oneOf) accepts more than the writer's"},
	CombinedTypeChanged:           {0, "the combination keyword (allOf/anyOf/oneOf) differs between writer and reader"},
	ProductTypeExtended:           {0, "the reader's allOf has more subschemas than the writer's"},
	ProductTypeNarrowed:           {both, "the reader keeps fewer of the writer's allOf constraints"},
	SumTypeExtended:               {both, "the reader's anyOf/oneOf accepts more alternatives than the writer's"},
	SumTypeNarrowed:               {0, "the reader's anyOf/oneOf has fewer alternatives than the writer's"},
	CombinedTypeSubschemasChanged: {0, "some of the writer's allOf/anyOf/oneOf subschemas have no compatible counterpart in the reader"},
	NotTypeExtended:               {0, "the reader's not excludes values the writer allowed"},
	NotTypeNarrowed:               {both, "the reader's not excludes fewer values than the writer's"},
}

// Compatible reports whether a change of this type keeps the update
// backward compatible under Confluent's default (strict) policy. Unknown
// types are incompatible.
func (t ChangeType) Compatible() bool { return rules[t].accepts&strict != 0 }

// CompatibleLenient is Compatible under Confluent's lenient policy.
func (t ChangeType) CompatibleLenient() bool { return rules[t].accepts&lenient != 0 }

// Description is a sentence explaining the change to a person.
func (t ChangeType) Description() string {
	if r, ok := rules[t]; ok {
		return r.text
	}
	return string(t)
}

// ChangeTypes lists every change type, sorted.
func ChangeTypes() []ChangeType {
	out := make([]ChangeType, 0, len(rules))
	for t := range rules {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
