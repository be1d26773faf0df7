package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/accord/accord/metrics"
	"github.com/accord/accord/tracing"
)

// BenchmarkFetchByIDObservability measures what metrics and tracing cost
// the hottest request, GET /schemas/ids/{id} over HTTP (keep-alive, as
// serializers fetch). Each sub-benchmark runs a server with neither
// against one with metrics, or with metrics and tracing, measured in one
// run, interleaved in short rounds so that the machine's load falls on
// both alike; on/off is the median of the rounds' ratios (issue 14 asks
// ≤ 1.05). Tracing is set up as accord serve sets it up (tracing.Setup
// from OTEL_EXPORTER_OTLP_ENDPOINT: the default parent-based always-on
// sampler, tracing.Batcher, OTLP/HTTP to a receiver in this process that
// reads and discards the exports); the access log is off.
//
//   - metrics: request counts and latency histograms.
//
//   - metrics+tracing: as a serializer calls it, with no traceparent. A
//     cached fetch by id gets no span of its own (api/observe.go,
//     spanned); every other request does.
//
//   - metrics+tracing/sampled-caller: the caller sends a sampled W3C
//     traceparent, so every fetch gets a span, recorded and exported:
//     what a span costs this request.
//
//     go test ./api/ -run '^$' -bench FetchByIDObservability -benchtime 20000x -count 5
func BenchmarkFetchByIDObservability(b *testing.B) {
	rcv := httptest.NewServer(&otlpReceiver{discard: true}) // a collector elsewhere: exports are read, not decoded
	defer rcv.Close()
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rcv.URL)
	prev, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	_, shutdown, err := tracing.Setup(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		shutdown(context.Background())
		otel.SetTracerProvider(prev)
		otel.SetTextMapPropagator(prevProp)
	}()
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	b.Run("metrics", func(b *testing.B) { benchObservability(b, observedOptions{}, "") })
	b.Run("metrics+tracing", func(b *testing.B) { benchObservability(b, observedOptions{tracer: metrics.Tracer()}, "") })
	b.Run("metrics+tracing/sampled-caller", func(b *testing.B) {
		benchObservability(b, observedOptions{tracer: metrics.Tracer()}, traceparent)
	})
}

// benchObservability measures fetches from a bare server and from one
// wired with onOpts, both sent traceparent when it is not empty.
func benchObservability(b *testing.B, onOpts observedOptions, traceparent string) {
	off := startObserved(b, b.TempDir(), observedOptions{bare: true})
	on := startObserved(b, b.TempDir(), onOpts)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := []byte(`{"schema":"{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}`)
	fetch := func(url string) {
		req, _ := http.NewRequest("GET", url+"/schemas/ids/1", nil)
		if traceparent != "" {
			req.Header.Set("traceparent", traceparent)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("fetch: %d", resp.StatusCode)
		}
	}
	for _, s := range []*observed{off, on} {
		resp, err := client.Post(s.URL+"/subjects/orders-value/versions", "application/json", bytes.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("register: %v %v", err, resp)
		}
		resp.Body.Close()
		for range 100 { // warm: the cache, the connections
			fetch(s.URL)
		}
	}
	// Rounds of a few requests, off then on or on then off alternately;
	// the ratio is the median of the rounds' ratios, which a burst of load
	// from elsewhere on the machine moves little.
	const round = 20
	var spent [2]time.Duration
	var ratios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i += round {
		order := []int{0, 1}
		if (i/round)%2 == 1 {
			order = []int{1, 0}
		}
		var took [2]time.Duration
		for _, k := range order {
			url := []string{off.URL, on.URL}[k]
			start := time.Now()
			for range round {
				fetch(url)
			}
			took[k] = time.Since(start)
			spent[k] += took[k]
		}
		ratios = append(ratios, float64(took[1])/float64(took[0]))
	}
	b.StopTimer()
	slices.Sort(ratios)
	n := float64(len(ratios) * round)
	b.ReportMetric(float64(spent[0].Nanoseconds())/n, "ns/fetch-off")
	b.ReportMetric(float64(spent[1].Nanoseconds())/n, "ns/fetch-on")
	b.ReportMetric(ratios[len(ratios)/2], "on/off")
}
