package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/accord/accord/contracts/proxy"
)

// record is a record whose "id" header names it. Keys stay null: the
// streams' key subjects would make a key a framed record too.
func record(topic, id string, value []byte) *kgo.Record {
	return &kgo.Record{Topic: topic, Value: value, Headers: []kgo.RecordHeader{{Key: "id", Value: []byte(id)}}}
}

func withPartition(r *kgo.Record, p int32) *kgo.Record {
	r.Partition = p
	return r
}

func idOf(r *kgo.Record) string {
	for _, h := range r.Headers {
		if h.Key == "id" {
			return string(h.Value)
		}
	}
	return ""
}

// consume reads n records of topic straight from the cluster (not through
// the proxy), in partition order.
func consume(t *testing.T, c *kfake.Cluster, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consuming %s: got %d records of %d: %v", topic, len(out), n, err)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	// Nothing more may come.
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	cl.PollFetches(short).EachRecord(func(r *kgo.Record) { out = append(out, r) })
	return out
}

func newClient(t *testing.T, p *proxy.Proxy, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(p.Addr()), kgo.ProducerLinger(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestProduceThroughProxy produces valid and invalid records in the three
// formats through the proxy with SASL/PLAIN and reads back exactly the
// valid ones, in order, from the broker.
func TestProduceThroughProxy(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders", "orders-proto", "orders-json")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}})
	cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: ordersPassword}.AsMechanism()))
	ctx := context.Background()

	for _, f := range w.formats {
		t.Run(f.name, func(t *testing.T) {
			var want []string
			for i := range 30 {
				id := fmt.Sprintf("%s-%d", f.name, i)
				var value []byte
				valid := true
				switch i % 5 {
				case 1: // breaks the positiveAmount rule
					value, valid = f.encode(id, -int64(i)), false
				case 3: // not framed at all
					value, valid = []byte("{\"id\":\""+id+"\"}"), false
				default:
					value = f.encode(id, int64(i+1))
				}
				err := cl.ProduceSync(ctx, record(f.topic, id, value)).FirstErr()
				switch {
				case valid && err != nil:
					t.Fatalf("record %d (valid): %v", i, err)
				case !valid && !errors.Is(err, kerr.InvalidRecord):
					t.Fatalf("record %d (invalid): got %v, want INVALID_RECORD", i, err)
				}
				if valid {
					want = append(want, id)
				}
			}
			got := consume(t, c, f.topic, len(want))
			var keys []string
			for _, r := range got {
				keys = append(keys, idOf(r))
			}
			if !slices.Equal(keys, want) {
				t.Fatalf("consumed %v\nwant %v", keys, want)
			}
		})
	}
}

// TestRefusalDetails checks the INVALID_RECORD answer: which records, why;
// a batch with one invalid record is refused whole while another
// partition of the same request is written.
func TestRefusalDetails(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 2, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}})
	cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: ordersPassword}.AsMechanism()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(50*time.Millisecond))
	enc := w.formats[0].encode
	res := cl.ProduceSync(context.Background(),
		withPartition(record("orders", "a", enc("a", 1)), 0),
		withPartition(record("orders", "b", enc("b", 0)), 0),
		withPartition(record("orders", "c", enc("c", 3)), 1),
	)
	for _, r := range res {
		wantErr := r.Record.Partition == 0
		if got := errors.Is(r.Err, kerr.InvalidRecord); got != wantErr {
			t.Errorf("record %s in partition %d: err %v", idOf(r.Record), r.Record.Partition, r.Err)
		}
	}
	got := consume(t, c, "orders", 1)
	if len(got) != 1 || idOf(got[0]) != "c" {
		t.Fatalf("consumed %d records, want only c", len(got))
	}
}

// TestClientIDPrincipals: with SASL off the client id names the producer;
// another service's records are refused.
func TestClientIDPrincipals(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), ClientIDs: map[string]string{"orders-app": "orders-svc", "billing-app": "billing-svc"}})
	enc := w.formats[0].encode
	ctx := context.Background()
	good := newClient(t, p, kgo.ClientID("orders-app"))
	if err := good.ProduceSync(ctx, record("orders", "1", enc("1", 1))).FirstErr(); err != nil {
		t.Fatalf("the owner: %v", err)
	}
	for _, id := range []string{"billing-app", "unknown-app"} {
		bad := newClient(t, p, kgo.ClientID(id))
		if err := bad.ProduceSync(ctx, record("orders", "2", enc("2", 1))).FirstErr(); !errors.Is(err, kerr.InvalidRecord) {
			t.Fatalf("client %s: %v, want INVALID_RECORD", id, err)
		}
	}
	if got := consume(t, c, "orders", 1); len(got) != 1 || idOf(got[0]) != "1" {
		t.Fatalf("consumed %d records", len(got))
	}
}

// TestSASLRefused: wrong credentials end the connection.
func TestSASLRefused(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}})
	cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: "wrong-password-123"}.AsMechanism()), kgo.RequestRetries(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := cl.Request(ctx, kmsg.NewPtrMetadataRequest())
	if !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Fatalf("produce with a wrong password: %v", err)
	}
}

// TestSeveralBrokers: with three brokers, clients reach each through its
// own proxy listener; consumer groups (FindCoordinator) work through it.
func TestSeveralBrokers(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 3, 6, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), ClientIDs: map[string]string{"orders-app": "orders-svc"}})
	cl := newClient(t, p, kgo.ClientID("orders-app"))
	enc := w.formats[0].encode
	ctx := context.Background()
	var recs []*kgo.Record
	for i := range 60 {
		recs = append(recs, record("orders", fmt.Sprint(i), enc(fmt.Sprint(i), int64(i+1))))
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// Every broker address a client learns through the proxy is the proxy's.
	addrs := map[string]bool{}
	for _, a := range c.ListenAddrs() {
		addrs[a] = true
	}
	group, err := kgo.NewClient(kgo.SeedBrokers(p.Addr()), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("orders"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.ClientID("orders-app"))
	if err != nil {
		t.Fatal(err)
	}
	defer group.Close()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	n := 0
	for n < 60 {
		fs := group.PollFetches(cctx)
		if cctx.Err() != nil {
			t.Fatalf("group consumed %d of 60", n)
		}
		n += fs.NumRecords()
	}
	if err := group.CommitUncommittedOffsets(cctx); err != nil {
		t.Fatalf("commit through the proxy: %v", err)
	}
	seen := map[string]bool{}
	kr, err := group.Request(cctx, kmsg.NewPtrMetadataRequest())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range kr.(*kmsg.MetadataResponse).Brokers {
		a := fmt.Sprintf("%s:%d", b.Host, b.Port)
		if addrs[a] {
			t.Errorf("broker %d is advertised at its own address %s, not the proxy's", b.NodeID, a)
		}
		seen[a] = true
	}
	if len(seen) != 3 {
		t.Errorf("clients learned %d broker addresses, want 3 proxy listeners: %v", len(seen), seen)
	}
}
