#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks. Source it, then:
#   postgres_start [fast]   installs Debian's postgresql when missing, runs initdb into a new
#                           temporary folder (owned by an unprivileged user when run as root),
#                           starts the server on 127.0.0.1 at a free port and exports
#                           ACUHOOK_TEST_DATABASE_URL (postgres://acuhook@127.0.0.1:PORT/acuhook).
#                           `fast`: fsync off (tests; a benchmark keeps PostgreSQL's defaults).
#   postgres_reserve_wal [MB] keeps MB (default $RESERVE_WAL, else 1024; 0: nothing) of WAL
#                           segments for reuse (min_wal_size) and creates them now, as a busy
#                           production server has them: a new cluster otherwise creates and
#                           zero-fills a 16 MB segment inside a commit every 16 MB of WAL
#                           (benchmarks; see Benchmarks/log.md).
#   postgres_stop           stops it and deletes the folder (callers run it from their EXIT trap).
# Role `acuhook` logs in without a password; role `acuhook_pw` (password `right-password`) needs
# one, so the tests can show how a wrong password is refused.
# Where PostgreSQL cannot be installed, postgres_start prints why and returns 1 (the PostgreSQL
# half of the tests then skips, saying so).

postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

postgres_start() {
  local mode="${1:-}" bin port owner
  if [ -z "$(postgres_bin)" ]; then
    if ! apt_install postgresql; then
      echo "postgres: PostgreSQL is not installed and could not be installed (apt-get failed)" >&2
      return 1
    fi
  fi
  bin=$(postgres_bin) || { echo "postgres: no initdb found under /usr/lib/postgresql" >&2; return 1; }
  ACUHOOK_PG_DIR=$(mktemp -d /tmp/acuhook-pg.XXXXXX)
  owner="$(id -un)"
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root: the cluster belongs to an unprivileged user.
    owner=acuhook-pg
    id "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
    chown "$owner" "$ACUHOOK_PG_DIR"
  fi
  as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
  as_owner "$bin/initdb" -D "$ACUHOOK_PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null \
    || { echo "postgres: initdb failed" >&2; return 1; }
  # Password login for acuhook_pw; everyone else trusted (loopback only, a throwaway cluster).
  printf 'host all acuhook_pw 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\nlocal all all trust\n' \
    > "$ACUHOOK_PG_DIR/data/pg_hba.conf"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local settings=(-c listen_addresses=127.0.0.1 -c "port=$port" -c "unix_socket_directories=$ACUHOOK_PG_DIR" -c max_connections=200)
  [ "$mode" = fast ] && settings+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
  as_owner "$bin/pg_ctl" -D "$ACUHOOK_PG_DIR/data" -l "$ACUHOOK_PG_DIR/server.log" -w -t 60 -o "${settings[*]}" start >/dev/null \
    || { echo "postgres: the server did not start: $(tail -5 "$ACUHOOK_PG_DIR/server.log" 2>/dev/null)" >&2; return 1; }
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL >/dev/null
CREATE ROLE acuhook LOGIN;
CREATE ROLE acuhook_pw LOGIN PASSWORD 'right-password';
CREATE DATABASE acuhook OWNER acuhook;
GRANT ALL ON DATABASE acuhook TO acuhook_pw;
SQL
  [ $? -eq 0 ] || { echo "postgres: creating the test roles and database failed" >&2; return 1; }
  ACUHOOK_PG_BIN="$bin" ACUHOOK_PG_OWNER="$owner" ACUHOOK_PG_PORT="$port"
  export ACUHOOK_PG_DIR ACUHOOK_PG_BIN ACUHOOK_PG_OWNER ACUHOOK_PG_PORT
  export ACUHOOK_TEST_DATABASE_URL="postgres://acuhook@127.0.0.1:$port/acuhook"
  echo "postgres: throwaway cluster at $ACUHOOK_TEST_DATABASE_URL (${mode:-durable}; $ACUHOOK_PG_DIR)" >&2
}

postgres_reserve_wal() {
  local mb="${1:-${RESERVE_WAL:-1024}}" psql=("$ACUHOOK_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$ACUHOOK_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
  case "$mb" in ''|*[!0-9]*) echo "postgres: the WAL to reserve must be a whole number of MB, got '$mb'" >&2; return 1 ;; esac
  [ "$mb" -gt 0 ] || return 0
  "${psql[@]}" -c "ALTER SYSTEM SET min_wal_size = '${mb}MB'" -c "ALTER SYSTEM SET max_wal_size = '$((mb * 2))MB'" \
    -c "SELECT pg_reload_conf()" -c "CREATE TABLE acuhook_wal_reserve (x int)" >/dev/null || return 1
  # Each switch moves to a new segment (created now); the checkpoint then keeps them all as
  # future segments, since they fit in min_wal_size.
  for _ in $(seq $((mb / 16))); do echo "INSERT INTO acuhook_wal_reserve VALUES (1); SELECT pg_switch_wal();"; done | "${psql[@]}" >/dev/null || return 1
  "${psql[@]}" -c "DROP TABLE acuhook_wal_reserve" -c "CHECKPOINT" >/dev/null
}

postgres_stop() {
  [ -n "${ACUHOOK_PG_DIR:-}" ] && [ -d "$ACUHOOK_PG_DIR" ] || return 0
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$ACUHOOK_PG_OWNER" -- "$ACUHOOK_PG_BIN/pg_ctl" -D "$ACUHOOK_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  else
    "$ACUHOOK_PG_BIN/pg_ctl" -D "$ACUHOOK_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$ACUHOOK_PG_DIR"
  unset ACUHOOK_PG_DIR ACUHOOK_TEST_DATABASE_URL
}
