// Package validator checks Kafka records against their streams' contracts
// in-process, at memory speed: the broker-side validation hook
// (POST /v1/validate) and, later, the Kafka proxy call the same Validator.
//
// Per record, each switchable per stream (Checks):
//
//  1. frame and schema id: the key and value carry the Confluent framing
//     (package wire) and name a schema registered under the subject the
//     stream's strategy gives (any version, a live one, or the latest);
//  2. payload: the payload decodes fully against that schema (Avro,
//     the Protobuf message the indexes name, JSON Schema) with nothing
//     left over;
//  3. rules: the CONDITION rules of the schema's ruleSet.domainRules of
//     type CEL (on the whole message) and CEL_FIELD (on each field) pass;
//  4. producer: the producing principal is the stream's owner.
//
// A Validator reads through a Source: LocalSource (the registry and the
// contracts service of this process, used by the server) or HTTPSource (an
// Accord server's REST API, for embedding in a proxy or a broker plug-in).
// Parsed schemas and compiled CEL programs are cached by id forever, since
// ids are immutable; which subject versions use an id, and each subject's
// latest version, are cached for Options.Refresh and re-read once before a
// record is rejected on them; stream policies are polled (Run).
//
// With rules on an Avro record, the payload is checked and indexed in one
// pass (compat/avro's ValidateRecord) and CEL reads the record through a
// map view that decodes only the fields an expression reads (avroMsg), so
// a rule costs about what it reads rather than a decoded map. Fields are
// decoded with the hamba parse of the schema that CEL_FIELD plans are
// built from (avro.Record.UseHamba), so values, union branch names
// included, read as they do in the decoded map. ValidateInto
// checks a batch, sharing one clock reading and the answers that let a
// record pass among records of the same topic and schema.
//
// Files: validator.go (Validator, Options, the checks), record.go (Record,
// Verdict, Failure), source.go (Source and what it returns), schemas.go
// (the schema cache), rules.go (CEL), fields.go (CEL_FIELD plans and
// activations), avromsg.go (the lazily-read Avro record CEL sees),
// local.go (LocalSource), http.go (HTTPSource).
package validator
