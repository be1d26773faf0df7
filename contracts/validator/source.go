package validator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts/wire"
)

// ErrNotFound is returned (wrapped) by a Source for a schema, subject or
// version that does not exist.
var ErrNotFound = errors.New("not found")

// Source is where a Validator reads schemas and stream policies. Sources
// need not cache: the Validator does.
type Source interface {
	// Schema returns the schema with id with its references resolved. A
	// schema never changes, so the Validator asks once per id.
	Schema(ctx context.Context, id int) (SchemaDoc, error)
	// Usages lists the subject versions that use schema id, soft-deleted
	// ones included and marked.
	Usages(ctx context.Context, id int) ([]Usage, error)
	// Latest returns the latest live version of subject.
	Latest(ctx context.Context, subject string) (Usage, error)
	// Streams returns the policy of every stream.
	Streams(ctx context.Context) ([]Policy, error)
}

// GUIDSource is implemented by Sources that find schemas by GUID, for
// records that name their schema in a __key_schema_id / __value_schema_id
// header (Confluent's header serializer) instead of a payload prefix.
// SchemaByGUID returns the schema with its ID set (the subject checks go
// by id); an unknown GUID is ErrNotFound. Without it such records fail
// the schema_id check.
type GUIDSource interface {
	SchemaByGUID(ctx context.Context, guid string) (SchemaDoc, error)
}

// Generationer is implemented by Sources that can say cheaply when stream
// policies changed: a Validator rereads them when Generation differs from
// its last read, instead of waiting for Options.Refresh.
type Generationer interface {
	Generation() uint64
}

// SchemaDoc is a stored schema as a Validator needs it.
type SchemaDoc struct {
	ID     int
	Type   string // AVRO, PROTOBUF or JSON
	Schema string
	// Deps are the resolved references, in dependency order.
	Deps []compat.Dependency
	// RuleSet is the Confluent ruleSet document, nil when none.
	RuleSet json.RawMessage
	// Metadata is the Confluent metadata document, nil when none: its
	// tags say which fields tag-restricted CEL_FIELD rules apply to.
	Metadata json.RawMessage
}

// Usage is a subject version and the schema it holds.
type Usage struct {
	Subject  string
	Version  int
	SchemaID int
	Deleted  bool
}

// Policy is what a Validator checks a stream's records against.
type Policy struct {
	// Stream is the stream's name, which is its topic.
	Stream   string
	Owner    string
	Strategy wire.Strategy
	// KeySubject is "" when the stream's keys are not framed.
	KeySubject    string
	ValueSubjects []string
	Checks        Checks
}

// IDMode says which versions of a subject a record's schema id may be.
type IDMode string

// Schema id modes.
const (
	// IDOff skips the subject check (the id must still exist when the
	// payload or rules are checked).
	IDOff IDMode = "off"
	// IDAny accepts any version of the subject, soft-deleted ones
	// included: records written before a deletion stay valid.
	IDAny IDMode = "any"
	// IDRegistered is IDAny's earlier name.
	IDRegistered = IDAny
	// IDLive accepts versions that are not soft-deleted.
	IDLive IDMode = "live"
	// IDLatest accepts only the subject's latest live version.
	IDLatest IDMode = "latest"
)

// Checks switches a stream's checks. The frame is always checked when a
// schema id, payload or rules check is on.
//
// Key turns key checks on (opt-in, as Confluent's broker-side
// confluent.key.schema.validation): then a key is checked once the key
// subject has a schema. SkipValue turns value checks off; it is negative
// so that Checks written before it still check values. Null keys and
// tombstones always pass.
type Checks struct {
	SchemaID  IDMode `json:"schemaId"`
	Payload   bool   `json:"payload"`
	Rules     bool   `json:"rules"`
	Producer  bool   `json:"producer"`
	Key       bool   `json:"key"`
	SkipValue bool   `json:"skipValue,omitempty"`
}

// DefaultChecks turns every value check on, accepting any registered
// version; keys are not checked (as contracts.DefaultValidation).
var DefaultChecks = Checks{SchemaID: IDAny, Payload: true, Rules: true, Producer: true}

// frames reports whether the key and value must be framed.
func (c Checks) frames() bool {
	return c.SchemaID != IDOff && c.SchemaID != "" || c.Payload || c.Rules
}

// Reference is a schema reference as the registry's REST API spells it.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// FetchVersion reads one subject version for ResolveDeps: its type, text
// and references; a missing one is ErrNotFound (wrapped).
type FetchVersion func(ctx context.Context, subject string, version int) (typ, schema string, refs []Reference, err error)

// maxRefDepth bounds how deep references may nest (the registry's bound).
const maxRefDepth = 32

// ResolveDeps turns references into parser dependencies, transitively and
// in dependency order, as the registry does when it parses. Sources call
// it from Schema.
func ResolveDeps(ctx context.Context, refs []Reference, fetch FetchVersion) ([]compat.Dependency, error) {
	var deps []compat.Dependency
	done := map[string]bool{}
	var visit func(refs []Reference, depth int) error
	visit = func(refs []Reference, depth int) error {
		if depth > maxRefDepth {
			return compat.InvalidSchemaf("references nest more than %d deep", maxRefDepth)
		}
		for _, ref := range refs {
			key := fmt.Sprintf("%s\x00%d\x00%s", ref.Subject, ref.Version, ref.Name)
			if done[key] {
				continue
			}
			done[key] = true
			typ, text, more, err := fetch(ctx, ref.Subject, ref.Version)
			if err != nil {
				return fmt.Errorf("resolving reference %q (subject %s version %d): %w", ref.Name, ref.Subject, ref.Version, err)
			}
			if err := visit(more, depth+1); err != nil {
				return err
			}
			deps = append(deps, compat.Dependency{Name: ref.Name, Type: typ, Schema: text})
		}
		return nil
	}
	if err := visit(refs, 0); err != nil {
		return nil, err
	}
	return deps, nil
}
