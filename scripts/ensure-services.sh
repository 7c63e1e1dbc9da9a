#!/usr/bin/env bash
# Makes sure everything the test suites talk to is installed, running and answering on
# loopback: Redis, PostgreSQL, MariaDB, RabbitMQ, and Debian's Python Celery for the interop
# suites. Installs with apt-get (as root) only what is missing. Safe to run again at any time.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }
apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "missing: $* — install it (as root: apt-get install -y $*) and run again"; exit 1
  fi
  if [ "$apt_updated" -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
# wait_for NAME COMMAND...: polls COMMAND for up to 90 s.
wait_for() {
  local name=$1; shift
  for _ in $(seq 1 180); do
    if "$@" >/dev/null 2>&1; then log "$name is answering"; return 0; fi
    sleep 0.5
  done
  log "$name did not answer within 90 s"; return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- Redis -------------------------------------------------------------------------------------
redis_ok() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
if ! redis_ok; then
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
  wait_for Redis redis_ok
else
  log "Redis is answering"
fi

# --- PostgreSQL --------------------------------------------------------------------------------
pg_ok() { psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' 2>/dev/null | grep -q 1; }
if ! pg_ok; then
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # Tests connect over loopback without a password, as on the project's machines.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432
  psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null
  wait_for 'PostgreSQL database test' pg_ok
else
  log "PostgreSQL is answering"
fi

# --- PgBouncer (binary only: the backend-sql tests start their own, on a port of their own) ---
if [ ! -x /usr/sbin/pgbouncer ] && ! command -v pgbouncer >/dev/null; then
  log "installing PgBouncer"
  apt_install pgbouncer
fi

# --- MariaDB -----------------------------------------------------------------------------------
maria_ok() { mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' test >/dev/null 2>&1; }
if ! maria_ok; then
  [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
  if ! port_open 3306; then
    log "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for 'MariaDB port' port_open 3306
  fi
  # A fresh Debian install lets root in only through the socket; the tests use TCP, root, no password.
  mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); \
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; \
    CREATE DATABASE IF NOT EXISTS test; FLUSH PRIVILEGES;" 2>/dev/null || true
  wait_for MariaDB maria_ok
else
  log "MariaDB is answering"
fi

# --- RabbitMQ ----------------------------------------------------------------------------------
if ! port_open 5672; then
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  log "starting RabbitMQ"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for RabbitMQ port_open 5672
else
  log "RabbitMQ is answering"
fi
# The reliability suite's fault tests start RabbitMQ nodes of their own (rabbitmq-server, as
# the rabbitmq user, with its Erlang cookie). They register with the epmd this node runs and
# never start one themselves, so it must be answering.
command -v rabbitmqctl >/dev/null || apt_install rabbitmq-server
wait_for epmd epmd -names

# --- Python Celery for the interop suites ------------------------------------------------------
if ! /usr/bin/python3 -c 'import celery, redis, sqlalchemy, psycopg2, pymysql, msgpack, yaml' 2>/dev/null; then
  log "installing Debian's python3-celery and drivers"
  apt_install python3-celery python3-redis python3-sqlalchemy python3-psycopg2 python3-pymysql python3-msgpack python3-yaml
fi
# kombu registers brotli and zstd only when these modules import; the compression interop
# tests build Celery's compressed values with every codec kombu has.
if ! /usr/bin/python3 -c 'import brotli, zstandard' 2>/dev/null; then
  log "installing Debian's python3-brotli and python3-zstandard"
  apt_install python3-brotli python3-zstandard
fi
log "Python Celery $(/usr/bin/python3 -c 'import celery; print(celery.__version__)')"

# --- Chromium for the demo's dashboard test ----------------------------------------------------
# Debian's chromium, driven by playwright-core: the tests never download a browser.
if ! command -v chromium >/dev/null; then
  log "installing Debian's chromium"
  apt_install chromium
fi
log "Chromium is installed"
