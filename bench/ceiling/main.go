// Command ceiling is the baseline of Accord's HTTP benchmarks: a bare
// net/http handler that reads the request body (so that a POST costs it
// what reading a POST costs) and writes a fixed JSON body. Accord's
// endpoints are measured as a ratio of its throughput and latency in the
// same run, with the same requests.
//
// A fair baseline is a production server, and a production server bounds
// slow clients: the timeout flags give the ceiling the http.Server
// timeouts accord serve sets (cmd/accord/serve.go, boundedServer), whose
// read and write deadlines net/http sets on the connection for every
// request. bench/run.sh passes serve's values; without the flags the
// ceiling sets none (net/http's defaults).
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
)

// body is a JSON document of n bytes.
func body(n int) []byte {
	prefix, suffix := `{"schema":"`, `"}`
	return []byte(prefix + strings.Repeat("x", max(0, n-len(prefix)-len(suffix))) + suffix)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listen address")
	size := flag.Int("body-bytes", 200, "size of the JSON body answered")
	readHeader := flag.Duration("read-header-timeout", 0, "http.Server ReadHeaderTimeout (0: none)")
	read := flag.Duration("read-timeout", 0, "http.Server ReadTimeout (0: none)")
	write := flag.Duration("write-timeout", 0, "http.Server WriteTimeout (0: none)")
	idle := flag.Duration("idle-timeout", 0, "http.Server IdleTimeout (0: the read timeout)")
	flag.Parse()
	b := body(*size)
	length := strconv.Itoa(len(b))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.Header().Set("Content-Length", length)
		w.Write(b)
	})
	srv := &http.Server{
		Addr:              *addr,
		Handler:           h,
		ReadHeaderTimeout: *readHeader,
		ReadTimeout:       *read,
		WriteTimeout:      *write,
		IdleTimeout:       *idle,
	}
	log.Fatal(srv.ListenAndServe())
}
