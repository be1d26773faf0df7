#!/usr/bin/env bash
# Makes a private PostgreSQL server available for the tests and prints the
# one line that points them at it:
#
#   eval "$(bash .ci/postgres.sh)"
#   go test ./registry/sqlstore/
#
# stdout carries only
#   export ACCORD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
# and progress goes to stderr. On a clean Debian machine it installs the
# postgresql package (apt-get) if no server binaries are found. It never
# uses the system cluster: it runs its own, as the postgres user (initdb
# refuses root), from a directory under ${ACCORD_PG_DIR:-/tmp/accord-pg},
# on a free port on 127.0.0.1, with trust authentication for local
# connections only. Run again, it reuses the running server; stop it with
#   pg_ctl -D /tmp/accord-pg/data stop   (as the postgres user)
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

base=${ACCORD_PG_DIR:-/tmp/accord-pg}
data=$base/data
portfile=$base/port
pguser=postgres

# Newest installed server binaries, if any.
find_bindir() {
	local dirs=(/usr/lib/postgresql/*/bin/postgres)
	[[ -x ${dirs[0]} ]] || return 1
	printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1 | xargs dirname
}

if ! bindir=$(find_bindir); then
	log "no PostgreSQL server found; installing the postgresql package"
	[[ $(id -u) -eq 0 ]] || die "installing PostgreSQL needs root"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y --no-install-recommends postgresql >&2
	bindir=$(find_bindir) || die "postgresql installed but no server binary under /usr/lib/postgresql"
fi
log "using $bindir"

# Run a command as the postgres user (or as ourselves if we are not root).
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		if command -v runuser >/dev/null; then
			runuser -u "$pguser" -- "$@"
		else
			su "$pguser" -s /bin/sh -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

if [[ $(id -u) -eq 0 ]]; then
	id "$pguser" >/dev/null 2>&1 || useradd --system --home-dir "$base" --shell /usr/sbin/nologin "$pguser"
	owner=$pguser
else
	owner=$(id -un)
	pguser=$owner
fi

url_for() { printf 'postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable' "$1"; }

ready() { as_pg "$bindir/pg_isready" -q -h 127.0.0.1 -p "$1" -d postgres -U postgres; }

# Reuse a server this script started earlier.
if [[ -f $portfile && -f $data/postmaster.pid ]]; then
	port=$(<"$portfile")
	if ready "$port"; then
		log "reusing the running server on port $port"
		printf 'export ACCORD_TEST_DATABASE_URL=%s\n' "$(url_for "$port")"
		exit 0
	fi
	pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
	# Alive and not a zombie (containers whose init does not reap).
	if [[ -n $pid && -r /proc/$pid/stat && $(cut -d' ' -f3 "/proc/$pid/stat") != Z ]]; then
		log "the server in $data (pid $pid) does not answer on port $port; stopping it"
		as_pg "$bindir/pg_ctl" -D "$data" -m fast -t 30 stop >&2 || true
	else
		log "the server in $data is gone; starting it again"
	fi
fi

mkdir -p "$base"
chown "$owner" "$base"
chmod 700 "$base"

if [[ ! -f $data/PG_VERSION ]]; then
	log "initialising a cluster in $data"
	rm -rf "$data"
	as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2 ||
		as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >&2
fi

# A free port: ask the kernel for one.
free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
	else
		local p
		for p in $(shuf -i 20000-60000 -n 50); do
			if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
				echo "$p"
				return
			fi
		done
		return 1
	fi
}
port=$(free_port) || die "no free port found"

log "starting the server on 127.0.0.1:$port"
# Only TCP on 127.0.0.1; the Unix socket lives in the private directory.
# fsync stays on: the tests check durability, not speed.
as_pg "$bindir/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 \
	-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$base -c max_connections=200" \
	start >&2 || {
	tail -n 30 "$base/server.log" >&2 || true
	die "the server did not start"
}

for _ in $(seq 1 60); do
	if ready "$port"; then
		echo "$port" >"$portfile"
		log "ready"
		printf 'export ACCORD_TEST_DATABASE_URL=%s\n' "$(url_for "$port")"
		exit 0
	fi
	sleep 0.5
done
tail -n 30 "$base/server.log" >&2 || true
die "the server did not accept connections"
