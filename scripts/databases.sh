#!/usr/bin/env bash
# Starts the database servers the tests run clouddb-sim on, each of this run's own: MariaDB
# and PostgreSQL (Debian's mariadb-server and postgresql, installed when absent), each in a
# fresh data directory, listening on a free loopback port, stopped when the sourcing script
# exits; PostgreSQL runs as the `postgres` user, never as root. Sourced by test.sh after
# setup.sh; exports CLOUDDB_TEST_MYSQL_URL and CLOUDDB_TEST_POSTGRES_URL. A server that does
# not start fails the run.

databases_dir="$(mktemp -d /tmp/clouddb-databases.XXXXXX)"
chmod 755 "$databases_dir"

# A TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_databases() {
  if [ -f "$databases_dir/postgres/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" stop -D "$databases_dir/postgres/data" -m fast -s >/dev/null 2>&1 || true
  fi
  if [ -f "$databases_dir/mariadb/pid" ]; then
    kill "$(cat "$databases_dir/mariadb/pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -f "$databases_dir/mariadb/pid" ] || break
      sleep 0.2
    done
  fi
  rm -rf "$databases_dir"
}
trap stop_databases EXIT

start_mariadb() {
  apt_install mariadb-server
  local dir="$databases_dir/mariadb" server port as_user=()
  server="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
  [ -x "$server" ] || fail "mariadb-server is installed but $server is missing"
  mkdir -p "$dir"
  # The server drops root privileges for the `mysql` user the package creates.
  if [ "$(id -u)" = 0 ]; then
    as_user=(--user=mysql)
    chown mysql: "$dir"
  fi
  mariadb-install-db --no-defaults "${as_user[@]}" --datadir="$dir/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
    || fail "mariadb-install-db failed: $(tail -n 5 "$dir/install.log")"
  port="$(free_port)"
  "$server" --no-defaults "${as_user[@]}" --datadir="$dir/data" --socket="$dir/socket" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$dir/pid" \
    --log-error="$dir/error.log" >/dev/null 2>&1 &
  for _ in $(seq 1 150); do
    if mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u root ping >/dev/null 2>&1; then
      export CLOUDDB_TEST_MYSQL_URL="mysql://root@127.0.0.1:$port/"
      echo "databases: MariaDB $("$server" --version | awk '{print $3}') on 127.0.0.1:$port"
      return 0
    fi
    sleep 0.2
  done
  fail "MariaDB did not start on 127.0.0.1:$port: $(tail -n 5 "$dir/error.log" 2>/dev/null)"
}

# Runs a PostgreSQL program as the `postgres` user when this script runs as root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  apt_install postgresql
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$pg_bin/initdb" ] || fail "postgresql is installed but no /usr/lib/postgresql/*/bin/initdb"
  local dir="$databases_dir/postgres" port password
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  (umask 077; echo "$password" >"$dir/password")
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/password"
  as_postgres "$pg_bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/password" \
    --auth-local=peer --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || fail "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  port="$(free_port)"
  as_postgres "$pg_bin/pg_ctl" start -D "$dir/data" -w -t 60 -l "$dir/server.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" >/dev/null \
    || fail "PostgreSQL did not start on 127.0.0.1:$port: $(tail -n 5 "$dir/server.log")"
  export CLOUDDB_TEST_POSTGRES_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
  echo "databases: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

start_mariadb
start_postgres
