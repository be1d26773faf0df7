package protobuf

// Schemas that exercise every construct the printers handle.

const richProto2 = `// leading comment
syntax = "proto2";
package acme.orders.v1;

import "google/protobuf/descriptor.proto";
import "google/protobuf/timestamp.proto";
import public "google/type/money.proto";

option java_package = "com.acme.orders";
option (file_tag) = "orders";
option optimize_for = SPEED;

extend google.protobuf.FileOptions {
  optional string file_tag = 50001;
}
extend google.protobuf.FieldOptions {
  optional Rule rule = 50002;
}
message Rule {
  optional int32 min = 1;
  optional int32 max = 2;
  repeated string tags = 3;
}

/* the order */
message Order {
  option deprecated = true;
  required string id = 1 [(rule) = {min: 1, max: 64 tags: "a" tags: "b"}];
  optional int32 quantity = 2 [default = 1, (rule).min = 0];
  optional double price = 3 [default = -inf];
  optional bytes blob = 4 [default = "a\001\"b"];
  optional Status status = 5 [default = ACTIVE];
  repeated int64 ids = 6 [packed = true];
  map<string, Line> lines = 7;
  optional group Extra = 8 {
    optional string note = 1;
  }
  message Line {
    optional string sku = 1 [json_name = "SKU"];
  }
  oneof payment {
    string card = 10;
    google.type.Money cash = 11;
  }
  optional google.protobuf.Timestamp created = 12;
  extensions 100 to 199, 1000 to 1999;
  reserved 20, 30 to 40, 2000 to max;
  reserved "old", "older";
  enum Status {
    option allow_alias = true;
    UNKNOWN = 0;
    ACTIVE = 1;
    LIVE = 1 [deprecated = true];
    reserved 5 to 9, 100 to max;
    reserved "GONE";
  }
}

extend Order {
  optional string ext_note = 100;
}

service Orders {
  option deprecated = false;
  rpc Get(Order) returns (Order);
  rpc Watch(stream Order) returns (stream Order) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }
}
`

const richProto3 = `syntax = "proto3";
package shop;
import "confluent/meta.proto";
import "google/type/date.proto";
message Item {
  option (confluent.message_meta) = { doc: "an item" params: [{key: "k" value: "v"}] };
  string name = 1 [(confluent.field_meta).doc = "name", json_name = "n"];
  optional int32 count = 2;
  repeated Item children = 3;
  google.type.Date made = 4;
  oneof kind { string a = 5; Sub b = 6; }
  message Sub { map<int32, string> m = 1; }
  enum E { E_UNSPECIFIED = 0; E_ONE = 1; }
  E e = 7;
}
message Other { Item.Sub s = 1; }
`

const richEditions = `edition = "2023";
package ed;
option features.field_presence = IMPLICIT;
message M {
  string s = 1 [features.field_presence = EXPLICIT];
  int32 r = 2 [features.field_presence = LEGACY_REQUIRED];
  N d = 3 [features.message_encoding = DELIMITED];
  repeated int32 p = 4 [features.repeated_field_encoding = EXPANDED];
  message N { int32 x = 1; }
  reserved foo, bar;
}
enum Closed { option features.enum_type = CLOSED; A = 0; B = 1; }
`

// groupsProto2 interleaves group bodies with ordinary nested messages: the
// printers must keep every message's index.
const groupsProto2 = `syntax = "proto2";
package e;
message A {
  message First {}
  optional group G1 = 1 { optional int32 x = 1; }
  message Mid {}
  oneof o { group G2 = 2 { optional int32 y = 1; } int32 z = 3; }
  extensions 10 to 20;
  extend A { optional group G3 = 11 { optional int32 w = 1; } }
  message Last {}
  map<string, Mid> m = 4;
}
extend A { optional group Top = 12 { optional int32 v = 1; } }
message B {}
`
