package api_test

// Confluent's Python client (Debian's python3-confluent-kafka, with
// python3-protobuf) against a running Accord: its Protobuf serializer
// registers and looks up schemas as base64 FileDescriptorProtos. The
// script is api/testdata/pyclient/protobuf_roundtrip.py. Without Debian's
// python3 and those packages the test is skipped locally and fails in CI
// (CI set), where .ci/run installs them.

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

// debianPython is the interpreter Debian's python3-* packages install
// into (a python3 earlier on PATH may not see them); PYTHON overrides it.
func debianPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	probe := exec.Command(py, "-c", "import confluent_kafka.schema_registry.protobuf, google.protobuf.message_factory")
	if out, err := probe.CombinedOutput(); err != nil {
		msg := "the Python client test needs " + py + " with python3-confluent-kafka, python3-protobuf and python3-requests (.ci/run installs them): " + strings.TrimSpace(string(out))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return py
}

func TestPythonClientProtobufRoundTrip(t *testing.T) {
	py := debianPython(t)
	s := startServer(t, t.TempDir(), api.Options{})
	cl := s.Client
	// The JS test's schemas without the well-known import (see the script).
	text := func(s string) string {
		return strings.NewReplacer("shop", "pyshop", "import \"google/protobuf/timestamp.proto\";\n", "", "  google.protobuf.Timestamp at = 5;\n", "").Replace(s)
	}
	price, err := cl.CreateSchema(bg, "pyshop/price.proto", sr.Schema{Schema: text(priceProto), Type: sr.TypeProtobuf})
	must(t, "registering pyshop/price.proto as text", err)
	cart, err := cl.CreateSchema(bg, "carts-py-value", sr.Schema{Schema: text(cartProto), Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "pyshop/price.proto", Subject: "pyshop/price.proto", Version: price.Version}}})
	must(t, "registering carts-py-value as text", err)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, err := filepath.Abs(filepath.Join("testdata", "pyclient", "protobuf_roundtrip.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, py, script)
	cmd.Env = append(os.Environ(), "ACCORD_URL="+s.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", script, err, out, stderr.String())
	}
	t.Logf("script output: %s", out)
	var res map[string]struct {
		IDs     []int          `json:"ids"`
		Decoded map[string]any `json:"decoded"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	for name, r := range res {
		d := r.Decoded
		total, _ := d["total"].(map[string]any)
		if d["id"] != "o-1" || total["currency"] != "EUR" || d["status"] != "STATUS_OPEN" {
			t.Errorf("%s: decoded %v", name, d)
		}
	}
	if ids := res["text"].IDs; !slices.Equal(ids, []int{cart.ID, cart.ID}) {
		t.Errorf("text scenario wrote ids %v, want the text-registered id %d twice", ids, cart.ID)
	}
	vs, err := cl.SubjectVersions(bg, "carts-py-value")
	must(t, "versions of carts-py-value", err)
	if !slices.Equal(vs, []int{1}) {
		t.Errorf("carts-py-value has versions %v after the Python serializer, want [1]", vs)
	}
	if ids := res["descriptor"].IDs; len(ids) != 2 || ids[0] <= 0 || ids[0] != ids[1] {
		t.Errorf("descriptor scenario wrote ids %v, want one id twice", ids)
	}
}
