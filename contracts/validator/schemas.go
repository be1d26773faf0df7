package validator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	hamba "github.com/hamba/avro/v2"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts/wire"
)

// schemaEntry is a schema parsed for validation, cached by id forever
// (ids are immutable). A failed read is cached too, as err, and read
// again after Options.Recheck.
type schemaEntry struct {
	id    int
	typ   string
	avro  *avro.Schema
	proto *protobuf.Schema
	json  *jsonschema.Schema
	doc   SchemaDoc

	err error     // the schema could not be read or parsed
	at  time.Time // when err was seen

	rulesOnce sync.Once
	rules     *ruleSet // nil: no rules that apply on write

	// lazy: the rules read an Avro record through avroMsg, validated and
	// indexed in one pass and decoded field by field (set with the rules).
	lazy bool
	// subject is the last subject name worked out for this schema: a
	// topic's records mostly name one schema, and building the name
	// allocates.
	subject atomic.Pointer[subjectMemo]

	// fast decodes Avro for rules straight with hamba after Validate (set
	// with the rules; nil: compat/avro.Decode, which validates again).
	fast *hambaFast
}

// hambaFast is the schema parsed by hamba from its own text, and an API
// without hamba's 1 MiB cap (Validate bounds lengths by the payload).
type hambaFast struct {
	schema hamba.Schema
	api    hamba.API
	// rec is schema as a record (nil when it is not one), for the lazy
	// path's avro.Record.UseHamba.
	rec *hamba.RecordSchema
}

var hambaAPI = hamba.Config{MaxByteSliceSize: -1}.Freeze()

// schema returns the entry for id.
func (v *Validator) schema(ctx context.Context, id int, now time.Time) *schemaEntry {
	if e, ok := v.schemas.Load(id); ok {
		se := e.(*schemaEntry)
		if se.err == nil || now.Sub(se.at) < v.opts.Recheck {
			return se
		}
	}
	se := v.loadSchema(ctx, id)
	if se.err != nil && !errors.Is(se.err, ErrNotFound) && !errors.Is(se.err, compat.ErrInvalidSchema) {
		// An outage is not remembered: the next record asks again.
		return se
	}
	v.schemas.Store(id, se)
	return se
}

func (v *Validator) loadSchema(ctx context.Context, id int) *schemaEntry {
	se := &schemaEntry{id: id, at: v.now()}
	doc, err := v.src.Schema(ctx, id)
	if err != nil {
		se.err = fmt.Errorf("reading schema %d: %w", id, err)
		return se
	}
	se.doc, se.typ = doc, doc.Type
	switch doc.Type {
	case compat.TypeAvro, "":
		se.typ = compat.TypeAvro
		se.avro, err = avro.Parse(doc.Schema, doc.Deps)
	case compat.TypeProtobuf:
		se.proto, err = protobuf.Parse(doc.Schema, doc.Deps)
	case compat.TypeJSON:
		se.json, err = jsonschema.Parse(doc.Schema, doc.Deps)
	default:
		err = compat.InvalidSchemaf("schema type %q is not AVRO, PROTOBUF or JSON", doc.Type)
	}
	if err != nil {
		se.err = fmt.Errorf("parsing schema %d: %w", id, err)
	}
	return se
}

// subjectMemo is one answer of wire.SubjectName.
type subjectMemo struct {
	strategy    wire.Strategy
	topic, name string
	key         bool
	subject     string
	err         error
}

// subjectName is wire.SubjectName, remembering its last answer.
func (se *schemaEntry) subjectName(st wire.Strategy, topic string, key bool, name string) (string, error) {
	if m := se.subject.Load(); m != nil && m.strategy == st && m.key == key && m.topic == topic && m.name == name {
		return m.subject, m.err
	}
	subject, err := wire.SubjectName(st, topic, key, name)
	se.subject.Store(&subjectMemo{strategy: st, topic: topic, name: name, key: key, subject: subject, err: err})
	return subject, err
}

// recordName is the fully-qualified name the record-name strategies read:
// the Avro named type, the Protobuf message, the JSON Schema title.
func (se *schemaEntry) recordName(md protoreflect.MessageDescriptor) string {
	switch {
	case se.avro != nil:
		return se.avro.Root()
	case md != nil:
		return string(md.FullName())
	case se.json != nil:
		return se.json.Root()
	}
	return ""
}

// validate checks the payload against the schema without building values.
func (se *schemaEntry) validate(idx []int, payload []byte) error {
	switch {
	case se.avro != nil:
		return se.avro.Validate(payload)
	case se.proto != nil:
		return se.proto.Validate(idx, payload)
	default:
		return se.json.Validate(payload)
	}
}

// decode checks the payload and returns the message the rules read.
func (se *schemaEntry) decode(idx []int, payload []byte) (any, error) {
	switch {
	case se.avro != nil && se.fast != nil:
		// Validated first, so hamba only ever sees a well-formed datum.
		if err := se.avro.Validate(payload); err != nil {
			return nil, err
		}
		var v any
		if err := se.fast.api.Unmarshal(se.fast.schema, payload, &v); err != nil {
			return nil, fmt.Errorf("%w: %v", avro.ErrInvalidPayload, err)
		}
		return v, nil
	case se.avro != nil:
		return se.avro.Decode(payload)
	case se.proto != nil:
		m, err := se.proto.Decode(idx, payload)
		if err != nil {
			return nil, err
		}
		return m, nil
	default:
		return se.json.Decode(payload)
	}
}

// fieldRoot is where CEL_FIELD full names start, as in Confluent's
// executors: the Avro record's or the Protobuf message's full name, "$"
// for JSON.
func (se *schemaEntry) fieldRoot(msg any) string {
	switch {
	case se.avro != nil:
		return se.avro.Root()
	case se.proto != nil:
		if m, ok := msg.(proto.Message); ok {
			return string(m.ProtoReflect().Descriptor().FullName())
		}
		return ""
	}
	return "$"
}

// recordOf is s as a record schema, nil when it is not one.
func recordOf(s hamba.Schema) *hamba.RecordSchema {
	rs, _ := deref(s).(*hamba.RecordSchema)
	return rs
}
