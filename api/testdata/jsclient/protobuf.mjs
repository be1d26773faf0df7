// Confluent's JS Protobuf serializer and deserializer against a running
// Accord (ACCORD_URL). Run by api/jsclient_test.go, which registers the
// text-form schemas of scenario "text" first and checks what this prints:
// one JSON line {scenario: {id, versions, decoded}}.
//
// Scenario "descriptor": the serializer auto-registers its schemas as the
// client sends them (base64 FileDescriptorProtos: acme/money.proto as a
// reference of the value schema). Scenario "text": the schemas were
// registered as .proto text; the serializer looks its descriptor up
// (auto-registration off), then registers it again (on): both must find
// the text-registered version. In both, a fresh deserializer fetches the
// writer schema with ?format=serialized and decodes the record.
import { create, createFileRegistry, fromBinary, toJson } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  ProtobufDeserializer,
  ProtobufSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";

const url = process.env.ACCORD_URL;
if (!url) throw new Error("ACCORD_URL is not set");

// field types and labels of descriptor.proto
const T_INT32 = 5, T_STRING = 9, T_MESSAGE = 11, T_ENUM = 14;
const L_OPTIONAL = 1, L_REPEATED = 3;

function field(name, number, type, extra = {}) {
  return { name, number, type, label: L_OPTIONAL, jsonName: name.replace(/_(\w)/g, (_, c) => c.toUpperCase()), ...extra };
}

// files builds two files as a protoc plugin would embed them: pkg/<dep>
// with a Money-like message, and pkg/<main> importing it.
function files(pkg, depFile, depMsg, mainFile, mainMsg) {
  const dep = create(FileDescriptorProtoSchema, {
    name: depFile,
    package: pkg,
    syntax: "proto3",
    messageType: [{ name: depMsg, field: [field("units", 1, T_INT32), field("currency", 2, T_STRING)] }],
  });
  const main = create(FileDescriptorProtoSchema, {
    name: mainFile,
    package: pkg,
    syntax: "proto3",
    dependency: [depFile, "google/protobuf/timestamp.proto"],
    messageType: [{
      name: mainMsg,
      field: [
        field("id", 1, T_STRING),
        field("total", 2, T_MESSAGE, { typeName: `.${pkg}.${depMsg}` }),
        field("lines", 3, T_MESSAGE, { typeName: `.${pkg}.${mainMsg}.Line`, label: L_REPEATED }),
        field("status", 4, T_ENUM, { typeName: `.${pkg}.Status` }),
        field("at", 5, T_MESSAGE, { typeName: ".google.protobuf.Timestamp" }),
      ],
      nestedType: [{ name: "Line", field: [field("sku", 1, T_STRING), field("qty", 2, T_INT32)] }],
    }],
    enumType: [{ name: "Status", value: [{ name: "STATUS_UNSPECIFIED", number: 0 }, { name: "STATUS_OPEN", number: 1 }] }],
  });
  return [dep, main];
}

async function wkt() {
  const { file_google_protobuf_timestamp } = await import("@bufbuild/protobuf/wkt");
  return file_google_protobuf_timestamp;
}

async function scenario(name, topic, pkg, depFile, depMsg, mainFile, mainMsg, autoRegister) {
  const ts = await wkt();
  const [dep, main] = files(pkg, depFile, depMsg, mainFile, mainMsg);
  const registry = createFileRegistry(main, (n) => (n === depFile ? dep : n === ts.name + ".proto" ? ts.proto : undefined));
  const msgDesc = registry.getMessage(`${pkg}.${mainMsg}`);
  const depDesc = registry.getMessage(`${pkg}.${depMsg}`);
  const lineDesc = registry.getMessage(`${pkg}.${mainMsg}.Line`);
  const tsDesc = registry.getMessage("google.protobuf.Timestamp");
  const msg = create(msgDesc, {
    id: "o-1",
    total: create(depDesc, { units: 1250, currency: "EUR" }),
    lines: [create(lineDesc, { sku: "A-1", qty: 2 }), create(lineDesc, { sku: "B-2", qty: 1 })],
    status: 1,
    at: create(tsDesc, { seconds: 1700000000n, nanos: 5 }),
  });

  const ids = [];
  for (const auto of autoRegister) {
    const client = new SchemaRegistryClient({ baseURLs: [url] });
    const ser = new ProtobufSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: auto, registry });
    const bytes = await ser.serialize(topic, msg);
    if (bytes[0] !== 0) throw new Error(`${name}: no magic byte: ${bytes.subarray(0, 8).toString("hex")}`);
    ids.push(bytes.readInt32BE(1));
    var payload = bytes;
  }

  // A fresh client: nothing cached, the writer schema comes from the registry.
  const client = new SchemaRegistryClient({ baseURLs: [url] });
  const des = new ProtobufDeserializer(client, SerdeType.VALUE, {});
  const got = await des.deserialize(topic, payload);
  const schema = des.fileRegistry.getMessage(got.$typeName);
  return { ids, typeName: got.$typeName, decoded: toJson(schema, got) };
}

// The client's other reads serializers rely on: the latest version with
// given metadata (use.latest.with.metadata) and a schema by GUID (the
// header-based schema id), asked for as a descriptor.
async function lookups() {
  const client = new SchemaRegistryClient({ baseURLs: [url] });
  const meta = await client.getLatestWithMetadata("meta-value", { owner: "team-a" });
  const latest = await client.getLatestSchemaMetadata("carts-text-value");
  const byGuid = await client.getByGuid(latest.guid, "serialized");
  const fd = fromBinary(FileDescriptorProtoSchema, Buffer.from(byGuid.schema, "base64"));
  return { metaVersion: meta.version, metaId: meta.id, guid: latest.guid, guidMessages: fd.messageType.map((m) => m.name) };
}

const out = {};
out.descriptor = await scenario("descriptor", "orders-js", "acme", "acme/money.proto", "Money", "acme/order.proto", "Order", [true, false]);
out.text = await scenario("text", "carts-text", "shop", "shop/price.proto", "Price", "shop/cart.proto", "Cart", [false, true]);
out.lookups = await lookups();
console.log(JSON.stringify(out));
