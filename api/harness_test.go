package api_test

// The harness runs the real stack for every API test: a sqlstore (SQLite in
// a temporary folder, or a fresh PostgreSQL database when
// ACCORD_TEST_DATABASE_URL is set), the registry with every format, and
// the api.Server behind httptest (127.0.0.1, a free port). Clients are the
// franz-go schema registry client (what users run) and plain net/http (to
// see statuses, headers and error bodies). Both fail the test on any 5xx:
// no request in this suite may reach an internal error.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create test databases
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// eachStore runs fn against a fresh server per store engine.
func eachStore(t *testing.T, fn func(t *testing.T, s *server)) {
	t.Helper()
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		fn(t, startServer(t, target, api.Options{}))
	})
}

// server is one running Accord: its own store connection, registry and
// HTTP server.
type server struct {
	t      *testing.T
	URL    string
	Client *sr.Client   // franz-go client
	HTTP   *http.Client // raw client
}

// with returns s reporting to t: helpers that stop the test must stop the
// subtest that calls them, not its parent.
func (s *server) with(t *testing.T) *server {
	c := *s
	c.t = t
	return &c
}

// startServer opens target (a store that may be shared with other
// servers) and serves it until the test ends.
func startServer(t *testing.T, target string, opts api.Options) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := accordtest.Logger(t, slog.LevelWarn) // its cleanup runs after the store is closed
	store, err := sqlstore.Open(ctx, target, sqlstore.WithLogger(log))
	if err != nil {
		cancel()
		t.Fatalf("opening store: %v", err)
	}
	reg := registry.New(store, log, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	reg.SetRuleChecker(validator.RuleChecker{})
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		if err := reg.Run(ctx); err != nil && ctx.Err() == nil {
			t.Errorf("registry cache feed stopped: %v", err)
		}
	}()
	if opts.Logger == nil {
		opts.Logger = log
	}
	if opts.Audit == nil {
		opts.Audit = store.Audit()
	}
	hs := httptest.NewServer(api.New(reg, opts))
	// Cleanups run last-in first-out: HTTP first, then the feed, then the store.
	t.Cleanup(func() {
		cancel()
		<-watching
		if err := store.Close(); err != nil {
			t.Errorf("closing store: %v", err)
		}
	})
	t.Cleanup(hs.Close)

	httpc := &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}
	cl, err := sr.NewClient(sr.URLs(hs.URL), sr.HTTPClient(httpc))
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, URL: hs.URL, Client: cl, HTTP: httpc}
}

// no5xx fails the test on any 5xx answer: the suite never sends a request
// that should reach an internal error, so one is always a bug.
type no5xx struct {
	t    *testing.T
	next http.RoundTripper
}

func (n no5xx) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := n.next.RoundTrip(req)
	if err == nil && resp.StatusCode >= 500 {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		n.t.Errorf("%s %s answered %d: %s", req.Method, req.URL, resp.StatusCode, body)
	}
	return resp, err
}

// response is a raw HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// ContentType is the response's media type.
func (r response) ContentType() string { return r.Header.Get("Content-Type") }

