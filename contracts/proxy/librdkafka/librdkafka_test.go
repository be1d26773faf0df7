//go:build cgo

package librdkafka_test

import (
	"context"
	"encoding/binary"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/registry"
)

const (
	orderSchema = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}`
	ordersPass  = "orders-password-123"
)

// TestLibrdkafkaThroughProxy produces with librdkafka through the proxy
// with SASL/PLAIN: a record with a plain string key and a valid value is
// written, and a record breaking a rule is refused with Accord's reason in
// the error librdkafka reports.
func TestLibrdkafkaThroughProxy(t *testing.T) {
	_, rootTok, _, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	st := accordtest.New(t, t.TempDir(), accordtest.Options{Unowned: contracts.UnownedOpen, Auth: true, Admin: "root", AdminSecret: rootTok})
	if _, err := st.Auth.CreatePrincipal(st.Ctx, auth.NewPrincipal{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}, Password: ordersPass}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit}))
	t.Cleanup(hs.Close)
	if _, err := st.Contracts.Create(st.Ctx, contracts.Stream{Name: "orders", Owner: "orders-svc", EventType: contracts.Measurement}); err != nil {
		t.Fatal(err)
	}
	rules := `{"domainRules":[{"name":"positiveAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount > 0"}]}`
	sv, err := st.Registry.Register(st.Ctx, "orders-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: orderSchema, RuleSet: []byte(rules)}})
	if err != nil {
		t.Fatal(err)
	}
	avro := hamba.MustParse(orderSchema)
	encode := func(id string, amount int64) []byte {
		b, err := hamba.Marshal(avro, map[string]any{"id": id, "amount": amount})
		if err != nil {
			t.Fatal(err)
		}
		out := []byte{0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(out[1:], uint32(sv.Schema.ID))
		return append(out, b...)
	}

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	v := validator.New(validator.NewHTTPSource(hs.URL, validator.HTTPOptions{Authorization: "Bearer " + rootTok}), validator.Options{Logger: st.Log})
	p, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: c.ListenAddrs()[0], Validator: v,
		SASL: &proxy.AccordAuthenticator{BaseURL: hs.URL}, Logger: accordtest.Logger(t, slog.LevelWarn)})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	prod, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers": p.Addr(), "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
		"sasl.username": "orders-svc", "sasl.password": ordersPass,
		"linger.ms": 0, "message.send.max.retries": 0, "enable.idempotence": false, "message.timeout.ms": 20000,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	topic := "orders"
	produce := func(key []byte, value []byte) error {
		t.Helper()
		done := make(chan kafka.Event, 1)
		if err := prod.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Key: key, Value: value}, done); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-done:
			return e.(*kafka.Message).TopicPartition.Error
		case <-time.After(30 * time.Second):
			t.Fatal("no delivery report")
			return nil
		}
	}
	if err := produce([]byte("order-1"), encode("order-1", 5)); err != nil {
		t.Fatalf("a plain string key and a valid value: %v", err)
	}
	err = produce([]byte("order-2"), encode("order-2", -5))
	var kerr kafka.Error
	if err == nil {
		t.Fatal("a record breaking positiveAmount was written")
	}
	t.Logf("librdkafka reports: %v", err)
	if ke, ok := err.(kafka.Error); ok {
		kerr = ke
	}
	if kerr.Code() != kafka.ErrInvalidRecord {
		t.Errorf("error code %v, want INVALID_RECORD", kerr.Code())
	}
	// The answer carries Accord's reason (error_message and record
	// errors, Produce v8+); librdkafka hands it to C programs through
	// rd_kafka_message_produce_errstr() and logs it, but confluent-kafka-go
	// builds the delivery error from the code alone ("Broker: Broker
	// failed to validate record"), so this test can only see the code.
	if !strings.Contains(err.Error(), "validate record") {
		t.Errorf("librdkafka's error %q", err)
	}
}
