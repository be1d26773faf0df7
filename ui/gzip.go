package ui

// Compressed answers: pages and assets are text that shrinks 10 to 25
// times (a 591 KB diff page is 25 KB gzipped), so they are gzipped for
// clients that accept it. Pages are compressed from their buffer (they
// are rendered whole before sending, see render); static files once, when
// loaded. Small answers are sent as they are.

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// gzipMin is the smallest answer worth compressing.
const gzipMin = 1024

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // speed: pages are compressed per request
	return w
}}

// acceptsGzip reports whether the request accepts gzip (a q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// gzipBytes compresses b.
func gzipBytes(b []byte, level int) []byte {
	var buf bytes.Buffer
	var w *gzip.Writer
	if level == gzip.BestSpeed {
		w = gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(w)
		w.Reset(&buf)
	} else {
		w, _ = gzip.NewWriterLevel(&buf, level)
	}
	w.Write(b) // writes to a bytes.Buffer do not fail
	w.Close()
	return buf.Bytes()
}

// writeBody sends body, gzipped when the client accepts it and it is
// worth it; pre is its compressed form when already known.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body, pre []byte) {
	hd := w.Header()
	hd.Add("Vary", "Accept-Encoding")
	if len(body) >= gzipMin && acceptsGzip(r) {
		if pre == nil {
			pre = gzipBytes(body, gzip.BestSpeed)
		}
		body = pre
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