// send sends a raw request. body is sent as is when it is a string,
// []byte or io.Reader (chunked: its length is unknown), JSON-encoded
// otherwise, nothing when nil; a body goes with Content-Type
// application/vnd.schemaregistry.v1+json unless header (pairs of name,
// value) sets another; so does a POST without a body. It does not stop the test, so goroutines may use it.
func (s *server) send(method, path string, body any, header ...string) (response, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		return response{}, err
	}
	if body != nil || method == http.MethodPost {
		// As every client does: a POST always says it is JSON (a POST
		// without a JSON type is refused as forgeable, api/csrf.go).
		req.Header.Set("Content-Type", api.ContentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// do is send for the test's goroutine: it stops the test when the request
// cannot be made.
func (s *server) do(method, path string, body any, header ...string) response {
	s.t.Helper()
	r, err := s.send(method, path, body, header...)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// ok sends a request that must succeed and decodes the answer into into
// (when not nil).
func (s *server) ok(method, path string, body, into any) response {
	s.t.Helper()
	r := s.do(method, path, body)
	if r.Status != http.StatusOK {
		s.t.Fatalf("%s %s: got %s, want 200", method, path, r)
	}
	if ct := r.ContentType(); ct != api.ContentType {
		s.t.Errorf("%s %s: Content-Type %q, want %q", method, path, ct, api.ContentType)
	}
	if into != nil {
		if err := json.Unmarshal(r.Body, into); err != nil {
			s.t.Fatalf("%s %s: decoding %s: %v", method, path, r.Body, err)
		}
	}
	return r
}

// register registers a schema through raw HTTP and returns its id and
// version.
func (s *server) register(subject string, body any) (id, version int) {
	s.t.Helper()
	var out struct{ ID, Version int }
	s.ok("POST", "/subjects/"+url.PathEscape(subject)+"/versions", body, &out)
	if out.ID <= 0 || out.Version <= 0 {
		s.t.Fatalf("registering in %s: id %d version %d", subject, out.ID, out.Version)
	}
	return out.ID, out.Version
}

// snapshot reads everything a user can list, so a test can show that a
// failed request changed nothing.
func (s *server) snapshot() string {
	s.t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/subjects?deleted=true",
		"/schemas?deleted=true",
		"/contexts",
		"/config",
		"/mode",
		"/v1/audit?limit=1000",
	} {
		r := s.do("GET", p, nil)
		fmt.Fprintf(&b, "%s -> %s\n", p, r)
	}
	return b.String()
}

// unchanged fails the test if the registry no longer matches before (a
// snapshot), showing only what changed.
func (s *server) unchanged(t *testing.T, what, before string) {
	t.Helper()
	after := s.snapshot()
	if after == before {
		return
	}
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var diff strings.Builder
	for i := range max(len(a), len(b)) {
		var lb, la string
		if i < len(b) {
			lb = b[i]
		}
		if i < len(a) {
			la = a[i]
		}
		if la != lb {
			// Long lines (the schema list) are shown from a little before
			// the first difference.
			p := 0
			for p < len(la) && p < len(lb) && la[p] == lb[p] {
				p++
			}
			from := max(0, p-60)
			if from > 0 {
				lb, la = "…"+lb[from:], "…"+la[from:]
			}
			fmt.Fprintf(&diff, "\n  before: %.300s\n  after:  %.300s", lb, la)
		}
	}
	t.Errorf("%s changed the registry:%s", what, diff.String())
}

// errorBody is the Confluent error document, decoded strictly.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// wantError checks that r is the Confluent error document with status and
// code, and that its message contains every one of msgs
// (case-insensitively).
func wantError(t *testing.T, what string, r response, status, code int, msgs ...string) errorBody {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.Status, status, r.Body)
	}
	if ct := r.ContentType(); ct != api.ContentType {
		t.Errorf("%s: Content-Type %q, want %q", what, ct, api.ContentType)
	}
	var e errorBody
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("%s: error body %s is not {error_code, message}: %v", what, r.Body, err)
		return e
	}
	if e.ErrorCode != code {
		t.Errorf("%s: error_code %d, want %d (message %q)", what, e.ErrorCode, code, e.Message)
	}
	if e.Message == "" {
		t.Errorf("%s: empty message", what)
	}
	for _, m := range msgs {
		if !strings.Contains(strings.ToLower(e.Message), strings.ToLower(m)) {
			t.Errorf("%s: message %q does not mention %q", what, e.Message, m)
		}
	}
	return e
}

// wantSRError checks that a franz-go client call failed with code.
func wantSRError(t *testing.T, what string, err error, code int) *sr.ResponseError {
	t.Helper()
	var re *sr.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%s: got error %v, want a schema registry error %d", what, err, code)
	}
	if re.ErrorCode != code {
		t.Errorf("%s: error_code %d, want %d (%s)", what, re.ErrorCode, code, re.Message)
	}
	return re
}

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var bg = context.Background()

// avroRecord renders an Avro record with the given fields (each a JSON
// field object).
func avroRecord(name string, fields ...string) string {
	return fmt.Sprintf(`{"type":"record","name":%q,"namespace":"com.acme","fields":[%s]}`, name, strings.Join(fields, ","))
}

// Avro schemas used across the suite.
var (
	// userV1 and userV1Spaced are one schema written two ways: other
	// whitespace, other attribute order.
	userV1       = avroRecord("User", `{"name":"id","type":"long"}`)
	userV1Spaced = `{
	  "namespace" : "com.acme",
	  "fields" : [ { "type" : "long", "name" : "id" } ],
	  "name" : "User",
	  "type" : "record"
	}`
	// userV2 adds an optional field: backward and forward compatible.
	userV2 = avroRecord("User", `{"name":"id","type":"long"}`, `{"name":"email","type":["null","string"],"default":null}`)
	// userV2NoDefault adds a field without a default: a consumer on it
	// cannot read records written with userV1 (not BACKWARD).
	userV2NoDefault = avroRecord("User", `{"name":"id","type":"long"}`, `{"name":"age","type":"int"}`)
)

func avroSchema(text string) sr.Schema { return sr.Schema{Schema: text} }

// schemaBody is a registration body: the schema, then name, value pairs
// of other fields.
func schemaBody(schema string, extra ...any) map[string]any {
	b := map[string]any{"schema": schema}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

// avroSchemaOther is an Avro schema unrelated to User.
const avroSchemaOther = `{"type":"record","name":"Other","namespace":"com.acme","fields":[{"name":"x","type":"string"}]}`

// Schemas with references in every format.
const (
	avroAddress  = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`
	avroCustomer = `{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"address","type":"com.acme.Address"}]}`

	protoMoney = `syntax = "proto3";
package acme;

message Money {
  string currency = 1;
  int64 units = 2;
}
`
	protoOrder = `syntax = "proto3";
package acme;

import "acme/money.proto";
import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  acme.Money total = 2;
  google.protobuf.Timestamp placed_at = 3;
}
`
	jsonAddress  = `{"type":"object","properties":{"street":{"type":"string"}},"required":["street"]}`
	jsonCustomer = `{"type":"object","properties":{"name":{"type":"string"},"address":{"$ref":"address.json"}}}`
)

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}
