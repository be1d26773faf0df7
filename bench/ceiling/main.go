// Command ceiling is the baseline of Accord's HTTP benchmarks: a bare
// net/http handler that writes a fixed 200-byte JSON body. Accord's
// endpoints are measured as a ratio of its throughput in the same run.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"
	"strings"
)

// Body is the fixed 200-byte JSON document the ceiling serves.
var Body = func() []byte {
	prefix := `{"schema":"`
	suffix := `"}`
	return []byte(prefix + strings.Repeat("x", 200-len(prefix)-len(suffix)) + suffix)
}()

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listen address")
	flag.Parse()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(Body)))
		w.Write(Body)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
