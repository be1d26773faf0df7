package contracts

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

// EventType says what a stream's records mean (see ../shared/design.md).
type EventType string

// Event types.
const (
	State        EventType = "state"
	Delta        EventType = "delta"
	Notification EventType = "notification"
	Measurement  EventType = "measurement"
	Hybrid       EventType = "hybrid"
)

// EventTypes lists every event type.
var EventTypes = []EventType{State, Delta, Notification, Measurement, Hybrid}

// Visibility says who may consume a stream.
type Visibility string

// Visibilities.
const (
	Public  Visibility = "public"
	Private Visibility = "private"
)

// Strategy is the subject naming strategy of a stream's schemas.
type Strategy string

// Subject naming strategies, as Confluent serializers name them.
const (
	// TopicName: subjects <topic>-key and <topic>-value (the default).
	TopicName Strategy = "topic"
	// RecordName: subjects are the records' full names.
	RecordName Strategy = "record"
	// TopicRecordName: subjects are <topic>-<record full name>.
	TopicRecordName Strategy = "topic_record"
)

// LintErrors says what error-level lints do on registration.
type LintErrors string

// Lint policies.
const (
	LintBlock  LintErrors = "block"  // refuse the registration (the default)
	LintReport LintErrors = "report" // register and report them as warnings
)

