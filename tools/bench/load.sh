#!/usr/bin/env bash
# Load benchmark: the real salesdesk server against bench_echo_server (a bare Beast WebSocket
# server that parses each frame and answers the same shape of reply), same load, same machine,
# same run. Builds nothing: it takes the binaries of a build directory.
#
#   tools/bench/load.sh [--build DIR] [--reps 3] [--duration 10] [--warmup 2]
#                       [--connections 64] [--inflight 8] [--io-threads 1] [--client-threads 1]
#                       [--op settings|orders]
#
# --op orders sends orders.create (one product line, 5,000 phones in turn) to a server started
# with --demo (its catalog has the product); the echo server gets the same frames and answers
# them with a reply of the real one's shape and size. pool.claim has its own script, claims.sh
# (it needs leads in the pool and logged-in sales first).
#
# Each repetition starts `salesdesk serve --db TMP --listen 127.0.0.1:0 --io-threads N` on a
# fresh journal with SALESDESK_ADMIN_PASSWORD set, reads the port from its ready line, and runs
# bench_load (which logs in with POST /api/login and sends settings.update over /ws with
# `Authorization: Bearer TOKEN`); then the same against bench_echo_server with the same io
# thread count. Servers are stopped with SIGTERM by pid. Prints every run and the medians, and
# the server's CPU time per answered command (from /proc/PID/stat, all threads; less sensitive
# to a busy machine than the rates).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-bench"
reps=3
duration=10
warmup=2
connections=64
inflight=8
io_threads=1
client_threads=1
op=settings

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --inflight) inflight="$2"; shift 2 ;;
    --io-threads) io_threads="$2"; shift 2 ;;
    --client-threads) client_threads="$2"; shift 2 ;;
    --op) op="$2"; shift 2 ;;
    -h|--help) sed -n "2,21p" "$0"; exit 0 ;;
    *) echo "load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ "$op" != settings && "$op" != orders ]]; then
  echo "load.sh: --op is settings or orders (pool.claim: tools/bench/claims.sh)" >&2
  exit 2
fi

salesdesk="$build/app/salesdesk"
bench_load="$build/tools/bench/bench_load"
echo_server="$build/tools/bench/bench_echo_server"
bench_name=load.sh
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
require_binaries "$salesdesk" "$bench_load" "$echo_server"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-load-XXXXXX")"
server_pid=""
cleanup() {
  stop_server "$server_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT

export SALESDESK_ADMIN_PASSWORD="bench-load-$$-password"

load_args=(--connections "$connections" --inflight "$inflight" --duration "$duration"
           --warmup "$warmup" --threads "$client_threads" --op "$op")
serve_extra=()
[[ "$op" == orders ]] && serve_extra=(--demo --demo-stream 0)

print_machine
echo "load: $connections connections x $inflight in flight, op $op, ${warmup}s warm-up +" \
     "${duration}s measured; server io threads: $io_threads; client threads: $client_threads; $reps repetitions"

results="$tmp/results"
: >"$results"
for rep in $(seq 1 "$reps"); do
  start_server "$tmp/real-$rep.log" "salesdesk" \
    "$salesdesk" serve --db "$tmp/real-$rep.db" --listen 127.0.0.1:0 --io-threads "$io_threads" "${serve_extra[@]}"
  server_pid=$started_pid
  line="$("$bench_load" --port "$port" --label real "${load_args[@]}" | grep '^RESULT')"
  line="$(with_cpu "$line" 0 "$(cpu_of "$server_pid")")"
  stop_server "$server_pid"
  echo "$line" | tee -a "$results"

  start_server "$tmp/echo-$rep.log" "bench_echo_server" \
    "$echo_server" --listen 127.0.0.1:0 --io-threads "$io_threads"
  server_pid=$started_pid
  line="$("$bench_load" --port "$port" --label echo --token bench "${load_args[@]}" | grep '^RESULT')"
  line="$(with_cpu "$line" 0 "$(cpu_of "$server_pid")")"
  stop_server "$server_pid"
  echo "$line" | tee -a "$results"
done

summarize "$results" "commands/s" "server CPU us/command"
awk -v r="$real_rate" -v e="$echo_rate" 'BEGIN {
  ratio = e > 0 ? r / e : 0
  verdict = (ratio >= 0.6) ? "met" : "NOT met"
  printf "real/echo rate ratio (medians): %.3f, target >= 0.60 (issue 9): %s\n", ratio, verdict
}'
