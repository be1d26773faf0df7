#!/usr/bin/env bash
# Accord's comparison profile (issue 17): the public schema-registry
# comparison's setup (1,000 distinct Avro schemas, requests drawn at
# random among them, 100 keep-alive connections, warm-up excluded) for
# five endpoints, each against a bare net/http handler (bench/ceiling)
# measured in the same run, with wrk over loopback.
#
#   bash bench/run.sh                      # SQLite store in a temp folder
#   bash bench/run.sh postgres://...       # PostgreSQL store (an EMPTY database)
#
# The server is the real binary wired as `accord serve` wires it:
# authentication on (every request carries a service's HTTP Basic
# credentials, as serializers send them), contracts (every subject is a
# stream's value subject, owned by that service, so registrations pass the
# single-writer policy and version answers carry the stream mirror),
# metrics on; the access log is off (a line per request costs what writing
# it costs; say AUTH=off to measure without authentication).
#
# Endpoints (BENCH_MODE of bench/profile.lua):
#   fetch     GET  /schemas/ids/{id}
#   version   GET  /subjects/{subject}/versions/1
#   lookup    POST /subjects/{subject}            (the subject's schema)
#   compat    POST /compatibility/subjects/{subject}/versions/latest
#             (a compatible evolution: an optional field added)
#   register  POST /subjects/{new}/versions        (a new schema each time)
# The ceiling is sent the very same requests (same script, same mode;
# it reads the body of a POST and answers a fixed body), so GETs get a
# GET ceiling and POSTs a POST ceiling; for each endpoint it is started
# again answering as many bytes as Accord's answer to that endpoint's
# first request (a version's answer carries its subject, version and
# stream mirror, 20% more than a fetch's; a registration answers an id).
# The summary's header lists the sizes.
# Each endpoint gets a warm-up run of both (discarded), then ROUNDS
# rounds of one ceiling run and one endpoint run, alternating which goes
# first; the summary gives medians over the rounds with their range.
# The ceiling is a production net/http server, not a bare one: it runs
# with the http.Server timeouts accord serve sets (SERVE_TIMEOUTS below,
# serve's defaults from cmd/accord/serve.go boundedServer; a test there,
# TestBenchCeilingHasServeTimeouts, keeps the two alike), so both pay the
# read and write deadlines net/http sets on the connection per request.
# (serve's connection bound, --max-connections 4096, costs per accept,
# not per request, and is not mirrored.)
#
# Env: DURATION (5s per run), WARMUP (2s), CONNS (100), THREADS (1 wrk
# thread), ROUNDS (5), SCHEMAS (1000), MODES ("fetch version lookup
# compat register"), AUTH (on), KEEP (a folder to keep the raw results in),
# BASELINE (a git revision, e.g. main or HEAD~3: Accord built at that
# revision is served beside the working tree's, on its own store seeded
# alike, and each round measures the three in rotating order; the summary
# adds the baseline's rows and the working tree's throughput and p99 as a
# ratio of the baseline's, round by round. On SQLite only.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }

DURATION=${DURATION:-5s} WARMUP=${WARMUP:-2s} CONNS=${CONNS:-100} THREADS=${THREADS:-1} ROUNDS=${ROUNDS:-5}
SCHEMAS=${SCHEMAS:-1000} MODES=${MODES:-"fetch version lookup compat register"} AUTH=${AUTH:-on}
DBURL=${1:-}
# accord serve's http.Server timeouts at its defaults (--read-timeout 1m:
# ReadHeaderTimeout min(10s, read), ReadTimeout, WriteTimeout max(2m,
# read), IdleTimeout 2m), given to the ceiling as they are.
SERVE_TIMEOUTS=(--read-header-timeout 10s --read-timeout 1m --write-timeout 2m --idle-timeout 2m)
work=$(mktemp -d)
pids=()
# On exit the servers stop first (and finish what is in flight), then
# their files go.
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

go build -o "$work/accord" ./cmd/accord
go build -o "$work/ceiling" ./bench/ceiling
go build -o "$work/seed" ./bench/seed
BASELINE=${BASELINE:-}
if [ -n "$BASELINE" ]; then
  [ -z "$DBURL" ] || { echo "BASELINE is for SQLite runs only (each server needs its own store)" >&2; exit 2; }
  mkdir "$work/base-src"
  git archive "$BASELINE" | tar -x -C "$work/base-src"
  (cd "$work/base-src" && go build -o "$work/accord-base" ./cmd/accord)
fi
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
AP=$(port) CP=$(port) BP=$(port)
A="http://127.0.0.1:$AP" C="http://127.0.0.1:$CP" B="http://127.0.0.1:$BP"

