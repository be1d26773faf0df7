package api_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/accord/accord/metrics"
)

// BenchmarkFetchByIDObservability measures what metrics and tracing cost
// the hottest request, GET /schemas/ids/{id} over HTTP (keep-alive, as
// serializers fetch). Each sub-benchmark runs a server with neither
// against one with metrics, or with metrics and tracing (every request
// counted, timed and traced with the OpenTelemetry SDK, always sampled,
// spans batched to an OTLP/HTTP receiver; access log off), measured in
// one run, interleaved in short rounds so that the machine's load falls
// on both alike; on/off is the median of the rounds' ratios (issue 14
// asks ≤ 1.05).
//
//	go test ./api/ -run '^$' -bench FetchByIDObservability -benchtime 20000x -count 3
func BenchmarkFetchByIDObservability(b *testing.B) {
	installTracing(b, true) // a collector elsewhere: spans are exported, not decoded here
	b.Run("metrics", func(b *testing.B) { benchObservability(b, observedOptions{}) })
	b.Run("metrics+tracing", func(b *testing.B) { benchObservability(b, observedOptions{tracer: metrics.Tracer()}) })
}

func benchObservability(b *testing.B, onOpts observedOptions) {
	off := startObserved(b, b.TempDir(), observedOptions{bare: true})
	on := startObserved(b, b.TempDir(), onOpts)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := []byte(`{"schema":"{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}`)
	fetch := func(url string) {
		resp, err := client.Get(url + "/schemas/ids/1")
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
