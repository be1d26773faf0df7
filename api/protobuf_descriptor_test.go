package api_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/protobuf"
)

// descriptorOf returns text as Confluent's JS and Python serializers send
// it: the compiled FileDescriptorProto, base64-encoded.
func descriptorOf(t *testing.T, text, fileName string, deps ...compat.Dependency) string {
	t.Helper()
	s, err := protobuf.Parse(text, deps)
	if err != nil {
		t.Fatal(err)
	}
	fd := protodesc.ToFileDescriptorProto(s.File())
	fd.Name = proto.String(fileName)
	b, err := proto.Marshal(fd)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// decodeSerialized checks that s is a base64 FileDescriptorProto and
// returns it.
func decodeSerialized(t *testing.T, what, s string) *descriptorpb.FileDescriptorProto {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: %q is not base64: %v", what, s, err)
	}
	fd := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(b, fd); err != nil {
		t.Fatalf("%s: not a FileDescriptorProto: %v", what, err)
	}
	return fd
}

func TestProtobufDescriptors(t *testing.T) {
	const (
		money = `syntax = "proto3"; package acme; message Money { int64 units = 1; string currency = 2; }`
		order = `syntax = "proto3";
package acme;
import "acme/money.proto";
option java_package = "com.acme";
message Order { string id = 1; Money total = 2; optional string note = 3; }`
		orderV2 = `syntax = "proto3";
package acme;
import "acme/money.proto";
option java_package = "com.acme";
message Order { string id = 1; Money total = 2; optional string note = 3; int32 qty = 4; }`
	)
	moneyDep := compat.Dependency{Name: "acme/money.proto", Type: compat.TypeProtobuf, Schema: money}
	refs := []sr.SchemaReference{{Name: "acme/money.proto", Subject: "acme/money.proto", Version: 1}}
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		// The reference registered as a descriptor, the referrer as text.
		m, err := cl.CreateSchema(bg, "acme/money.proto", sr.Schema{Type: sr.TypeProtobuf, Schema: descriptorOf(t, money, "acme/money.proto")})
		must(t, "registering a descriptor", err)
		if !strings.Contains(m.Schema.Schema, "message Money") {
			t.Errorf("a descriptor is served as %q, want .proto text", m.Schema.Schema)
		}
		// The text spelling of the descriptor-registered schema is the same
		// schema: lookup and re-registration find version 1.
		got, err := cl.LookupSchema(bg, "acme/money.proto", sr.Schema{Type: sr.TypeProtobuf, Schema: money})
		must(t, "text lookup of a descriptor-registered schema", err)
		if got.ID != m.ID || got.Version != 1 {
			t.Errorf("text lookup = id %d version %d, want id %d version 1", got.ID, got.Version, m.ID)
		}
		again, err := cl.CreateSchema(bg, "acme/money.proto", sr.Schema{Type: sr.TypeProtobuf, Schema: money})
		must(t, "text registration of a descriptor-registered schema", err)
		if again.ID != m.ID || again.Version != 1 {
			t.Errorf("text re-registration = id %d version %d, want id %d version 1", again.ID, again.Version, m.ID)
		}

		o, err := cl.CreateSchema(bg, "orders-value", sr.Schema{Type: sr.TypeProtobuf, Schema: order, References: refs})
		must(t, "registering text", err)
		desc := descriptorOf(t, order, "acme/order.proto", moneyDep)
		got, err = cl.LookupSchema(bg, "orders-value", sr.Schema{Type: sr.TypeProtobuf, Schema: desc, References: refs})
		must(t, "descriptor lookup of a text-registered schema", err)
		if got.ID != o.ID || got.Version != 1 {
			t.Errorf("descriptor lookup = id %d version %d, want id %d version 1", got.ID, got.Version, o.ID)
		}
		again, err = cl.CreateSchema(bg, "orders-value", sr.Schema{Type: sr.TypeProtobuf, Schema: desc, References: refs})
		must(t, "descriptor registration of a text-registered schema", err)
		if again.ID != o.ID || again.Version != 1 {
			t.Errorf("descriptor re-registration = id %d version %d, want id %d version 1", again.ID, again.Version, o.ID)
		}
		// Compatibility takes descriptors too.
		res, err := cl.CheckCompatibility(bg, "orders-value", -1, sr.Schema{Type: sr.TypeProtobuf, Schema: descriptorOf(t, orderV2, "acme/order.proto", moneyDep), References: refs})
		must(t, "compatibility of a descriptor", err)
		if !res.Is {
			t.Errorf("adding a field is incompatible: %+v", res)
		}

		// ?format=serialized on every endpoint that returns a schema.
		ser := sr.WithParams(bg, sr.Format("serialized"))
		check := func(what, schema string, wantMsg string) {
			t.Helper()
			fd := decodeSerialized(t, what, schema)
			if len(fd.GetMessageType()) != 1 || fd.GetMessageType()[0].GetName() != wantMsg {
				t.Errorf("%s: descriptor declares %v, want %s", what, fd.GetMessageType(), wantMsg)
			}
			if wantMsg == "Order" && (len(fd.GetDependency()) != 1 || fd.GetDependency()[0] != "acme/money.proto") {
				t.Errorf("%s: descriptor imports %v, want the reference's name", what, fd.GetDependency())
			}
		}
		byID, err := cl.SchemaByID(ser, o.ID)
		must(t, "GET /schemas/ids/{id}?format=serialized", err)
		check("GET /schemas/ids/{id}", byID.Schema, "Order")
		text, err := cl.SchemaTextByID(ser, o.ID)
		must(t, "GET /schemas/ids/{id}/schema?format=serialized", err)
		check("GET /schemas/ids/{id}/schema", text, "Order")
		v, err := cl.SchemaByVersion(ser, "orders-value", 1)
		must(t, "GET /subjects/{s}/versions/1?format=serialized", err)
		check("GET /subjects/{s}/versions/1", v.Schema.Schema, "Order")
		text, err = cl.SchemaTextByVersion(ser, "acme/money.proto", -1)
		must(t, "GET /subjects/{s}/versions/latest/schema?format=serialized", err)
		check("GET /subjects/{s}/versions/latest/schema", text, "Money")
		l, err := cl.LookupSchema(ser, "orders-value", sr.Schema{Type: sr.TypeProtobuf, Schema: order, References: refs})
		must(t, "POST /subjects/{s}?format=serialized", err)
		check("POST /subjects/{s}", l.Schema.Schema, "Order")
		var reg struct{ Schema string }
		s.ok("POST", "/subjects/orders-value/versions?format=serialized", schemaBody(order, "schemaType", "PROTOBUF", "references", refs), &reg)
		check("POST /subjects/{s}/versions", reg.Schema, "Order")
		// Without format, and with default or an unknown format, the text.
		for _, f := range []string{"", "default", "some-future-format"} {
			var b struct{ Schema string }
			s.ok("GET", "/schemas/ids/"+itoa(o.ID)+"?format="+url.QueryEscape(f), nil, &b)
			if !strings.HasPrefix(b.Schema, "syntax = ") {
				t.Errorf("format=%q: schema %q, want .proto text", f, b.Schema)
			}
		}
		// The cached default answer is not polluted by a formatted one.
		byID, err = cl.SchemaByID(bg, o.ID)
		must(t, "GET /schemas/ids/{id}", err)
		if !strings.HasPrefix(byID.Schema, "syntax = ") {
			t.Errorf("after format=serialized, the plain answer is %q", byID.Schema)
		}

		// A descriptor that does not link (its import has no reference)
		// is an invalid schema, not a server error.
		r := s.do("POST", "/subjects/bad-value/versions", schemaBody(descriptorOf(t, order, "acme/order.proto", moneyDep), "schemaType", "PROTOBUF"))
		wantError(t, "descriptor without its reference", r, 422, 42201)
	})
}
