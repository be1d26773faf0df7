"""Confluent's Python Protobuf serializer and deserializer against a running
Accord (ACCORD_URL), run by api/pyclient_test.go with Debian's
python3-confluent-kafka (1.7) and python3-protobuf.

Scenario "descriptor": the serializer registers its file (and its imports)
as base64 FileDescriptorProtos. Scenario "text": the test registered the
same schemas as .proto text first; the serializer with auto-registration
off looks its descriptor up and must find them. The message classes are
built at run time from FileDescriptorProtos (no protoc needed). They import
no well-known type: this client version registers every import, well-known
ones included, as a reference subject (google/protobuf/timestamp.proto), so
its lookup of a schema registered as text with a built-in import finds no
version with the same references (Confluent answers that lookup 40403 too;
newer clients skip built-ins). Prints one
JSON line: {scenario: {"ids": [...], "decoded": {...}}}.
"""
import json
import os

from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf import message_factory

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL = os.environ["ACCORD_URL"]
F = descriptor_pb2.FieldDescriptorProto


def build(pkg, dep_file, dep_msg, main_file, main_msg):
    pool = descriptor_pool.DescriptorPool()
    dep = descriptor_pb2.FileDescriptorProto(name=dep_file, package=pkg, syntax="proto3")
    m = dep.message_type.add(name=dep_msg)
    m.field.add(name="units", number=1, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, json_name="units")
    m.field.add(name="currency", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="currency")
    pool.Add(dep)
    main = descriptor_pb2.FileDescriptorProto(name=main_file, package=pkg, syntax="proto3", dependency=[dep_file])
    o = main.message_type.add(name=main_msg)
    o.field.add(name="id", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="id")
    o.field.add(name="total", number=2, type=F.TYPE_MESSAGE, type_name="." + pkg + "." + dep_msg,
                label=F.LABEL_OPTIONAL, json_name="total")
    o.field.add(name="lines", number=3, type=F.TYPE_MESSAGE, type_name="." + pkg + "." + main_msg + ".Line",
                label=F.LABEL_REPEATED, json_name="lines")
    o.field.add(name="status", number=4, type=F.TYPE_ENUM, type_name="." + pkg + ".Status",
                label=F.LABEL_OPTIONAL, json_name="status")
    line = o.nested_type.add(name="Line")
    line.field.add(name="sku", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="sku")
    line.field.add(name="qty", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, json_name="qty")
    e = main.enum_type.add(name="Status")
    e.value.add(name="STATUS_UNSPECIFIED", number=0)
    e.value.add(name="STATUS_OPEN", number=1)
    pool.Add(main)
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(pkg + "." + main_msg))


def scenario(topic, cls, auto_register):
    msg = cls(id="o-1", status=1)
    msg.total.units, msg.total.currency = 1250, "EUR"
    msg.lines.add(sku="A-1", qty=2)
    msg.lines.add(sku="B-2", qty=1)
    ctx = SerializationContext(topic, MessageField.VALUE)
    ids = []
    for auto in auto_register:
        client = SchemaRegistryClient({"url": URL})
        ser = ProtobufSerializer(cls, client, {"auto.register.schemas": auto})
        payload = ser(msg, ctx)
        assert payload[0] == 0, payload[:8]
        ids.append(int.from_bytes(payload[1:5], "big"))
    got = ProtobufDeserializer(cls)(payload, ctx)
    return {"ids": ids, "decoded": json.loads(json_format.MessageToJson(got))}


out = {
    "descriptor": scenario("orders-py", build("pyacme", "pyacme/money.proto", "Money", "pyacme/order.proto", "Order"), [True, False]),
    "text": scenario("carts-py", build("pyshop", "pyshop/price.proto", "Price", "pyshop/cart.proto", "Cart"), [False, True]),
}
print(json.dumps(out))
