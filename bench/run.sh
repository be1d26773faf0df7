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
# it reads the body of a POST and answers a fixed body as large as a
# fetch's answer), so GETs get a GET ceiling and POSTs a POST ceiling.
# Each endpoint gets a warm-up run of both (discarded), then ROUNDS
# rounds of one ceiling run and one endpoint run, alternating which goes
# first; the summary gives medians over the rounds with their range.
#
# Env: DURATION (5s per run), WARMUP (2s), CONNS (100), THREADS (1 wrk
# thread), ROUNDS (5), SCHEMAS (1000), MODES ("fetch version lookup
# compat register"), AUTH (on), KEEP (a folder to keep the raw results in).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }

DURATION=${DURATION:-5s} WARMUP=${WARMUP:-2s} CONNS=${CONNS:-100} THREADS=${THREADS:-1} ROUNDS=${ROUNDS:-5}
SCHEMAS=${SCHEMAS:-1000} MODES=${MODES:-"fetch version lookup compat register"} AUTH=${AUTH:-on}
DBURL=${1:-}
work=$(mktemp -d)
pids=()
# On exit the servers stop first (and finish what is in flight), then
# their files go.
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

go build -o "$work/accord" ./cmd/accord
go build -o "$work/ceiling" ./bench/ceiling
go build -o "$work/seed" ./bench/seed
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
AP=$(port) CP=$(port)
A="http://127.0.0.1:$AP" C="http://127.0.0.1:$CP"

store=(--data-dir "$work/data") storename=sqlite
if [ -n "$DBURL" ]; then store=(--database-url "$DBURL") storename=postgresql; fi
authargs=(--auth off) seedargs=()
if [ "$AUTH" = on ]; then
  printf 'bench-admin-secret-%s\n' "$RANDOM$RANDOM" > "$work/admin-pass"
  authargs=(--auth on --bootstrap-admin bench-admin --bootstrap-admin-password-file "$work/admin-pass")
  seedargs=(-admin bench-admin -admin-password-file "$work/admin-pass")
fi
"$work/accord" serve --addr "127.0.0.1:$AP" "${store[@]}" "${authargs[@]}" --access-log off --log-level warn &
pids+=($!)
for _ in $(seq 100); do curl -sf "$A/health/ready" >/dev/null && break; sleep 0.2; done
"$work/seed" -url "$A" "${seedargs[@]}" -n "$SCHEMAS" -out "$work"
auth=$(cat "$work/auth.txt")
size=$(curl -sf ${auth:+-H "Authorization: $auth"} "$A/schemas/ids/$(head -1 "$work/ids.txt")" | wc -c)
"$work/ceiling" --addr "127.0.0.1:$CP" --body-bytes "$size" &
pids+=($!)
for _ in $(seq 50); do curl -sf "$C/" >/dev/null && break; sleep 0.2; done

# run URL MODE DURATION: one wrk run; prints profile.lua's JSON line.
run() {
  local out
  out=$(BENCH_MODE=$2 BENCH_DIR=$work wrk -t"$THREADS" -c"$CONNS" -d"$3" --timeout 10s -s bench/profile.lua "$1") || { echo "$out" >&2; return 1; }
  tail -1 <<<"$out"
}

results="$work/results.jsonl"
echo "store=$storename auth=$AUTH schemas=$SCHEMAS conns=$CONNS threads=$THREADS duration=$DURATION rounds=$ROUNDS warmup=$WARMUP ceiling-body=${size}B $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
  run "$A" "$mode" "$WARMUP" >/dev/null
  run "$C" "$mode" "$WARMUP" >/dev/null
  for r in $(seq "$ROUNDS"); do
    if (( r % 2 )); then order=("ceiling $C" "accord $A"); else order=("accord $A" "ceiling $C"); fi
    for o in "${order[@]}"; do
      set -- $o
      printf '{"mode":"%s","target":"%s","round":%d,"r":%s}\n' "$mode" "$1" "$r" "$(run "$2" "$mode" "$DURATION")" >> "$results"
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
print("| endpoint | req/s (range) | ceiling req/s | throughput ratio | p50 / p99 / p99.9 ms | ceiling p50 / p99 / p99.9 ms | p99 ratio |")
print("|---|---|---|---|---|---|---|")
for m in modes:
    by = {"accord": {}, "ceiling": {}}
    for r in rows:
        if r["mode"] == m:
            by[r["target"]][r["round"]] = r["r"]
            errors += r["r"]["errors"]
    rounds = sorted(set(by["accord"]) & set(by["ceiling"]))
    rps = lambda t: [by[t][k]["requests"] / by[t][k]["seconds"] for k in rounds]
    pct = lambda t, p: [by[t][k][p] / 1000 for k in rounds]
    ratio = [a / c for a, c in zip(rps("accord"), rps("ceiling"))]
    p99r = [a / c for a, c in zip(pct("accord", "p99"), pct("ceiling", "p99"))]
    lat = lambda t: " / ".join("{:.2f}".format(med(pct(t, p))) for p in ("p50", "p99", "p999"))
    print(f"| {names.get(m, m)} | {med(rps('accord')):.0f} ({rng(rps('accord'))}) | {med(rps('ceiling')):.0f} ({rng(rps('ceiling'))}) "
          f"| {med(ratio):.2f} ({rng(ratio, '{:.2f}')}) | {lat('accord')} | {lat('ceiling')} | {med(p99r):.2f} ({rng(p99r, '{:.2f}')}) |")
print(f"\nmedians over {len(rounds)} interleaved rounds (range in brackets); ratios are per round (Accord over the ceiling run next to it).")
if errors:
    print(f"WARNING: {errors} requests failed (non-2xx or socket errors): the figures above are not valid", file=sys.stderr)
    sys.exit(1)
EOF