storename=sqlite
if [ -n "$DBURL" ]; then storename=postgresql; fi
authargs=(--auth off) seedargs=()
if [ "$AUTH" = on ]; then
  printf 'bench-admin-secret-%s\n' "$RANDOM$RANDOM" > "$work/admin-pass"
  authargs=(--auth on --bootstrap-admin bench-admin --bootstrap-admin-password-file "$work/admin-pass")
  seedargs=(-admin bench-admin -admin-password-file "$work/admin-pass")
fi
# start BINARY PORT DIR: serve on PORT with its store (in DIR unless
# DBURL), seeded, the request files in DIR.
start() {
  local store=(--data-dir "$3/data")
  if [ -n "$DBURL" ]; then store=(--database-url "$DBURL"); fi
  "$1" serve --addr "127.0.0.1:$2" "${store[@]}" "${authargs[@]}" --access-log off --log-level warn &
  pids+=($!)
  echo $! > "$3/pid"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$2/health/ready" >/dev/null && break; sleep 0.2; done
  "$work/seed" -url "http://127.0.0.1:$2" "${seedargs[@]}" -n "$SCHEMAS" -out "$3"
}
start "$work/accord" "$AP" "$work"
if [ -n "$BASELINE" ]; then mkdir "$work/base" && start "$work/accord-base" "$BP" "$work/base"; fi
auth=$(cat "$work/auth.txt")
# answer_size MODE: the bytes of Accord's answer to MODE's first request
# (register: a registration of one more new schema, like those to come).
answer_size() {
  local s0 h=(-H "Content-Type: application/vnd.schemaregistry.v1+json")
  s0=$(head -1 "$work/subjects.txt")
  if [ -n "$auth" ]; then h+=(-H "Authorization: $auth"); fi
  case $1 in
    fetch) curl -sf "${h[@]}" "$A/schemas/ids/$(head -1 "$work/ids.txt")" ;;
    version) curl -sf "${h[@]}" "$A/subjects/$s0/versions/1" ;;
    lookup) curl -sf "${h[@]}" -d @<(head -1 "$work/lookup.txt") "$A/subjects/$s0" ;;
    compat) curl -sf "${h[@]}" -d @<(head -1 "$work/compat.txt") "$A/compatibility/subjects/$s0/versions/latest" ;;
    register) curl -sf "${h[@]}" -d @<(head -1 "$work/lookup.txt" | sed 's/Order[0-9]*/OrderSizeProbe/') "$A/subjects/bench-size-probe-value/versions" ;;
  esac | wc -c
}
declare -A sizes
for mode in $MODES; do
  sizes[$mode]=$(answer_size "$mode")
  [ "${sizes[$mode]}" -gt 0 ] || { echo "run.sh: Accord did not answer the first $mode request" >&2; exit 1; }
done
mkdir "$work/ceiling-pid"
# ceiling BYTES: (re)starts the ceiling answering BYTES.
ceiling() {
  if [ -s "$work/ceiling-pid/pid" ]; then kill "$(cat "$work/ceiling-pid/pid")" 2>/dev/null || true; fi
  for _ in $(seq 50); do curl -sf "$C/" >/dev/null || break; sleep 0.1; done
  "$work/ceiling" --addr "127.0.0.1:$CP" --body-bytes "$1" "${SERVE_TIMEOUTS[@]}" &
  pids+=($!)
  echo $! > "$work/ceiling-pid/pid"
  for _ in $(seq 50); do curl -sf "$C/" >/dev/null && break; sleep 0.2; done
}

# run URL MODE DURATION [DIR]: one wrk run with the request files of DIR
# ($work); prints profile.lua's JSON line.
run() {
  local out
  out=$(BENCH_MODE=$2 BENCH_DIR=${4:-$work} wrk -t"$THREADS" -c"$CONNS" -d"$3" --timeout 10s -s bench/profile.lua "$1") || { echo "$out" >&2; return 1; }
  tail -1 <<<"$out"
}

