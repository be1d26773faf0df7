// Package validator checks Kafka records against their streams' contracts
// in-process, at memory speed: the server's validation hook
// (POST /v1/validate) and the Kafka proxy (package contracts/proxy) call
// the same Validator.
//
// Per record, each switchable per stream (Checks; key checks are opt-in,
// value checks on unless skipped, null keys and tombstones always pass):
//
//  1. frame and schema id: the key and value carry the Confluent framing
//     (package wire), or name their schema by GUID in a __key_schema_id /
//     __value_schema_id header over a bare payload (Sources that
//     implement GUIDSource), and the schema is registered under the
//     subject the stream's strategy gives (any version, a live one, or the
//     latest);
//  2. payload: the payload decodes fully against that schema (Avro,
//     the Protobuf message the indexes name, JSON Schema) with nothing
//     left over;
//  3. rules: the CONDITION rules of the schema's ruleSet.domainRules of
//     type CEL (on the whole message) and CEL_FIELD (on each field) pass;
//  4. producer: the producing principal is the stream's owner.
//
// A Validator reads through a Source: HTTPSource (an Accord server's REST
// API, for embedding in a proxy or a broker plug-in) or the server's own
// (api.LocalSource, over the registry and the contracts snapshot of its
// process). The package imports no registry, contracts service or
// database driver, so a program embedding it links none
// (TestEmbeddingLinksNoDatabase). Parsed schemas and compiled CEL
// programs are cached by id forever, since ids are immutable, and a
// GUID's id once found; which subject versions use an id, and each
// subject's latest version, are cached for Options.Refresh and re-read
// once before a record is rejected on them; stream policies are polled
// (Run), and re-read at once when a Generationer Source says they changed.
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
// Verdict, Failure), source.go (Source, what it returns, ResolveDeps),
// schemas.go (the schema cache), rules.go (CEL), fields.go (CEL_FIELD
// plans and activations), avromsg.go (the lazily-read Avro record CEL
// sees), limits.go (the bounds and the registry's RuleChecker), http.go
// (HTTPSource).
package validator
