package api_test

// The cost suite (issue 12, items 7–12): every cost a caller can impose
// is bounded before the work, finishes within its budget, and the server's
// heap stays under a stated ceiling. Figures are logged (go test -v -run
// Cost ./api/); docs/limits.md lists every bound.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/contracts"
)

// onSQLite runs fn on a SQLite-backed stream server: costs do not depend
// on the engine.
func onSQLite(t *testing.T, withAuth bool, fn func(t *testing.T, s *streamServer)) {
	t.Helper()
	fn(t, startStreamServer(t, accordtest.Engines[0].Target(t), withAuth, contracts.UnownedOpen))
}

// heapPeak samples the heap while fn runs and returns its growth over
// the heap before fn, at the highest sample.
func heapPeak(fn func()) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

func errorCode(t *testing.T, r response) int {
	t.Helper()
	var b struct {
		ErrorCode int `json:"error_code"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("decoding the error %s: %v", r.Body, err)
	}
	return b.ErrorCode
}

// TestCostSchemaNesting (item 7): the attack review's compatibility
// request nesting JSON Schema "properties" 1,000 deep (37 KB, 25 s of CPU)
// is refused in well under a second with 422/42201 naming the limit; so
// are Avro and Protobuf nested past it.
func TestCostSchemaNesting(t *testing.T) {
	onSQLite(t, false, func(t *testing.T, s *streamServer) {
		for _, c := range []struct{ typ, schema string }{
			{"JSON", strings.Repeat(`{"type":"object","properties":{"a":`, 1000) + `{"type":"string"}` + strings.Repeat(`}}`, 1000)},
			{"AVRO", func() string {
				var b strings.Builder
				for i := range 1000 {
					fmt.Fprintf(&b, `{"type":"record","name":"R%d","fields":[{"name":"a","type":`, i)
				}
				return b.String() + `"string"` + strings.Repeat(`}]}`, 1000)
			}()},
			{"PROTOBUF", "syntax = \"proto3\";\n" + strings.Repeat("message M {\n", 1000) + strings.Repeat("}\n", 1000)},
		} {
			start := time.Now()
			r := s.do("POST", "/compatibility/subjects/deep-value/versions", map[string]any{"schemaType": c.typ, "schema": c.schema})
			took := time.Since(start)
			t.Logf("%s nested 1,000 deep (%d bytes): %d in %v", c.typ, len(c.schema), r.Status, took)
			if r.Status != 422 || errorCode(t, r) != 42201 || !strings.Contains(string(r.Body), "the limit is 64") {
				t.Errorf("%s: got %s, want 422/42201 naming the nesting limit", c.typ, r)
			}
			if took > 2*time.Second {
				t.Errorf("%s: refused in %v, budget 2 s", c.typ, took)
			}
		}
	})
}

// TestCostRules (item 8): a rule that does not compile is refused at
// registration with its position; a costly rule fails the record on the
// cost limit instead of running for seconds.
func TestCostRules(t *testing.T) {
	onSQLite(t, false, func(t *testing.T, s *streamServer) {
		r := s.do("POST", "/subjects/orders-value/versions", map[string]any{
			"schema":  validateOrder,
			"ruleSet": json.RawMessage(`{"domainRules":[{"name":"broken","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"(((("}]}`),
		})
		if r.Status != 422 || errorCode(t, r) != 42201 || !strings.Contains(string(r.Body), "broken") || !strings.Contains(string(r.Body), "1:5") {
			t.Errorf("a rule that does not compile: %s, want 422/42201 naming the rule and its position", r)
		}
		if vs := s.do("GET", "/subjects/orders-value/versions", nil); vs.Status != 404 {
			t.Errorf("the refused version was stored: %s", vs)
		}
		if c := s.do("POST", "/v1/streams", map[string]any{"name": "orders", "owner": "orders-svc", "eventType": "measurement"}); c.Status != http.StatusCreated {
			t.Fatal(c)
		}
		l := "[" + strings.TrimSuffix(strings.Repeat("1,", 200), ",") + "]"
		expr := fmt.Sprintf("%s.all(a, %s.all(b, %s.all(c, message.amount + a + b + c > 0)))", l, l, l) // 8 million steps
		rs, _ := json.Marshal(map[string]any{"domainRules": []map[string]any{{"name": "costly", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": expr}}})
		id, _ := s.register("orders-value", map[string]any{"schema": validateOrder, "ruleSet": json.RawMessage(rs)})
		value := append([]byte{0, 0, 0, 0, byte(id)}, avroOrderPayload("o-1", 5)...)
		var a validateAnswer
		start := time.Now()
		s.ok("POST", "/v1/validate", map[string]any{"topic": "orders", "producer": "orders-svc", "value": value}, &a)
		took := time.Since(start)
		t.Logf("a record under a rule of 8 million steps: valid=%v in %v", a.Valid, took)
		if a.Valid || len(a.Failures) != 1 || !strings.Contains(a.Failures[0].Reason, "cost limit") {
			t.Errorf("verdict %+v: want the rule to fail on its cost limit", a)
		}
		if took > 5*time.Second { // 26.9 s before the limit; a loaded machine under -race needs slack
			t.Errorf("the cost-limited record took %v, budget 5 s", took)
		}
	})
}

// avroOrderPayload is validateOrder's binary encoding of one order.
func avroOrderPayload(id string, amount int64) []byte {
	zz := func(n int64) []byte {
		u := uint64((n << 1) ^ (n >> 63))
		var b []byte
		for u >= 0x80 {
			b = append(b, byte(u)|0x80)
			u >>= 7
		}
		return append(b, byte(u))
	}
	out := append(zz(int64(len(id))), id...)
	return append(out, zz(amount)...)
}

// TestCostBatch (item 9): a batch over MaxBatchRecords is refused with
// 422 naming the limit; answers list at most MaxBatchFailures failures and
// count the rest; and the attack review's batch of 838,860 records
// (15.9 MB, from 159 MB to 1.3 GB before) and two full batches at once
// keep the heap under 64 MiB.
func TestCostBatch(t *testing.T) {
	const ceiling = 64 << 20
	onSQLite(t, false, func(t *testing.T, s *streamServer) {
		enc := setUpOrders(t, s)
		tiny := func(n int) []byte {
			var b bytes.Buffer
			b.WriteString(`{"records":[`)
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"topic":"ghosts"}`)
			}
			b.WriteString(`]}`)
			return b.Bytes()
		}
		r := s.do("POST", "/v1/validate/batch", tiny(10_001))
		if r.Status != 422 || !strings.Contains(string(r.Body), "10000") {
			t.Errorf("10,001 records: %s, want 422 naming the limit", r)
		}

		var a struct {
			validateAnswer
			FailuresOmitted int `json:"failuresOmitted"`
		}
		s.ok("POST", "/v1/validate/batch", tiny(3000), &a)
		if a.Records != 3000 || a.Invalid != 3000 || len(a.Failures) != 1000 || a.FailuresOmitted != 2000 || a.Failures[999].Record != 999 {
			t.Errorf("3,000 failing records: records %d invalid %d failures %d omitted %d", a.Records, a.Invalid, len(a.Failures), a.FailuresOmitted)
		}

		attack := tiny(838_860)
		var status int
		grew := heapPeak(func() {
			resp, err := s.HTTP.Post(s.URL+"/v1/validate/batch", "application/json", bytes.NewReader(attack))
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
		})
		t.Logf("838,860 records (%.1f MB): %d, heap +%.1f MiB", float64(len(attack))/1e6, status, float64(grew)/(1<<20))
		if status != 0 && status != 422 {
			t.Errorf("838,860 records: %d, want 422", status)
		}
		if grew > ceiling {
			t.Errorf("838,860 records grew the heap by %.1f MiB, ceiling %d MiB", float64(grew)/(1<<20), ceiling>>20)
		}

		var full bytes.Buffer
		full.WriteString(`{"records":[`)
		for i := range 10_000 {
			if i > 0 {
				full.WriteByte(',')
			}
			v, _ := json.Marshal(enc(fmt.Sprintf("o-%d", i), int64(i%7-1)))
			fmt.Fprintf(&full, `{"topic":"orders","producer":"orders-svc","value":%s}`, v)
		}
		full.WriteString(`]}`)
		var took time.Duration
		grew = heapPeak(func() {
			start := time.Now()
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var a validateAnswer
					s.ok("POST", "/v1/validate/batch", full.Bytes(), &a)
					if a.Records != 10_000 || a.Invalid == 0 {
						t.Errorf("a full batch: records %d invalid %d", a.Records, a.Invalid)
					}
				}()
			}
			wg.Wait()
			took = time.Since(start)
		})
		t.Logf("two batches of 10,000 records (%.1f MB each) at once: %v, heap +%.1f MiB", float64(full.Len())/1e6, took, float64(grew)/(1<<20))
		if grew > ceiling {
			t.Errorf("two full batches grew the heap by %.1f MiB, ceiling %d MiB", float64(grew)/(1<<20), ceiling>>20)
		}
	})
}

// TestCostPasswordGuessing (item 11): over HTTP, the attack review's 150
// wrong passwords then the right one: past 10 failures every attempt is
// 429 with Retry-After and a Confluent error body, the right password
// too, without the argon2id cost; tokens keep working.
func TestCostPasswordGuessing(t *testing.T) {
	onSQLite(t, true, func(t *testing.T, s *streamServer) {
		start := time.Now()
		limited := 0
		for i := range 150 {
			r := s.do("GET", "/subjects", nil, "Authorization", basicHeader("root", fmt.Sprintf("guess %d", i)))
			switch r.Status {
			case http.StatusTooManyRequests:
				limited++
				if r.Header.Get("Retry-After") == "" || errorCode(t, r) != 42901 {
					t.Fatalf("attempt %d: %s (Retry-After %q)", i, r, r.Header.Get("Retry-After"))
				}
			case http.StatusUnauthorized:
			default:
				t.Fatalf("attempt %d: %s", i, r)
			}
		}
		took := time.Since(start)
		t.Logf("150 wrong passwords: %d answered 429, %v", limited, took)
		// 10 are checked, then one more each time a lock (1 s, doubling)
		// ends while the flood goes on: a few more on a slow machine.
		if limited < 130 {
			t.Errorf("%d of 150 attempts throttled, want at least 130", limited)
		}
		if r := s.as(t, "orders-svc", "GET", "/subjects", nil); r.Status != 200 {
			t.Errorf("a token during the flood: %s", r)
		}
		if took > 30*time.Second {
			t.Errorf("150 attempts took %v", took)
		}
	})
}

// TestInputValidation (item 12): each malformed input is refused with a
// 4xx naming the field, and nothing is stored.
func TestInputValidation(t *testing.T) {
	onSQLite(t, false, func(t *testing.T, s *streamServer) {
		for _, c := range []struct {
			name, method, path string
			body               any
			status             int
			want               string
		}{
			{"stream name with a control character", "POST", "/v1/streams", map[string]any{"name": "orders\x01", "owner": "orders-svc", "eventType": "state"}, 422, "stream name"},
			{"stream name with a slash", "POST", "/v1/streams", map[string]any{"name": "a/b", "owner": "orders-svc", "eventType": "state"}, 422, "stream name"},
			{"description of 1 MiB", "POST", "/v1/streams", map[string]any{"name": "big", "owner": "orders-svc", "eventType": "state", "description": strings.Repeat("x", 1<<20)}, 422, "description"},
			{"a PII tag with a newline", "POST", "/v1/streams", map[string]any{"name": "tags", "owner": "orders-svc", "eventType": "state", "tags": map[string]any{"pii": []string{"a\nb"}}}, 422, "tags.pii[0]"},
			{"2,000 labels", "POST", "/v1/streams", map[string]any{"name": "labels", "owner": "orders-svc", "eventType": "state", "tags": map[string]any{"labels": make([]string, 2000)}}, 422, "tags.labels"},
			{"null body", "POST", "/v1/streams", "null", 422, "not null"},
			{"null registration", "POST", "/subjects/x-value/versions", "null", 422, "not null"},
		} {
			r := s.do(c.method, c.path, c.body)
			if r.Status != c.status || !strings.Contains(string(r.Body), c.want) {
				t.Errorf("%s: %s, want %d naming %q", c.name, r, c.status, c.want)
			}
		}
		if got := streamNames(t, s, ""); got != "" {
			t.Errorf("streams stored: %s", got)
		}

		s.register("money", map[string]any{"schema": `{"type":"record","name":"Money","fields":[{"name":"units","type":"long"}]}`})
		ref := map[string]any{"name": "Money", "subject": "money", "version": 1}
		dup := make([]any, 5000)
		for i := range dup {
			dup[i] = ref
		}
		payment := `{"type":"record","name":"Payment","fields":[{"name":"amount","type":"Money"}]}`
		r := s.do("POST", "/subjects/payments-value/versions", map[string]any{"schema": payment, "references": dup})
		if r.Status != 422 || errorCode(t, r) != 42201 || !strings.Contains(string(r.Body), "references") {
			t.Errorf("5,000 duplicate references: %s, want 422/42201 naming references", r)
		}
		r = s.do("POST", "/subjects/payments-value/versions", map[string]any{"schema": payment, "references": dup[:2]})
		if r.Status != 422 || errorCode(t, r) != 42201 || !strings.Contains(string(r.Body), "references[1]") {
			t.Errorf("a reference listed twice: %s, want 422/42201 naming references[1]", r)
		}
		many := make([]any, 1001)
		for i := range many {
			many[i] = map[string]any{"name": fmt.Sprintf("n%d", i), "subject": "money", "version": 1}
		}
		r = s.do("POST", "/subjects/payments-value/versions", map[string]any{"schema": payment, "references": many})
		if r.Status != 422 || !strings.Contains(string(r.Body), "the limit is 1000") {
			t.Errorf("1,001 references: %s, want 422 naming the limit", r)
		}
		if r := s.do("GET", "/subjects/payments-value/versions", nil); r.Status != 404 {
			t.Errorf("a refused schema was stored: %s", r)
		}
	})
}

// TestTokenInputValidation (item 12): a null body does not issue a token,
// and an expiry that would overflow is refused naming expires_in.
func TestTokenInputValidation(t *testing.T) {
	onSQLite(t, true, func(t *testing.T, s *streamServer) {
		before := s.do("GET", "/v1/tokens", nil)
		for _, c := range []struct {
			name string
			body any
			want string
		}{
			{"null body", "null", "not null"},
			{"expires_in overflowing a duration", map[string]any{"expires_in": "213504d"}, "expires_in"},
			{"expires_in in hours past ten years", map[string]any{"expires_in": "2562047h"}, "expires_in"},
		} {
			r := s.do("POST", "/v1/tokens", c.body)
			if r.Status != 422 || !strings.Contains(string(r.Body), c.want) {
				t.Errorf("%s: %s, want 422 naming %s", c.name, r, c.want)
			}
		}
		if after := s.do("GET", "/v1/tokens", nil); !bytes.Equal(before.Body, after.Body) {
			t.Errorf("tokens changed:\n%s\n%s", before.Body, after.Body)
		}
		if r := s.do("POST", "/v1/tokens", map[string]any{"expires_in": "3650d"}); r.Status != 200 {
			t.Errorf("ten years: %s", r)
		}
	})
}