results="$work/results.jsonl"
echo "store=$storename auth=$AUTH schemas=$SCHEMAS conns=$CONNS threads=$THREADS duration=$DURATION rounds=$ROUNDS warmup=$WARMUP answer-bytes=$(for m in $MODES; do printf '%s:%s,' "$m" "${sizes[$m]}"; done | sed 's/,$//')${BASELINE:+ baseline=$BASELINE ($(git rev-parse --short "$BASELINE"))} $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Each target: name, URL, request files, folder of its pid file.
targets=("ceiling $C $work $work/ceiling-pid" "accord $A $work $work")
if [ -n "$BASELINE" ]; then targets+=("baseline $B $work/base $work/base"); fi
# cpu PIDFILE: the CPU time (user and system, clock ticks) the process has
# used: a server's CPU per request depends less than its throughput on
# what else the machine runs.
cpu() { awk '{print $14 + $15}' "/proc/$(cat "$1/pid")/stat"; }
tick=$(getconf CLK_TCK)
nt=${#targets[@]}
for mode in $MODES; do
  ceiling "${sizes[$mode]}"
  for t in "${targets[@]}"; do
    set -- $t
    run "$2" "$mode" "$WARMUP" "$3" >/dev/null
  done
  for r in $(seq "$ROUNDS"); do
    # Each round starts with the next target, and with two targets
    # alternates which goes first.
    for i in $(seq 0 $((nt - 1))); do
      set -- ${targets[$(((r + i) % nt))]}
      c0=$(cpu "$4")
      out=$(run "$2" "$mode" "$DURATION" "$3")
      printf '{"mode":"%s","target":"%s","round":%d,"cpu_ticks":%d,"tick_hz":%d,"r":%s}\n' "$mode" "$1" "$r" "$(( $(cpu "$4") - c0 ))" "$tick" "$out" >> "$results"
    done
  done
done
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$results" "$KEEP/"; fi

python3 - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
modes = []
for r in rows:
    if r["mode"] not in modes:
        modes.append(r["mode"])
names = {"fetch": "GET /schemas/ids/{id}", "version": "GET /subjects/{s}/versions/1", "lookup": "POST /subjects/{s} (lookup)",
         "compat": "POST /compatibility/.../latest", "register": "POST /subjects/{new}/versions"}
def med(xs): return statistics.median(xs)
def rng(xs, f="{:.0f}"): return f.format(min(xs)) + "–" + f.format(max(xs))
errors = 0
print("| endpoint | req/s (range) | ceiling req/s | throughput ratio | p50 / p99 / p99.9 ms | ceiling p50 / p99 / p99.9 ms | p99 ratio | server CPU µs/req (ceiling) | CPU ratio |")
print("|---|---|---|---|---|---|---|---|---|")
versus = []
for m in modes:
    by = {"accord": {}, "ceiling": {}, "baseline": {}}
    for r in rows:
        if r["mode"] == m:
            by[r["target"]][r["round"]] = dict(r["r"], cpu=r["cpu_ticks"] / r["tick_hz"])
            errors += r["r"]["errors"]
    rounds = sorted(set(by["accord"]) & set(by["ceiling"]))
    rps = lambda t: [by[t][k]["requests"] / by[t][k]["seconds"] for k in rounds]
    pct = lambda t, p: [by[t][k][p] / 1000 for k in rounds]
    lat = lambda t: " / ".join("{:.2f}".format(med(pct(t, p))) for p in ("p50", "p99", "p999"))
    cpu = lambda t: [1e6 * by[t][k]["cpu"] / by[t][k]["requests"] for k in rounds]
    for t, label in (("accord", ""), ("baseline", " (baseline)")):
        if not by[t]:
            continue
        ratio = [a / c for a, c in zip(rps(t), rps("ceiling"))]
        p99r = [a / c for a, c in zip(pct(t, "p99"), pct("ceiling", "p99"))]
        cpur = [a / c for a, c in zip(cpu(t), cpu("ceiling"))]
        print(f"| {names.get(m, m)}{label} | {med(rps(t)):.0f} ({rng(rps(t))}) | {med(rps('ceiling')):.0f} ({rng(rps('ceiling'))}) "
              f"| {med(ratio):.2f} ({rng(ratio, '{:.2f}')}) | {lat(t)} | {lat('ceiling')} | {med(p99r):.2f} ({rng(p99r, '{:.2f}')}) "
              f"| {med(cpu(t)):.1f} ({med(cpu('ceiling')):.1f}) | {med(cpur):.2f} ({rng(cpur, '{:.2f}')}) |")
    if by["baseline"]:
        tr = [a / b for a, b in zip(rps("accord"), rps("baseline"))]
        pr = [a / b for a, b in zip(pct("accord", "p99"), pct("baseline", "p99"))]
        cr = [a / b for a, b in zip(cpu("accord"), cpu("baseline"))]
        versus.append(f"| {names.get(m, m)} | {med(tr):.2f} ({rng(tr, '{:.2f}')}) | {med(pr):.2f} ({rng(pr, '{:.2f}')}) | {med(cr):.2f} ({rng(cr, '{:.2f}')}) |")
print(f"\nmedians over {len(rounds)} interleaved rounds (range in brackets); ratios are per round (Accord over the ceiling run next to it). "
      "Server CPU: user and system time of the server process per request (the ceiling's in brackets), which depends less on the machine's other load than req/s.")
if versus:
    print("\n| endpoint | throughput, this tree / baseline | p99, this tree / baseline | server CPU per request, this tree / baseline |\n|---|---|---|---|")
    print("\n".join(versus))
if errors:
    print(f"WARNING: {errors} requests failed (non-2xx or socket errors): the figures above are not valid", file=sys.stderr)
    sys.exit(1)
EOF
