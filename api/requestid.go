package api

// Request ids: every answer carries X-Request-Id, the caller's when it
// sends one (up to maxRequestIDLen bytes), else one made here. A made id
// is this process's random prefix, a dash and a per-process sequence
// number in base 36 ("k3x9q2mf-1a"): unique within the process, and
// across processes and replicas but for a 1 in 36^8 chance per pair of
// processes, so audit entries and logs of several replicas can be told
// apart. Making one costs a single allocation, the header's value (its
// slice and text in one block), paid on every request.

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// maxRequestIDLen is the longest caller's X-Request-Id kept; a longer
// one is replaced by a made id (docs/limits.md).
const maxRequestIDLen = 128

// requestIDPrefixLen is the length of a made id's random prefix.
const requestIDPrefixLen = 8

var (
	// requestIDPrefix is this process's random prefix and its dash.
	requestIDPrefix = newRequestIDPrefix()
	// requestSeq numbers this process's made ids.
	requestSeq atomic.Uint64
)

// newRequestIDPrefix draws requestIDPrefixLen base-36 characters.
func newRequestIDPrefix() [requestIDPrefixLen + 1]byte {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var p [requestIDPrefixLen + 1]byte
	var raw [requestIDPrefixLen]byte
	rand.Read(raw[:]) // never fails (crypto/rand since Go 1.24)
	for i, b := range raw {
		p[i] = digits[int(b)%len(digits)]
	}
	p[requestIDPrefixLen] = '-'
	return p
}

// requestIDValue is a made id's header value: the one-element slice the
// header holds and the bytes of its string, allocated together. The bytes
// are written once, before the string is made, and never again.
type requestIDValue struct {
	v   [1]string
	buf [requestIDPrefixLen + 1 + 13]byte // 13: the base-36 digits of 2^64-1
}

// newRequestID returns a made id as a header value.
func newRequestID() []string {
	rv := new(requestIDValue)
	n := copy(rv.buf[:], requestIDPrefix[:])
	n += len(strconv.AppendUint(rv.buf[n:n], requestSeq.Add(1), 36))
	rv.v[0] = unsafe.String(&rv.buf[0], n)
	return rv.v[:]
}

// setRequestID sets the answer's X-Request-Id: the caller's when it sends
// one no longer than maxRequestIDLen, else a made one.
func (s *Server) setRequestID(w http.ResponseWriter, r *http.Request) {
	var v []string
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= maxRequestIDLen {
		v = []string{id}
	} else {
		v = newRequestID()
	}
	w.Header()["X-Request-Id"] = v // the canonical name: no Set
}
