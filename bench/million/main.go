// Command million seeds a large registry through the import path and
// measures what scale costs (issue 17, item 3): seeding time, start-up
// time and memory after a restart, fetch-by-id and lookup throughput
// (lookups of held and of unseen schemas) against a small registry
// measured in the same run, and memory under an hour of mixed traffic
// (the soak).
//
//	go run ./bench/million -subjects 100000 -versions 10 -soak 1h
//	go run ./bench/million -subjects 1000 -versions 10 -soak 2m
//
// It builds cmd/accord, runs `accord serve` as a child process (SQLite in
// a temporary folder, or PostgreSQL with -database-url, whose database
// must be empty), and talks to it over loopback HTTP. Seeding is what
// `accord import` does: the global mode is set to IMPORT and every version
// is registered with its id and version number (references first), here
// by -workers clients at once; then the mode goes back to READWRITE.
//
// Memory is the server process's resident set (VmRSS, and its peak
// VmHWM) read from /proc. The soak sends a mix of reads and writes from
// -conns clients for -soak and prints a table of the RSS and the request
// rate every -sample (a minute). Throughput is closed-loop (-conns clients, each
// sending its next request when the last is answered) for -measure per
// figure; the small registry (-small-subjects of the same shapes) is
// measured in the same run, and the ratio large/small is what to read,
// since the machine's load moves absolute figures.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	subjects      = flag.Int("subjects", 100_000, "subjects to seed")
	versions      = flag.Int("versions", 10, "versions per subject")
	smallSubjects = flag.Int("small-subjects", 100, "subjects of the small registry measured for the ratios")
	workers       = flag.Int("workers", 16, "clients seeding at once (each seeds whole subjects, versions in order)")
	conns         = flag.Int("conns", 32, "clients at once while measuring throughput and during mixed traffic")
	measure       = flag.Duration("measure", 10*time.Second, "duration of each throughput figure")
	soak          = flag.Duration("soak", time.Hour, "duration of the mixed traffic after the throughput rounds; 0 skips it")
	sample        = flag.Duration("sample", time.Minute, "interval of the soak's RSS samples")
	rounds        = flag.Int("rounds", 2, "alternating rounds of each throughput figure, small then large; the best of each counts; 0 skips them")
	hotSet        = flag.Int("hot", 1000, "distinct ids (and lookups) in the hot working set (the published profile's 1,000 schemas)")
	dbURL         = flag.String("database-url", "", "PostgreSQL URL of an empty database for the large registry (default: SQLite in a temporary folder)")
	serveFlags    = flag.String("serve-flags", "", "extra flags for accord serve (e.g. the cache sizes), space-separated")
	keep          = flag.Bool("keep", false, "keep the temporary folder (binary, data, logs)")
	reuse         = flag.String("reuse", "", "the folder of an earlier -keep run whose large registry (SQLite) was seeded with the same -subjects and -versions: its data is served again instead of seeded")
	binary        = flag.String("bin", "", "accord binary to run instead of building ./cmd/accord (e.g. an older build, to compare seeding rates)")
	parsedWeight  = flag.Bool("parsed-weight", false, "only measure the heap a parsed schema takes per byte of its text, per format, and exit")
)

func main() {
	flag.Parse()
	if *parsedWeight {
		measureParsedWeight()
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "million:", err)
		os.Exit(1)
	}
}

