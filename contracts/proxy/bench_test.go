package proxy_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
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

// BenchmarkProduceOverLoopback is BenchmarkProduceThroughProxy with the
// parts in separate processes and a share of invalid records: the broker
// (kfake) and the proxy each run in a process of their own (this test
// binary run again as TestBenchHelper), the producing client and Accord
// in the benchmark's, all talking over loopback TCP, so that nothing is
// shared but the machine's cores. Every tenth record breaks the schema's
// rule (amount 0, not > 0); a manual partitioner puts those on partition
// 2 and the others on 0 and 1, so that the proxy refuses exactly the
// partition-2 batches (INVALID_RECORD) and forwards the rest, and the
// benchmark checks that it refused every invalid record and no valid one.
// The broker itself validates nothing, so directly every record is
// accepted. Rates count every record answered (accepted or refused);
// rounds alternate the two paths as in BenchmarkProduceThroughProxy.
//
//	go test ./contracts/proxy/ -run '^$' -bench 'ProduceOverLoopback' -count 5
func BenchmarkProduceOverLoopback(b *testing.B) {
	w := startAccord(b)
	broker := helperProcess(b, "ACCORD_PROXY_BENCH_ROLE=broker")
	proxyAddr := helperProcess(b, "ACCORD_PROXY_BENCH_ROLE=proxy", "ACCORD_PROXY_BENCH_ACCORD="+w.URL, "ACCORD_PROXY_BENCH_UPSTREAM="+broker)
	opts := []kgo.Opt{kgo.ClientID("orders-app"), kgo.DefaultProduceTopic("orders"), kgo.RecordPartitioner(kgo.ManualPartitioner())}
	direct, err := kgo.NewClient(append(opts, kgo.SeedBrokers(broker))...)
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	through, err := kgo.NewClient(append(opts, kgo.SeedBrokers(proxyAddr))...)
	if err != nil {
		b.Fatal(err)
	}
	defer through.Close()
	enc := w.formats[0].encode
	const invalidEvery = 10
	recs := func(n int) []*kgo.Record {
		out := make([]*kgo.Record, n)
		for i := range out {
			amount, partition := int64(i+1), int32(i%2)
			if i%invalidEvery == invalidEvery-1 {
				amount, partition = 0, 2
			}
			out[i] = &kgo.Record{Value: enc(fmt.Sprintf("order-%08d", i), amount), Partition: partition}
		}
		return out
	}
	invalid := func(n int) int { return n / invalidEvery }
	// Warm up both paths (connections, metadata, the validator's caches).
	produceCounting(b, direct, recs(1000))
	produceCounting(b, through, recs(1000))
	const rounds = 8
	n := max(b.N, 8000)
	per := (n + rounds - 1) / rounds
	d, t := make([][]*kgo.Record, rounds), make([][]*kgo.Record, rounds)
	for i := range rounds {
		d[i], t[i] = recs(per), recs(per)
	}
	b.ResetTimer()
	var dEl, pEl time.Duration
	round := func(cl *kgo.Client, recs []*kgo.Record, wantRefused int) time.Duration {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		el, refused := produceCounting(b, cl, recs)
		if refused != wantRefused {
			b.Fatalf("%d of %d records refused, want %d", refused, len(recs), wantRefused)
		}
		return el
	}
	for i := range rounds {
		if i%2 == 0 {
			dEl += round(direct, d[i], 0)
			pEl += round(through, t[i], invalid(per))
		} else {
			pEl += round(through, t[i], invalid(per))
			dEl += round(direct, d[i], 0)
		}
	}
	b.StopTimer()
	total := float64(per * rounds)
	dRate, pRate := total/dEl.Seconds(), total/pEl.Seconds()
	b.ReportMetric(dRate, "direct-rec/s")
	b.ReportMetric(pRate, "proxy-rec/s")
	b.ReportMetric(pRate/dRate, "ratio")
}

// produceCounting produces recs, waits for every answer, and returns the
// time taken and how many were refused as invalid records; any other
// error fails the benchmark.
func produceCounting(b *testing.B, cl *kgo.Client, recs []*kgo.Record) (time.Duration, int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	refused := 0
	start := time.Now()
	for _, r := range recs {
		wg.Add(1)
		cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, kerr.InvalidRecord) {
				refused++
			} else {
				failed = err
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	if failed != nil {
		b.Fatal(failed)
	}
	return el, refused
}

// helperProcess starts this test binary as TestBenchHelper with env added,
// returns the address it prints, and stops it when the benchmark ends
// (closing its stdin).
func helperProcess(b *testing.B, env ...string) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchHelper$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil {
		b.Fatalf("helper %v: %v", env, err)
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSpace(strings.TrimPrefix(line, "addr "))
}

// TestBenchHelper is a process of BenchmarkProduceOverLoopback: a kfake
// broker or a proxy, as ACCORD_PROXY_BENCH_ROLE says, that prints its
// address and serves until its stdin closes. Run directly, it skips.
func TestBenchHelper(t *testing.T) {
	role := os.Getenv("ACCORD_PROXY_BENCH_ROLE")
	switch role {
	case "":
		t.Skip("a helper process of BenchmarkProduceOverLoopback")
	case "broker":
		c := startCluster(t, 1, 3, "orders")
		fmt.Println("addr", c.ListenAddrs()[0])
	case "proxy":
		v := validator.New(validator.NewHTTPSource(os.Getenv("ACCORD_PROXY_BENCH_ACCORD"), validator.HTTPOptions{Authorization: basic("root", rootPassword)}),
			validator.Options{Logger: accordtest.Logger(t, slog.LevelError)})
		p, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: os.Getenv("ACCORD_PROXY_BENCH_UPSTREAM"), Validator: v,
			ClientIDs: map[string]string{"orders-app": "orders-svc"}, Logger: accordtest.Logger(t, slog.LevelError)})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		fmt.Println("addr", p.Addr())
	default:
		t.Fatalf("unknown role %q", role)
	}
	io.Copy(io.Discard, os.Stdin)
}
