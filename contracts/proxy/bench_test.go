package proxy_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

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

// BenchmarkProduceThroughProxy produces the same Avro records to the same
// kfake broker straight and through the proxy (every check on: frame,
// schema id, payload, the CEL rule, the producer), in the same run, and
// reports both rates and their ratio (proxy/direct).
func BenchmarkProduceThroughProxy(b *testing.B) {
	w := startAccord(b)
	c := startCluster(b, 1, 3, "orders")
	v := w.validator()
	p := startProxy(b, c, proxy.Config{Validator: v, ClientIDs: map[string]string{"orders-app": "orders-svc"}, Logger: testLogger(b, slog.LevelError)})
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
	produceAll(b, direct, recs(100))
	produceAll(b, through, recs(100))
	n := max(b.N, 1000)
	d, t := recs(n), recs(n)
	b.ResetTimer()
	dEl := produceAll(b, direct, d)
	pEl := produceAll(b, through, t)
	b.StopTimer()
	dRate, pRate := float64(n)/dEl.Seconds(), float64(n)/pEl.Seconds()
	b.ReportMetric(dRate, "direct-rec/s")
	b.ReportMetric(pRate, "proxy-rec/s")
	b.ReportMetric(pRate/dRate, "ratio")
}