func run() error {
	work, err := os.MkdirTemp("", "accord-million-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(work)
	}
	bin := *binary
	if bin == "" {
		bin = filepath.Join(work, "accord")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/accord").CombinedOutput(); err != nil {
			return fmt.Errorf("building accord (run from the repository root): %v: %s", err, out)
		}
	}
	report := &results{Subjects: *subjects, Versions: *versions, Store: "sqlite"}
	if *dbURL != "" {
		report.Store = "postgresql"
	}
	logf("work folder %s; %d subjects × %d versions = %d versions, store %s", work, *subjects, *versions, *subjects**versions, report.Store)

	// The small registry stays up while the large one is measured: the
	// two are measured in alternating rounds.
	small := layout{prefix: "bench-", subjects: *smallSubjects, versions: *versions}
	smallSrv, err := start(bin, filepath.Join(work, "small"), "", filepath.Join(work, "small.log"))
	if err != nil {
		return err
	}
	defer smallSrv.stop()
	if _, err := seed(smallSrv, small); err != nil {
		return err
	}

	// The large registry: seed, restart, measure, traffic.
	large := layout{prefix: "bench-", subjects: *subjects, versions: *versions}
	largeDir := filepath.Join(work, "large")
	if *reuse != "" {
		// Seeding a million versions takes the better part of an hour: an
		// earlier run's data can be measured again (with another build).
		if *dbURL != "" {
			return fmt.Errorf("-reuse serves an earlier run's SQLite folder; it cannot be combined with -database-url")
		}
		largeDir = filepath.Join(*reuse, "large")
		if _, err := os.Stat(largeDir); err != nil {
			return fmt.Errorf("-reuse: %w", err)
		}
	} else {
		srv, err := start(bin, largeDir, *dbURL, filepath.Join(work, "large.log"))
		if err != nil {
			return err
		}
		report.SeedTime, err = seed(srv, large)
		if err != nil {
			srv.stop()
			return err
		}
		report.SeedRSS, report.SeedPeakRSS = srv.rss(), srv.peakRSS()
		srv.stop()
	}
	srv, err := start(bin, largeDir, *dbURL, filepath.Join(work, "large.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	report.StartTime, report.StartRSS = srv.ready, srv.rss()
	if *rounds > 0 {
		report.Small, report.Large = throughput(smallSrv, small, srv, large)
	}
	report.SmallRSS = smallSrv.rss()
	smallSrv.stop()
	report.TrafficFor = *soak
	if *soak > 0 {
		report.Traffic, report.Samples = soakTraffic(srv, large, *soak, *sample)
	}
	report.print(os.Stdout)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// server is a running accord serve.
type server struct {
	cmd   *exec.Cmd
	base  string
	ready time.Duration // from exec to the first 200 of /health/ready
	hc    *http.Client
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func start(bin, dataDir, dbURL, logFile string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--data-dir", dataDir, "--log-level", "warn", "--access-log", "off"}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	args = append(args, strings.Fields(*serveFlags)...)
	lf, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 2 * time.Minute}}
	for time.Since(t0) < 5*time.Minute {
		resp, err := s.hc.Get(s.base + "/health/ready")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.ready = time.Since(t0)
				logf("accord serve ready in %v (pid %d, RSS %s)", s.ready.Round(time.Millisecond), cmd.Process.Pid, mib(s.rss()))
				return s, nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("accord serve not ready after 5 minutes (log: %s)", logFile)
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// rss and peakRSS read the server's VmRSS and VmHWM in bytes.
func (s *server) rss() int64     { return procStatus(s.cmd.Process.Pid, "VmRSS:") }
func (s *server) peakRSS() int64 { return procStatus(s.cmd.Process.Pid, "VmHWM:") }

func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// call sends one request and checks its status; it returns the body.
func (s *server) call(method, path string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return out, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(out))
	}
	return out, nil
}

// seed registers l's versions through the import path and reports how
// long it took.
func seed(s *server, l layout) (time.Duration, error) {
	t0 := time.Now()
	var retries atomic.Int64
	if _, err := s.call("PUT", "/mode?force=true", []byte(`{"mode":"IMPORT"}`), 200); err != nil {
		return 0, err
	}
	// A version is sent again after a server error (a database call past
	// its deadline on a loaded machine), as an importer would: the
	// registration is idempotent (same id, version and schema).
	post := func(v version) error {
		body, _ := json.Marshal(v)
		var err error
		for attempt := range 5 {
			var out []byte
			out, err = s.call("POST", "/subjects/"+escape(v.Subject)+"/versions", body, 200)
			if err == nil || !bytes.Contains(out, []byte(`"error_code":500`)) {
				return err
			}
			retries.Add(1)
			time.Sleep(time.Duration(attempt+1) * time.Second)
		}
		return err
	}
	for _, v := range commonVersions() {
		if err := post(v); err != nil {
			return 0, err
		}
	}
	var (
		next   atomic.Int64
		done   atomic.Int64
		failed atomic.Pointer[error]
		wg     sync.WaitGroup
	)
	stopProgress := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				n := done.Load()
				logf("seeded %d of %d versions (%.0f/s), server RSS %s", n, l.total(), float64(n)/time.Since(t0).Seconds(), mib(s.rss()))
			}
		}
	}()
	for range *workers {
		wg.Go(func() {
			for failed.Load() == nil {
				sub := int(next.Add(1) - 1)
				if sub >= l.subjects {
					return
				}
				for v := 1; v <= l.versions; v++ {
					if err := post(l.version(sub, v)); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
					done.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(stopProgress)
	if err := failed.Load(); err != nil {
		return 0, *err
	}
	if _, err := s.call("PUT", "/mode?force=true", []byte(`{"mode":"READWRITE"}`), 200); err != nil {
		return 0, err
	}
	d := time.Since(t0)
	logf("seeded %d versions in %v (%.0f/s), %d sent again after a server error", l.total()+len(commons), d.Round(time.Second), float64(l.total())/d.Seconds(), retries.Load())
	return d, nil
}

func escape(subject string) string { return strings.ReplaceAll(subject, "/", "%2F") }

// figure is one throughput measurement.
type figure struct {
	RPS           float64
	P50, P99      time.Duration
	Errors        int
	Requests      int
	Name, Drawing string
}

// op is one request a load generator sends.
type op func(r *rand.Rand) (method, path string, body []byte, want int)

// load runs op from n clients for d and measures it.
func load(s *server, n int, d time.Duration, o op) figure {
	var (
		mu   sync.Mutex
		lats []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for c := range n {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				method, path, body, want := o(r)
				t := time.Now()
				if _, err := s.call(method, path, body, want); err != nil {
					if bad == 0 {
						logf("error: %v", err)
					}
					bad++
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lats = append(lats, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lats)
	f := figure{Requests: len(lats), Errors: errs, RPS: float64(len(lats)) / d.Seconds()}
	if len(lats) > 0 {
		f.P50, f.P99 = lats[len(lats)/2], lats[len(lats)*99/100]
	}
	return f
}

func fetchByID(l layout, draw func(r *rand.Rand) (int, int)) op {
	return func(r *rand.Rand) (string, string, []byte, int) {
		s, v := draw(r)
		return "GET", "/schemas/ids/" + strconv.FormatInt(l.id(s, v), 10), nil, 200
	}
}

func lookup(l layout, draw func(r *rand.Rand) (int, int)) op {
	return func(r *rand.Rand) (string, string, []byte, int) {
		s, v := draw(r)
		ver := l.version(s, v)
		ver.ID, ver.Version = 0, 0
		body, _ := json.Marshal(ver)
		return "POST", "/subjects/" + escape(ver.Subject), body, 200
	}
}

// lookupUnseen looks up, under a drawn subject, a schema it does not hold
// (its next version): 404, after parsing the request and reading the
// subject's view.
func lookupUnseen(l layout, draw func(r *rand.Rand) (int, int)) op {
	return func(r *rand.Rand) (string, string, []byte, int) {
		s, _ := draw(r)
		ver := l.version(s, l.versions+1)
		ver.ID, ver.Version = 0, 0
		body, _ := json.Marshal(ver)
		return "POST", "/subjects/" + escape(ver.Subject), body, 404
	}
}

// hot draws from a fixed set of n (subject, version) pairs; uniform from
// all of l.
func hot(l layout, n int) func(r *rand.Rand) (int, int) {
	n = min(n, l.total())
	set := make([][2]int, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range set {
		k := r.IntN(l.total())
		set[i] = [2]int{k / l.versions, k%l.versions + 1}
	}
	return func(r *rand.Rand) (int, int) {
		p := set[r.IntN(n)]
		return p[0], p[1]
	}
}

func uniform(l layout) func(r *rand.Rand) (int, int) {
	return func(r *rand.Rand) (int, int) {
		k := r.IntN(l.total())
		return k / l.versions, k%l.versions + 1
	}
}

// throughput measures fetch by id and lookup on both registries in
// alternating rounds (-rounds; the best round of each counts): with ids
// drawn from a hot set of -hot versions (a working set that fits the
// caches), and uniformly over every version (each request a cache miss on
// the large registry).
func throughput(small *server, sl layout, large *server, ll layout) (smallF, largeF []figure) {
	type kind struct {
		name, drawing string
		op            func(l layout) op
	}
	kinds := []kind{
		{"GET /schemas/ids/{id}", "hot", func(l layout) op { return fetchByID(l, hot(l, *hotSet)) }},
		{"POST /subjects/{s} (lookup)", "hot", func(l layout) op { return lookup(l, hot(l, *hotSet)) }},
		{"GET /schemas/ids/{id}", "uniform", func(l layout) op { return fetchByID(l, uniform(l)) }},
		{"POST /subjects/{s} (lookup)", "uniform", func(l layout) op { return lookup(l, uniform(l)) }},
		{"POST /subjects/{s} (lookup, unseen schema)", "hot", func(l layout) op { return lookupUnseen(l, hot(l, *hotSet)) }},
		{"POST /subjects/{s} (lookup, unseen schema)", "uniform", func(l layout) op { return lookupUnseen(l, uniform(l)) }},
	}
	best := func(s *server, l layout, k kind, prev figure) figure {
		o := k.op(l)
		load(s, *conns, time.Second, o) // warm-up, not counted
		f := load(s, *conns, *measure, o)
		f.Name, f.Drawing = k.name, k.drawing
		logf("%d versions: %s (%s): %.0f req/s, p50 %v, p99 %v, %d errors", l.total(), k.name, k.drawing, f.RPS, f.P50, f.P99, f.Errors)
		if f.RPS > prev.RPS {
			return f
		}
		return prev
	}
	for _, k := range kinds {
		var sf, lf figure
		for range *rounds {
			sf = best(small, sl, k, sf)
			lf = best(large, ll, k, lf)
		}
		smallF, largeF = append(smallF, sf), append(largeF, lf)
	}
	return smallF, largeF
}

// soakKinds is the soak's mix of requests, with their weights: reads of
// every kind over every id and subject, lookups of held and of unseen
// schemas, compatibility checks, lists, and new registrations.
func soakKinds(l layout) []soakKind {
	var newSubjects atomic.Int64
	u := uniform(l)
	h := hot(l, *hotSet)
	return []soakKind{
		{"GET /schemas/ids/{id}, hot set", 25, fetchByID(l, h)},
		{"GET /schemas/ids/{id}, any id", 20, fetchByID(l, u)},
		{"GET /subjects/{s}/versions/{v}", 15, func(r *rand.Rand) (string, string, []byte, int) {
			sub, v := u(r)
			return "GET", fmt.Sprintf("/subjects/%s/versions/%d", escape(l.subject(sub)), v), nil, 200
		}},
		{"POST /subjects/{s} lookup, held schema", 10, lookup(l, u)},
		{"POST /subjects/{s} lookup, unseen schema", 5, lookupUnseen(l, u)},
		{"POST /compatibility/.../latest", 5, func(r *rand.Rand) (string, string, []byte, int) {
			sub, _ := u(r)
			ver := l.version(sub, l.versions+1)
			ver.ID, ver.Version = 0, 0
			body, _ := json.Marshal(ver)
			return "POST", "/compatibility/subjects/" + escape(ver.Subject) + "/versions/latest", body, 200
		}},
		{"GET /subjects/{s}/versions", 5, func(r *rand.Rand) (string, string, []byte, int) {
			sub, _ := u(r)
			return "GET", "/subjects/" + escape(l.subject(sub)) + "/versions", nil, 200
		}},
		{"GET /subjects?offset&limit=100", 5, func(r *rand.Rand) (string, string, []byte, int) {
			return "GET", fmt.Sprintf("/subjects?offset=%d&limit=100", r.IntN(l.subjects)), nil, 200
		}},
		{"POST /subjects/{new}/versions", 4, func(r *rand.Rand) (string, string, []byte, int) {
			n := int(newSubjects.Add(1))
			ver := layout{prefix: "new-", subjects: 1, versions: 1}.version(n, 1)
			ver.Subject = fmt.Sprintf("new-%07d-value", n)
			ver.ID, ver.Version = 0, 0
			body, _ := json.Marshal(ver)
			return "POST", "/subjects/" + escape(ver.Subject) + "/versions", body, 200
		}},
		{"GET /subjects (all, streamed)", 1, func(r *rand.Rand) (string, string, []byte, int) {
			return "GET", "/subjects", nil, 200
		}},
	}
}

type soakKind struct {
	name   string
	weight int
	o      op
}

// sampleRow is one line of the soak's table.
type sampleRow struct {
	At            time.Duration
	RSS, Peak     int64 // VmRSS now, VmHWM (the peak since start-up)
	Requests, Err int64 // in the interval
	Interval      time.Duration
}

// soakTraffic sends the soak's mix from -conns clients for d, sampling
// the server's memory every `every` (and at the end); it answers the
// figures per kind and the samples. Latencies go to histograms, so an
// hour costs the benchmark constant memory.
func soakTraffic(s *server, l layout, d, every time.Duration) ([]figure, []sampleRow) {
	logf("soak: mixed traffic for %v, RSS sampled every %v", d, every)
	kinds := soakKinds(l)
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	hists := make([]histogram, len(kinds))
	var (
		requests, failures atomic.Int64
		wg                 sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for c := range *conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c)+100, uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				x := r.IntN(total)
				i := 0
				for x >= kinds[i].weight {
					x -= kinds[i].weight
					i++
				}
				method, path, body, want := kinds[i].o(r)
				t := time.Now()
				_, err := s.call(method, path, body, want)
				lat := time.Since(t)
				if ctx.Err() != nil {
					return // cut off by the end: not counted
				}
				requests.Add(1)
				failed := err != nil
				if failed {
					if failures.Add(1) <= 10 {
						logf("error: %v", err)
					}
				}
				hists[i].add(lat, failed)
			}
		})
	}
	var rows []sampleRow
	t0, last := time.Now(), time.Now()
	var lastReq, lastErr int64
	take := func() {
		now := time.Now()
		req, fail := requests.Load(), failures.Load()
		row := sampleRow{At: now.Sub(t0), RSS: s.rss(), Peak: s.peakRSS(), Requests: req - lastReq, Err: fail - lastErr, Interval: now.Sub(last)}
		rows = append(rows, row)
		lastReq, lastErr, last = req, fail, now
		logf("soak %v: RSS %s (peak %s), %.0f req/s, %d errors", row.At.Round(time.Second), mib(row.RSS), mib(row.Peak), float64(row.Requests)/row.Interval.Seconds(), row.Err)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
			// The last sample at the end, not after the requests in
			// flight drain (which no longer count).
			if time.Since(last) > every/10 || len(rows) == 0 {
				take()
			}
		case <-tick.C:
			take()
		}
	}
	wg.Wait()
	out := make([]figure, len(kinds))
	for i := range kinds {
		out[i] = hists[i].figure(kinds[i].name, d)
	}
	return out, rows
}

// histogram records latencies in buckets 5 % apart (1 µs to ~80 s), so
// that percentiles of an hour of requests take a few KiB.
type histogram struct {
	mu       sync.Mutex
	buckets  [400]int64
	n, fails int64
}

const bucketGrowth = 1.05

func (h *histogram) add(d time.Duration, failed bool) {
	i := 0
	if us := float64(d) / float64(time.Microsecond); us > 1 {
		i = min(int(math.Log(us)/math.Log(bucketGrowth)), len(h.buckets)-1)
	}
	h.mu.Lock()
	h.buckets[i]++
	h.n++
	if failed {
		h.fails++
	}
	h.mu.Unlock()
}

// quantile is the upper bound of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	want := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.buckets {
		seen += c
		if seen >= want && c > 0 {
			return time.Duration(math.Pow(bucketGrowth, float64(i+1)) * float64(time.Microsecond))
		}
	}
	return 0
}

func (h *histogram) figure(name string, d time.Duration) figure {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := figure{Name: name, Requests: int(h.n), Errors: int(h.fails), RPS: float64(h.n) / d.Seconds()}
	if h.n > 0 {
		f.P50, f.P99 = h.quantile(0.50), h.quantile(0.99)
	}
	return f
}

type results struct {
	Subjects, Versions             int
	Store                          string
	SeedTime, StartTime            time.Duration
	SmallRSS, SeedRSS, SeedPeakRSS int64
	StartRSS                       int64
	TrafficFor                     time.Duration
	Small, Large, Traffic          []figure
	Samples                        []sampleRow
}

func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "\n## %d subjects × %d versions (%d versions), %s\n\n", r.Subjects, r.Versions, r.Subjects*r.Versions, r.Store)
	fmt.Fprintf(w, "| what | figure |\n|---|---|\n")
	if r.SeedTime > 0 {
		fmt.Fprintf(w, "| seeding (import mode, %d clients) | %v (%.0f versions/s) |\n", *workers, r.SeedTime.Round(time.Second), float64(r.Subjects*r.Versions)/r.SeedTime.Seconds())
		fmt.Fprintf(w, "| RSS at the end of seeding (peak) | %s (%s) |\n", mib(r.SeedRSS), mib(r.SeedPeakRSS))
	} else {
		fmt.Fprintf(w, "| seeding | not measured: the data of %s was served again (-reuse) |\n", *reuse)
	}
	fmt.Fprintf(w, "| start-up after restart (exec to ready) | %v |\n", r.StartTime.Round(time.Millisecond))
	fmt.Fprintf(w, "| RSS after restart | %s |\n", mib(r.StartRSS))
	if n := len(r.Samples); n > 0 {
		last := r.Samples[n-1]
		fmt.Fprintf(w, "| RSS after %v of mixed traffic (peak since start-up) | %s (%s) |\n", r.TrafficFor, mib(last.RSS), mib(last.Peak))
	}
	if len(r.Large) > 0 {
		fmt.Fprintf(w, "| RSS of the small registry (%d versions) after the throughput rounds | %s |\n", *smallSubjects**versions, mib(r.SmallRSS))
		fmt.Fprintf(w, "\nThroughput, %d clients, best of %d alternating rounds of %v (small: %d versions; hot: %d versions drawn again and again, uniform: any version; an unseen schema is the version after the subject's last):\n\n", *conns, *rounds, *measure, *smallSubjects**versions, *hotSet)
		fmt.Fprintf(w, "| request | ids drawn | small req/s (p50/p99) | large req/s (p50/p99) | large/small |\n|---|---|---|---|---|\n")
		for i, lf := range r.Large {
			sf := r.Small[i]
			fmt.Fprintf(w, "| %s | %s | %.0f (%v/%v) | %.0f (%v/%v) | %.2f |\n", lf.Name, lf.Drawing, sf.RPS, round(sf.P50), round(sf.P99), lf.RPS, round(lf.P50), round(lf.P99), lf.RPS/sf.RPS)
		}
	}
	if len(r.Samples) > 0 {
		fmt.Fprintf(w, "\nSoak, %d clients, %v: the server's memory every %v\n\n| at | RSS | peak RSS | req/s | errors |\n|---|---|---|---|---|\n", *conns, r.TrafficFor, *sample)
		for _, row := range r.Samples {
			fmt.Fprintf(w, "| %v | %s | %s | %.0f | %d |\n", row.At.Round(time.Second), mib(row.RSS), mib(row.Peak), float64(row.Requests)/row.Interval.Seconds(), row.Err)
		}
		fmt.Fprintf(w, "\n| request | req/s | p50 | p99 | errors |\n|---|---|---|---|---|\n")
		for _, f := range r.Traffic {
			fmt.Fprintf(w, "| %s | %.1f | %v | %v | %d |\n", f.Name, f.RPS, round(f.P50), round(f.P99), f.Errors)
		}
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d > 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
