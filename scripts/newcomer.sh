#!/usr/bin/env bash
# A newcomer's first hour, replayed: clone this repository's committed HEAD into a fresh private
# (0700) temp folder, then run the README's two commands with a PATH that holds only Node's tools and
# the few basic commands npm scripts use (no nginx, Chromium, docker-compose, psql or pg_dump):
#   npm ci && npm start   (until ready, then stopped)
#   npm test
# Prints the times of npm ci, the cold start and npm test; exits non-zero when a step fails.
# Ports: NEWCOMER_PORT (default 46050) for the server, +1 for its embedded Postgres, +2 for the tests'.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
head="$(git -C "$repo" rev-parse HEAD)"
port="${NEWCOMER_PORT:-46050}"

tmp="$(mktemp -d)" # 0700: the checkout is private, like root's home
chmod 700 "$tmp"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM -- "-$server_pid" 2>/dev/null || true; fi
  # A root-run embedded Postgres of a private checkout keeps its cluster in the system folder.
  local record="$tmp/api-manager/data/postgres/cluster-location"
  if [ -f "$record" ]; then rm -rf "$(cat "$record")"; fi
  rm -rf "$tmp" "$bin"
}
bin=""
trap cleanup EXIT

# Only Node's tools and basic commands (what a bare Debian/Ubuntu with Node installed has). The PATH
# folder is readable by every user, like /usr/bin: command jobs run as `nobody` and look up git there.
bin="$(mktemp -d)"
chmod 755 "$bin"
node_dir="$(dirname "$(command -v node)")"
for tool in node npm npx; do ln -s "$node_dir/$tool" "$bin/$tool"; done
for tool in sh bash env git tar gzip cat cp mv rm ln ls mkdir rmdir chmod chown touch echo printf \
  sleep date head tail wc sort uniq tr cut grep sed find xargs dirname basename readlink realpath \
  id uname whoami true false test expr seq kill ps timeout mktemp tee diff cmp sha256sum od flock install; do
  path="$(type -P "$tool" 2>/dev/null || true)" # the program, not a shell builtin of the same name
  if [ -n "$path" ]; then ln -s "$path" "$bin/$tool"; fi
done
for absent in nginx chromium docker-compose psql pg_dump python3 make cc g++; do
  if [ -e "$bin/$absent" ]; then echo "newcomer: $absent must not be on the test PATH" >&2; exit 1; fi
done

echo "== clone $head into $tmp/api-manager (private folder, as $(id -un))"
git clone --quiet --no-hardlinks "$repo" "$tmp/api-manager"
git -C "$tmp/api-manager" checkout --quiet --detach "$head"
cd "$tmp/api-manager"

run() { env -i HOME="$HOME" PATH="$bin" LANG=C.UTF-8 CI="${CI:-}" "$@"; }
seconds() { echo $(($(date +%s) - $1)); }

echo "== npm ci"
t0=$(date +%s)
run npm ci --no-audit --no-fund
t_ci=$(seconds "$t0")
echo "== newcomer: npm ci took ${t_ci} s"

echo "== npm start (cold: builds the server and the admin, initialises Postgres)"
t0=$(date +%s)
log="$tmp/start.log"
set -m
run PORT="$port" EMBEDDED_PG_PORT="$((port + 1))" npm start >"$log" 2>&1 &
server_pid=$!
set +m
until grep -q "API Manager ready" "$log"; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$log"
    echo "newcomer: npm start exited before it was ready" >&2
    exit 1
  fi
  if [ "$(seconds "$t0")" -gt 1200 ]; then
    cat "$log"
    echo "newcomer: npm start not ready after 20 minutes" >&2
    exit 1
  fi
  sleep 1
done
t_start=$(seconds "$t0")
echo "== newcomer: cold npm start ready after ${t_start} s"
run node -e "fetch('http://127.0.0.1:$port/api/health/ready').then(r=>{console.log('health/ready', r.status); process.exit(r.status===200?0:1)}, e=>{console.error(e.message); process.exit(1)})"
grep -v '^[>✔❯]' "$log" | grep -E '^\{' | head -n 12 # the server's first lines (JSON: not a terminal)
kill -TERM -- "-$server_pid"
while kill -0 -- "-$server_pid" 2>/dev/null; do sleep 0.2; done
server_pid=""

echo "== npm test"
t0=$(date +%s)
run TEST_PG_PORT="$((port + 2))" npm test
t_test=$(seconds "$t0")

echo "== newcomer: OK at $head: npm ci ${t_ci} s, cold npm start to ready ${t_start} s, npm test ${t_test} s"
