package api_test

// Confluent's JS Schema Registry client (@confluentinc/schemaregistry from
// npm) against a running Accord: its Protobuf serializer sends schemas as
// base64 FileDescriptorProtos and its deserializer asks for them back with
// ?format=serialized. The script is api/testdata/jsclient/protobuf.mjs; it
// needs node and `npm ci --prefix api/testdata/jsclient` (.ci/run does
// both). Without them the test is skipped locally and fails in CI (CI set).

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/api"
)

// jsClient returns the node binary and the script folder, or skips (fails
// under CI) when either is missing.
func jsClient(t *testing.T) (node, dir string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "jsclient"))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	node, err = exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@confluentinc", "schemaregistry", "package.json")); err != nil {
		missing = append(missing, "api/testdata/jsclient/node_modules (npm ci --prefix api/testdata/jsclient)")
	}
	if len(missing) > 0 {
		msg := "the JS client test needs " + strings.Join(missing, ", ") + "; .ci/run installs them"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node, dir
}

// The text-form schemas of the script's "text" scenario, as a person
// writes them (relative names, comments, another layout).
const (
	priceProto = `syntax = "proto3";
package shop;
// what a cart costs
message Price { int32 units = 1; string currency = 2; }
`
	cartProto = `syntax = "proto3";
package shop;
import "shop/price.proto";
import "google/protobuf/timestamp.proto";
message Cart {
  string id = 1;
  Price total = 2;
  repeated Line lines = 3;
  Status status = 4;
  google.protobuf.Timestamp at = 5;
  message Line { string sku = 1; int32 qty = 2; }
}
enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; }
`
)

func TestJSClientProtobufRoundTrip(t *testing.T) {
	node, dir := jsClient(t)
	s := startServer(t, t.TempDir(), api.Options{})
	cl := s.Client

	price, err := cl.CreateSchema(bg, "shop/price.proto", sr.Schema{Schema: priceProto, Type: sr.TypeProtobuf})
	must(t, "registering shop/price.proto as text", err)
	cart, err := cl.CreateSchema(bg, "carts-text-value", sr.Schema{Schema: cartProto, Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "shop/price.proto", Subject: "shop/price.proto", Version: price.Version}}})
	must(t, "registering carts-text-value as text", err)

	// For the client's metadata lookup: version 2 of meta-value carries
	// owner=team-a, version 3 another owner.
	meta := func(owner string) map[string]any {
		return map[string]any{"properties": map[string]string{"owner": owner}}
	}
	s.register("meta-value", schemaBody(avroRecord("M", `{"name":"a","type":"int"}`), "metadata", meta("team-b")))
	metaID, _ := s.register("meta-value", schemaBody(avroRecord("M", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`), "metadata", meta("team-a")))
	s.register("meta-value", schemaBody(avroRecord("M", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`, `{"name":"c","type":"int","default":0}`), "metadata", meta("team-c")))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "protobuf.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ACCORD_URL="+s.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node protobuf.mjs: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	type result struct {
		IDs      []int          `json:"ids"`
		TypeName string         `json:"typeName"`
		Decoded  map[string]any `json:"decoded"`
	}
	t.Logf("script output: %s", out)
	var res map[string]result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	var lk struct {
		Lookups struct {
			MetaVersion, MetaID int
			GUID                string
			GUIDMessages        []string
		}
	}
	if err := json.Unmarshal(out, &lk); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	if l := lk.Lookups; l.GUID == "" || l.MetaVersion != 2 || l.MetaID != metaID || l.GUID != cart.GUID || !slices.Equal(l.GUIDMessages, []string{"Cart"}) {
		t.Errorf("JS client lookups = %+v, want version 2 (id %d) by metadata and the Cart descriptor by guid %s", l, metaID, cart.GUID)
	}

	wantDecoded := func(name string, r result, typeName string) {
		t.Helper()
		if r.TypeName != typeName {
			t.Errorf("%s: decoded a %s, want %s", name, r.TypeName, typeName)
		}
		d := r.Decoded
		total, _ := d["total"].(map[string]any)
		lines, _ := d["lines"].([]any)
		if d["id"] != "o-1" || total["units"] != float64(1250) || total["currency"] != "EUR" ||
			len(lines) != 2 || d["status"] != "STATUS_OPEN" || d["at"] != "2023-11-14T22:13:20.000000005Z" {
			t.Errorf("%s: decoded %v, want the record the serializer wrote", name, d)
		}
	}

	// Text-registered: the descriptor lookup and re-registration both find
	// the versions registered as text; nothing new is registered.
	text := res["text"]
	if !slices.Equal(text.IDs, []int{cart.ID, cart.ID}) {
		t.Errorf("text scenario wrote ids %v, want the text-registered id %d twice", text.IDs, cart.ID)
	}
	wantDecoded("text", text, "shop.Cart")
	for _, subject := range []string{"carts-text-value", "shop/price.proto"} {
		vs, err := cl.SubjectVersions(bg, subject)
		must(t, "versions of "+subject, err)
		if !slices.Equal(vs, []int{1}) {
			t.Errorf("%s has versions %v after the JS serializer, want [1]", subject, vs)
		}
	}

	// Descriptor-registered: one id, used by the auto-registering and the
	// looking-up serializer alike.
	desc := res["descriptor"]
	if len(desc.IDs) != 2 || desc.IDs[0] <= 0 || desc.IDs[0] != desc.IDs[1] {
		t.Errorf("descriptor scenario wrote ids %v, want one id twice", desc.IDs)
	}
	wantDecoded("descriptor", desc, "acme.Order")
	got, err := cl.SchemaByVersion(bg, "orders-js-value", -1)
	must(t, "latest of orders-js-value", err)
	if got.ID != desc.IDs[0] || got.Type != sr.TypeProtobuf || !strings.Contains(got.Schema.Schema, "message Order") ||
		len(got.References) != 1 || got.References[0].Subject != "acme/money.proto" {
		t.Errorf("orders-js-value latest = %+v, want the descriptor stored as .proto text with its reference", got)
	}
}
