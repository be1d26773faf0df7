package proxy_test

// The test world: a real Accord (SQLite store, registry, contracts,
// authentication, the HTTP API behind httptest), a kfake Kafka cluster,
// the proxy in front of it reading Accord through the embeddable
// validator's HTTPSource, and franz-go clients.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/sqlcontracts"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

const (
	rootPassword   = "root-password-123456"
	ordersPassword = "orders-password-123456"
	otherPassword  = "billing-password-123456"

	avroOrder  = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}`
	protoOrder = `syntax = "proto3";
package com.acme;
message Order {
  string id = 1;
  int64 amount = 2;
}
`
	jsonOrder = `{"title":"com.acme.Order","type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"]}`
	// positive: the amount is positive.
	positive = `{"domainRules":[{"name":"positiveAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount > 0"}]}`
)

// format encodes Orders of one format through franz-go's sr.Serde.
type format struct {
	name   string
	topic  string
	encode func(id string, amount int64) []byte
}

// world is a running Accord with three streams (one per format), owned by
// orders-svc, each with the positiveAmount rule.
type world struct {
	URL     string
	formats []format
	log     *slog.Logger
	// reg and streams are the server's own, for a Validator reading them
	// in-process (localValidator).
	reg     *registry.Registry
	streams *contracts.Service
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func startAccord(t testing.TB) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := accordtest.Logger(t, slog.LevelWarn)
	store, err := sqlstore.Open(ctx, t.TempDir(), sqlstore.WithLogger(log))
	if err != nil {
		cancel()
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		store.Close()
	})
	reg := registry.New(store, log, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	svc := contracts.NewService(sqlcontracts.New(store.DB()), reg, contracts.Options{Unowned: contracts.UnownedOpen, Logger: log})
	reg.SetPolicy(svc)
	authn := auth.New(sqlauth.New(store.DB()), auth.Options{Logger: log})
	if _, err := authn.Bootstrap(ctx, "root", rootPassword); err != nil {
		t.Fatal(err)
	}
	for name, pw := range map[string]string{"orders-svc": ordersPassword, "billing-svc": otherPassword} {
		if _, err := authn.CreatePrincipal(ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{auth.RoleService}, Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(api.New(reg, api.Options{Logger: log, Contracts: svc, Audit: store.Audit(), Auth: authn}))
	t.Cleanup(hs.Close)
	w := &world{URL: hs.URL, log: log, reg: reg, streams: svc}

	cl, err := sr.NewClient(sr.URLs(hs.URL), sr.BasicAuth("root", rootPassword))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := protobuf.Parse(protoOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, err := ps.MessageByIndexes([]int{0})
	if err != nil {
		t.Fatal(err)
	}
	avroSchema := hamba.MustParse(avroOrder)
	var rules sr.SchemaRuleSet
	if err := json.Unmarshal([]byte(positive), &rules); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name, topic string
		typ         sr.SchemaType
		schema      string
	}{
		{"avro", "orders", sr.TypeAvro, avroOrder},
		{"protobuf", "orders-proto", sr.TypeProtobuf, protoOrder},
		{"json", "orders-json", sr.TypeJSON, jsonOrder},
	} {
		w.post(t, "/v1/streams", map[string]any{"name": f.topic, "owner": "orders-svc", "eventType": "measurement"})
		ss, err := cl.CreateSchema(ctx, f.topic+"-value", sr.Schema{Schema: f.schema, Type: f.typ, SchemaRuleSet: &rules})
		if err != nil {
			t.Fatalf("registering the %s schema: %v", f.name, err)
		}
		var serde sr.Serde
		var enc func(id string, amount int64) any
		switch f.typ {
		case sr.TypeAvro:
			serde.Register(ss.ID, map[string]any{}, sr.EncodeFn(func(v any) ([]byte, error) { return hamba.Marshal(avroSchema, v) }))
			enc = func(id string, amount int64) any { return map[string]any{"id": id, "amount": amount} }
		case sr.TypeProtobuf:
			serde.Register(ss.ID, &dynamicpb.Message{}, sr.Index(0), sr.EncodeFn(func(v any) ([]byte, error) { return proto.Marshal(v.(*dynamicpb.Message)) }))
			enc = func(id string, amount int64) any {
				m := dynamicpb.NewMessage(md)
				m.Set(md.Fields().ByName("id"), protoreflect.ValueOfString(id))
				m.Set(md.Fields().ByName("amount"), protoreflect.ValueOfInt64(amount))
				return m
			}
		case sr.TypeJSON:
			type order struct {
				ID     string `json:"id"`
				Amount int64  `json:"amount"`
			}
			serde.Register(ss.ID, order{}, sr.EncodeFn(json.Marshal))
			enc = func(id string, amount int64) any { return order{ID: id, Amount: amount} }
		}
		w.formats = append(w.formats, format{name: f.name, topic: f.topic, encode: func(id string, amount int64) []byte {
			return serde.MustEncode(enc(id, amount))
		}})
	}
	return w
}

// post sends a JSON body as root and wants a 2xx.
func (w *world) post(t testing.TB, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, w.URL+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("root", rootPassword))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, msg)
	}
}

// validator returns a Validator reading this Accord over HTTP.
func (w *world) validator() *validator.Validator {
	return validator.New(validator.NewHTTPSource(w.URL, validator.HTTPOptions{Authorization: basic("root", rootPassword)}),
		validator.Options{Logger: w.log})
}

// localValidator returns a Validator reading this Accord in-process, as
// the server's validation hook does (api.LocalSource).
func (w *world) localValidator() *validator.Validator {
	return validator.New(api.NewLocalSource(w.reg, w.streams), validator.Options{Logger: w.log})
}

// cluster starts a kfake cluster with topics of the given partitions.
func startCluster(t testing.TB, brokers int, partitions int32, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(brokers), kfake.SeedTopics(partitions, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startProxy starts a proxy in front of c.
func startProxy(t testing.TB, c *kfake.Cluster, cfg proxy.Config) *proxy.Proxy {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.Upstream = c.ListenAddrs()[0]
	if cfg.Logger == nil {
		cfg.Logger = accordtest.Logger(t, slog.LevelWarn)
	}
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
