//go:build cgo

package csfle_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rules/encryption"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rules/encryption/localkms"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// customer's ssn is tagged PII in the schema: the ENCRYPT rule encrypts it.
const customerSchema = `{"type":"record","name":"Customer","namespace":"acme","fields":[
  {"name":"id","type":"string"},
  {"name":"ssn","type":"string","confluent:tags":["PII"]}]}`

type customer struct {
	ID  string `avro:"id"`
	SSN string `avro:"ssn"`
}

// TestFieldEncryptionRoundTrip registers a schema whose ENCRYPT rule
// covers the PII-tagged field, serializes a record with confluent-kafka-go
// (which creates the KEK and a DEK wrapped by its local KMS in Accord's
// DEK registry), checks that the field is encrypted in the bytes, and
// deserializes it with a fresh client that reads the keys back from
// Accord. Accord stores the wrapped DEK only.
func TestFieldEncryptionRoundTrip(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		st := accordtest.New(t, target, accordtest.Options{})
		hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Contracts: st.Contracts, Audit: st.Audit, DEK: st.DEK}))
		t.Cleanup(hs.Close)
		encryption.Register()
		localkms.Register()

		client, err := schemaregistry.NewClient(schemaregistry.NewConfig(hs.URL))
		if err != nil {
			t.Fatal(err)
		}
		rule := schemaregistry.Rule{
			Name: "encrypt-pii", Kind: "TRANSFORM", Mode: "WRITEREAD", Type: "ENCRYPT", Tags: []string{"PII"},
			Params: map[string]string{
				"encrypt.kek.name":   "customers-kek",
				"encrypt.kms.type":   "local-kms",
				"encrypt.kms.key.id": "customers",
			},
			OnFailure: "ERROR,NONE",
		}
		if _, err := client.Register("customers-value", schemaregistry.SchemaInfo{
			Schema: customerSchema, SchemaType: "AVRO", RuleSet: &schemaregistry.RuleSet{DomainRules: []schemaregistry.Rule{rule}},
		}, false); err != nil {
			t.Fatalf("registering the schema with its ENCRYPT rule: %v", err)
		}

		kms := map[string]string{"secret": "a local KMS secret the registry never sees"}
		serConf := avrov2.NewSerializerConfig()
		serConf.AutoRegisterSchemas, serConf.UseLatestVersion, serConf.RuleConfig = false, true, kms
		ser, err := avrov2.NewSerializer(client, serde.ValueSerde, serConf)
		if err != nil {
			t.Fatal(err)
		}
		want := customer{ID: "c-1", SSN: "123-45-6789"}
		in := want // the serializer encrypts the field in place
		payload, err := ser.Serialize("customers", &in)
		if err != nil {
			t.Fatalf("serializing (encrypting): %v", err)
		}
		if bytes.Contains(payload, []byte(want.SSN)) {
			t.Fatalf("the PII field is in clear in the serialized record: %q", payload)
		}
		if !bytes.Contains(payload, []byte(want.ID)) {
			t.Fatalf("the untagged field should stay in clear: %q", payload)
		}

		// A consumer with its own clients: the keys come from Accord.
		client2, err := schemaregistry.NewClient(schemaregistry.NewConfig(hs.URL))
		if err != nil {
			t.Fatal(err)
		}
		deConf := avrov2.NewDeserializerConfig()
		deConf.RuleConfig = kms
		de, err := avrov2.NewDeserializer(client2, serde.ValueSerde, deConf)
		if err != nil {
			t.Fatal(err)
		}
		var out customer
		if err := de.DeserializeInto("customers", payload, &out); err != nil {
			t.Fatalf("deserializing (decrypting): %v", err)
		}
		if out != want {
			t.Fatalf("round trip: got %+v, want %+v", out, want)
		}

		// What Accord holds: the KEK's metadata and the DEK as wrapped by
		// the client's KMS, never the key in clear.
		var k dek.KEK
		get(t, hs.URL+"/dek-registry/v1/keks/customers-kek", &k)
		if k.KMSType != "local-kms" || k.KMSKeyID != "customers" || k.Shared {
			t.Errorf("stored KEK %+v", k)
		}
		var d dek.DEK
		get(t, hs.URL+"/dek-registry/v1/keks/customers-kek/deks/customers-value", &d)
		if d.Version != 1 || d.Algorithm != dek.AES256GCM || d.EncryptedKeyMaterial == "" || d.KeyMaterial != "" {
			t.Errorf("stored DEK %+v: wrapped material only", d)
		}
	})
}

func get(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
