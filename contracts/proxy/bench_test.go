package proxy_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/contracts/proxy"
)

// produceAll produces n records and waits for every acknowledgement.
func produceAll(b *testing.B, cl *kgo.Client, recs []*kgo.Record) time.Duration {
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	start := time.Now()
	for _, r := range recs {
		wg.Add(1)
		cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
			}
			wg.Done()
		})
	}
	wg.Wait()
	el := time.Since(start)
	if failed != nil {
		b.Fatal(failed)
	}
	return el
}

// BenchmarkProduceThroughProxy is the benchmark: produce
// throughput through the validating proxy vs. producing straight to the
// same kfake broker (target: the proxy at least 0.5 of direct).
//
// Both paths use the same franz-go client options (client id, default
// batching, linger and acks=all with idempotence), the same number of
// records of the same size (an Avro Order in the Confluent frame, about
// 23 bytes) to the same 3-partition topic of the same in-process broker.
// Through the proxy every record is validated: frame, schema id
// registered under the topic's subject, payload, the producer (the
// client id mapped to the stream's owner) and the schema's CEL rule
// message.amount > 0.
//
// The records are produced in 8 rounds that alternate the two paths (and
// which goes first), each from a collected heap, and each path's time is
// summed over its rounds, so that the ratio (proxy/direct, rates)
// compares the paths under the same conditions on a noisy, shared
// machine. Client, proxy and broker share
// the process and its cores.
func BenchmarkProduceThroughProxy(b *testing.B) {
	w := startAccord(b)
	c := startCluster(b, 1, 3, "orders")
	v := w.validator()
	p := startProxy(b, c, proxy.Config{Validator: v, ClientIDs: map[string]string{"orders-app": "orders-svc"}, Logger: accordtest.Logger(b, slog.LevelError)})
	opts := []kgo.Opt{kgo.ClientID("orders-app"), kgo.DefaultProduceTopic("orders")}
	direct, err := kgo.NewClient(append(opts, kgo.SeedBrokers(c.ListenAddrs()...))...)
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	through, err := kgo.NewClient(append(opts, kgo.SeedBrokers(p.Addr()))...)
	if err != nil {
		b.Fatal(err)
	}
	defer through.Close()
	enc := w.formats[0].encode
	recs := func(n int) []*kgo.Record {
		out := make([]*kgo.Record, n)
		for i := range out {
			out[i] = &kgo.Record{Value: enc(fmt.Sprintf("order-%08d", i), int64(i+1))}
		}
		return out
	}
	// Warm up both paths (connections, metadata, the validator's caches).
	produceAll(b, direct, recs(1000))
	produceAll(b, through, recs(1000))
	const rounds = 8
	n := max(b.N, 8000)
	per := (n + rounds - 1) / rounds
	d, t := make([][]*kgo.Record, rounds), make([][]*kgo.Record, rounds)
	for i := range rounds {
		d[i], t[i] = recs(per), recs(per)
	}
	b.ResetTimer()
	var dEl, pEl time.Duration
	// Each round starts from a collected heap, so that each path pays for
	// its own garbage.
	round := func(cl *kgo.Client, recs []*kgo.Record) time.Duration {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		return produceAll(b, cl, recs)
	}
	for i := range rounds {
		if i%2 == 0 {
			dEl += round(direct, d[i])
			pEl += round(through, t[i])
		} else {
			pEl += round(through, t[i])
			dEl += round(direct, d[i])
		}
	}
	b.StopTimer()
	total := float64(per * rounds)
	dRate, pRate := total/dEl.Seconds(), total/pEl.Seconds()
	b.ReportMetric(dRate, "direct-rec/s")
	b.ReportMetric(pRate, "proxy-rec/s")
	b.ReportMetric(pRate/dRate, "ratio")
}