// Stream is a topic and its contract.
type Stream struct {
	Name        string     `json:"name"`
	Owner       string     `json:"owner"`
	EventType   EventType  `json:"eventType"`
	Visibility  Visibility `json:"visibility"`
	Description string     `json:"description"`
	// Strategy names the subjects; with TopicName, KeySubject and
	// ValueSubjects are derived from Name, otherwise they are explicit.
	Strategy      Strategy `json:"subjectStrategy"`
	KeySubject    string   `json:"keySubject,omitempty"`
	ValueSubjects []string `json:"valueSubjects"`
	Tags          Tags     `json:"tags"`
	// Compatibility is the level set on the stream's subjects; "" leaves
	// the registry's inherited level.
	Compatibility compat.Level `json:"compatibility,omitempty"`
	LintErrors    LintErrors   `json:"lintErrors"`
	Consumers     []Consumer   `json:"consumers"`
	// Validation switches the validation hook's checks on its records.
	Validation Validation `json:"validation"`
	// ReviewRequired: registrations to the stream's subjects need an
	// approved proposal (package proposals); only admins, and the
	// registration an approval makes, may register directly. Default off.
	ReviewRequired bool      `json:"reviewRequired"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// SchemaIDMode says which versions of a subject a record's schema id may
// be for the validation hook.
type SchemaIDMode string

// Schema id check modes.
const (
	SchemaIDOff    SchemaIDMode = "off"    // no subject check
	SchemaIDAny    SchemaIDMode = "any"    // any version, soft-deleted ones included
	SchemaIDLive   SchemaIDMode = "live"   // a version that is not soft-deleted
	SchemaIDLatest SchemaIDMode = "latest" // the subject's latest live version
)

// Validation switches the validation hook's per-record checks of a
// stream. The zero value means "not set" and takes DefaultValidation, so
// Go callers that predate it keep every check on.
//
// Key and value checks are switched as Confluent's broker-side validation
// switches them (confluent.key.schema.validation, ...value...): keys are
// checked only when Key is on (opt-in: most producers send plain string
// keys), and then only once the stream's key subject has a schema; values
// are checked unless SkipValue (JSON "value": false). Null keys and
// tombstones always pass.
type Validation struct {
	SchemaID SchemaIDMode `json:"schemaId"`
	Payload  bool         `json:"payload"`
	Rules    bool         `json:"rules"`
	Producer bool         `json:"producer"`
	Key      bool         `json:"key"`
	// SkipValue is JSON "value": false. It is negative in Go so that the
	// zero value (and Validations written before the switch) checks values.
	SkipValue bool `json:"-"`
}

// validationJSON is Validation on the wire.
type validationJSON struct {
	SchemaID SchemaIDMode `json:"schemaId"`
	Payload  bool         `json:"payload"`
	Rules    bool         `json:"rules"`
	Producer bool         `json:"producer"`
	Key      bool         `json:"key"`
	Value    bool         `json:"value"`
}

// MarshalJSON writes the value switch as "value".
func (v Validation) MarshalJSON() ([]byte, error) {
	return json.Marshal(validationJSON{SchemaID: v.SchemaID, Payload: v.Payload, Rules: v.Rules, Producer: v.Producer, Key: v.Key, Value: !v.SkipValue})
}

// DefaultValidation turns every check on, accepting any registered
// version (records written before a soft delete stay valid), for values;
// key checks are opt-in.
var DefaultValidation = Validation{SchemaID: SchemaIDAny, Payload: true, Rules: true, Producer: true}

// UnmarshalJSON starts from DefaultValidation, so a document names only
// the checks it turns off: {"rules": false}.
func (v *Validation) UnmarshalJSON(b []byte) error {
	d := DefaultValidation
	p := validationJSON{SchemaID: d.SchemaID, Payload: d.Payload, Rules: d.Rules, Producer: d.Producer, Key: d.Key, Value: !d.SkipValue}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*v = Validation{SchemaID: p.SchemaID, Payload: p.Payload, Rules: p.Rules, Producer: p.Producer, Key: p.Key, SkipValue: !p.Value}
	return nil
}

func (v *Validation) normalize(stream string) error {
	if *v == (Validation{}) {
		*v = DefaultValidation
		return nil
	}
	switch v.SchemaID {
	case SchemaIDOff, SchemaIDAny, SchemaIDLive, SchemaIDLatest:
		return nil
	}
	return errorf(ErrInvalidStream, "validation.schemaId %q of stream %s is not off, any, live or latest", v.SchemaID, stream)
}

// Tags classify a stream.
type Tags struct {
	Domain string `json:"domain,omitempty"`
	// Entity is the business entity the stream is about (customer,
	// order): the notification lint looks for other sources of it.
	Entity string `json:"entity,omitempty"`
	// PII lists the fields holding personal data, as dotted field paths
	// (customer.email, lines.address.street).
	PII    []string `json:"pii,omitempty"`
	Labels []string `json:"labels,omitempty"`
}

// Consumer is a declared reader of a stream.
type Consumer struct {
	Principal string `json:"principal"`
	// Fields are the field paths it reads, when it says.
	Fields []string `json:"fields,omitempty"`
}

// Subjects lists the stream's subjects, key first.
func (s *Stream) Subjects() []string {
	out := make([]string, 0, 1+len(s.ValueSubjects))
	if s.KeySubject != "" {
		out = append(out, s.KeySubject)
	}
	return append(out, s.ValueSubjects...)
}

// Role is what a subject holds for its stream.
type Role string

// Subject roles.
const (
	RoleKey   Role = "key"
	RoleValue Role = "value"
)

// RoleOf returns the role of subject in the stream.
func (s *Stream) RoleOf(subject string) Role {
	if canonicalSubject(subject) == s.KeySubject {
		return RoleKey
	}
	return RoleValue
}

// Normalize fills defaults and derived subjects and checks the stream, as
// the Service does before every write.
func (s *Stream) Normalize() error {
	s.Name = strings.TrimSpace(s.Name)
	s.Owner = strings.TrimSpace(s.Owner)
	if !validStreamName(s.Name) {
		return errorf(ErrInvalidStream, "stream name %q is not a topic name: 1 to 249 bytes of UTF-8 without control characters, spaces, '/' or ':'", s.Name)
	}
	if err := s.checkSizes(); err != nil {
		return err
	}
	if s.Owner == "" {
		return errorf(ErrInvalidStream, "stream %s needs an owner: the one service principal that writes it", s.Name)
	}
	if !slices.Contains(EventTypes, s.EventType) {
		return errorf(ErrInvalidStream, "eventType %q is not one of state, delta, notification, measurement, hybrid", s.EventType)
	}
	if s.Visibility == "" {
		s.Visibility = Private
	}
	if s.Visibility != Public && s.Visibility != Private {
		return errorf(ErrInvalidStream, "visibility %q is not public or private", s.Visibility)
	}
	if s.LintErrors == "" {
		s.LintErrors = LintBlock
	}
	if s.LintErrors != LintBlock && s.LintErrors != LintReport {
		return errorf(ErrInvalidStream, "lintErrors %q is not block or report", s.LintErrors)
	}
	if s.Compatibility != "" {
		l, ok := compat.ParseLevel(string(s.Compatibility))
		if !ok {
			return errorf(ErrInvalidStream, "compatibility %q is not a compatibility level", s.Compatibility)
		}
		s.Compatibility = l
	}
	switch s.Strategy {
	case "", TopicName:
		s.Strategy = TopicName
		key, value := s.Name+"-key", s.Name+"-value"
		if (s.KeySubject != "" && canonicalSubject(s.KeySubject) != key) ||
			(len(s.ValueSubjects) > 0 && !slices.Equal(s.ValueSubjects, []string{value})) {
			return errorf(ErrInvalidStream, "with the topic name strategy stream %s's subjects are %s and %s; choose a record name strategy to name them otherwise", s.Name, key, value)
		}
		s.KeySubject, s.ValueSubjects = key, []string{value}
	case RecordName, TopicRecordName:
		if len(s.ValueSubjects) == 0 {
			return errorf(ErrInvalidStream, "with the %s strategy stream %s must list its value subjects", s.Strategy, s.Name)
		}
	default:
		return errorf(ErrInvalidStream, "subjectStrategy %q is not topic, record or topic_record", s.Strategy)
	}
	s.KeySubject = canonicalSubject(s.KeySubject)
	seen := map[string]bool{s.KeySubject: s.KeySubject != ""}
	for i, v := range s.ValueSubjects {
		v = canonicalSubject(v)
		if v == "" || seen[v] {
			return errorf(ErrInvalidStream, "value subject %q of stream %s is empty or listed twice", s.ValueSubjects[i], s.Name)
		}
		seen[v] = true
		s.ValueSubjects[i] = v
	}
	for _, c := range s.Consumers {
		if strings.TrimSpace(c.Principal) == "" {
			return errorf(ErrInvalidStream, "a consumer of stream %s has no principal", s.Name)
		}
	}
	if s.Consumers == nil {
		s.Consumers = []Consumer{}
	}
	return s.Validation.normalize(s.Name)
}

// canonicalSubject is the one spelling of a subject the index uses: a
// subject in the default context unqualified, others as ":.ctx:name".
func canonicalSubject(subject string) string {
	return registry.ParseName(strings.TrimSpace(subject)).String()
}
