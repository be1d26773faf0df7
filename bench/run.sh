#!/usr/bin/env bash
# Load benchmark of Accord's hot HTTP paths against a bare net/http
# ceiling, measured in the same run with wrk over loopback (keep-alive).
#
#   bash bench/run.sh                      # SQLite store in a temp folder
#   bash bench/run.sh postgres://...       # PostgreSQL store
#
# Env: DURATION (default 5s), CONNS (default 16), THREADS (default 1),
# ROUNDS (default 2: ceiling and target alternate, best of each kept).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }

DURATION=${DURATION:-5s} CONNS=${CONNS:-16} THREADS=${THREADS:-1} ROUNDS=${ROUNDS:-2}
DBURL=${1:-}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

go build -o "$work/accord" ./cmd/accord
go build -o "$work/ceiling" ./bench/ceiling
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
AP=$(port); CP=$(port)
if [ -n "$DBURL" ]; then
  "$work/accord" serve --addr 127.0.0.1:$AP --database-url "$DBURL" --log-level warn &
  store=postgresql
else
  "$work/accord" serve --addr 127.0.0.1:$AP --data-dir "$work/data" --log-level warn &
  store=sqlite
fi
"$work/ceiling" --addr 127.0.0.1:$CP &
for i in $(seq 50); do curl -sf "http://127.0.0.1:$AP/health" >/dev/null && curl -sf "http://127.0.0.1:$CP/" >/dev/null && break; sleep 0.2; done

A="http://127.0.0.1:$AP"
subject="bench-value-$RANDOM"
schema='{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},{"name":"note","type":["null","string"],"default":null}]}'
body=$(python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$schema")
id=$(curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' --data "$body" "$A/subjects/$subject/versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
export ACCORD_BENCH_BODY="$body"

rps() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$@" | awk '/Requests\/sec/ {print $2}'; }
best() { python3 -c 'import sys; print(max(float(x) for x in sys.argv[1:]))' "$@"; }

declare -A result
measure() { # name, wrk args...
  local name=$1; shift
  local c=() t=()
  for r in $(seq "$ROUNDS"); do
    c+=("$(rps "http://127.0.0.1:$CP/")")
    t+=("$(rps "$@")")
  done
  local cb tb
  cb=$(best "${c[@]}"); tb=$(best "${t[@]}")
  printf '%-28s %10.0f req/s   ceiling %10.0f req/s   ratio %.2f\n' "$name" "$tb" "$cb" "$(python3 -c "print($tb/$cb)")"
}

echo "store=$store duration=$DURATION conns=$CONNS threads=$THREADS rounds=$ROUNDS (best of rounds)"
measure "GET /schemas/ids/{id}" "$A/schemas/ids/$id"
measure "POST /subjects/{s} lookup" -s bench/lookup.lua "$A/subjects/$subject"
measure "POST .../versions existing" -s bench/lookup.lua "$A/subjects/$subject/versions"
measure "POST .../versions new" -s bench/register.lua "$A"

# Authentication's cost on the hottest path: the same fetch against a
# second server with auth on (HTTP Basic, a cached verification), measured
# alternately with the auth-off server above.
BP=$(port)
printf 'bench-secret-%s\n' "$RANDOM" > "$work/admin-pass"
if [ -n "$DBURL" ]; then
  "$work/accord" serve --addr 127.0.0.1:$BP --database-url "$DBURL" --auth on --bootstrap-admin bench-admin \
    --bootstrap-admin-password-file "$work/admin-pass" --log-level warn &
else
  "$work/accord" serve --addr 127.0.0.1:$BP --data-dir "$work/data-auth" --auth on --bootstrap-admin bench-admin \
    --bootstrap-admin-password-file "$work/admin-pass" --log-level warn &
fi
for i in $(seq 50); do curl -sf "http://127.0.0.1:$BP/health" >/dev/null && break; sleep 0.2; done
B="http://127.0.0.1:$BP"
basic="Authorization: Basic $(printf 'bench-admin:%s' "$(cat "$work/admin-pass")" | base64 -w0)"
aid=$(curl -sf -X POST -H "$basic" -H 'Content-Type: application/vnd.schemaregistry.v1+json' --data "$body" "$B/subjects/$subject/versions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# The baseline is a twin of the auth-on server with auth off, started the
# same way and serving the same schema, so that only authentication
# differs; it is measured twice: as a client without credentials calls it,
# and sent the same Authorization header (which it ignores), the second
# figure being Accord's authentication alone and not the HTTP cost of a
# longer request.
CP2=$(port)
if [ -n "$DBURL" ]; then
  "$work/accord" serve --addr 127.0.0.1:$CP2 --database-url "$DBURL" --auth off --log-level warn &
else
  "$work/accord" serve --addr 127.0.0.1:$CP2 --data-dir "$work/data-auth" --auth off --log-level warn &
fi
for i in $(seq 50); do curl -sf "http://127.0.0.1:$CP2/health" >/dev/null && break; sleep 0.2; done
C="http://127.0.0.1:$CP2"
o=() h=() a=()
for r in $(seq "$ROUNDS"); do
  o+=("$(rps "$C/schemas/ids/$aid")")
  h+=("$(rps -H "$basic" "$C/schemas/ids/$aid")")
  a+=("$(rps -H "$basic" "$B/schemas/ids/$aid")")
done
ob=$(best "${o[@]}"); hb=$(best "${h[@]}"); ab=$(best "${a[@]}")
printf '%-28s %10.0f req/s   auth off   %10.0f req/s   overhead %.1f%%\n' "GET /schemas/ids/{id} +auth" "$ab" "$ob" "$(python3 -c "print(100*(1-$ab/$ob))")"
printf '%-28s %10.0f req/s   auth off   %10.0f req/s   overhead %.1f%%   (both sent the same header)\n' "GET /schemas/ids/{id} +auth" "$ab" "$hb" "$(python3 -c "print(100*(1-$ab/$hb))")"
