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
for bin in "$salesdesk" "$bench_load" "$echo_server"; do
  if [[ ! -x "$bin" ]]; then
    echo "load.sh: $bin is missing; build it first:" >&2
    echo "  ninja -C $build salesdesk bench_load bench_echo_server" >&2
    exit 2
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-load-XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

export SALESDESK_ADMIN_PASSWORD="bench-load-$$-password"

# Starts a server in the background; sets server_pid and port from its ready line.
start_server() {
  local log="$1" pattern="$2"
  shift 2
  "$@" >"$log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 300); do
    port="$(sed -n "s#^${pattern} listening on http://127\\.0\\.0\\.1:\\([0-9][0-9]*\\)\$#\\1#p" "$log" | head -n1)"
    [[ -n "$port" ]] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "load.sh: server exited early:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "load.sh: no ready line after 30 s:" >&2
  cat "$log" >&2
  exit 1
}

# CPU seconds the server process has used so far (user + system, all threads).
server_cpu() {
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / tck }' "/proc/$server_pid/stat"
}

# Appends the server's CPU microseconds per answered command to a RESULT line.
with_cpu() {
  local line="$1" cpu="$2" total
  total="$(echo "$line" | tr ' ' '\n' | sed -n 's/^total=//p')"
  awk -v l="$line" -v c="$cpu" -v t="$total" 'BEGIN { printf "%s server_cpu_s=%s server_cpu_us_per_cmd=%.1f\n", l, c, (t > 0) ? c * 1e6 / t : 0 }'
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

load_args=(--connections "$connections" --inflight "$inflight" --duration "$duration"
           --warmup "$warmup" --threads "$client_threads" --op "$op")
serve_extra=()
[[ "$op" == orders ]] && serve_extra=(--demo)

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1);" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: $connections connections x $inflight in flight, op $op, ${warmup}s warm-up +" \
     "${duration}s measured; server io threads: $io_threads; client threads: $client_threads; $reps repetitions"

results="$tmp/results"
: >"$results"
for rep in $(seq 1 "$reps"); do
  start_server "$tmp/real-$rep.log" "salesdesk" \
    "$salesdesk" serve --db "$tmp/real-$rep.db" --listen 127.0.0.1:0 --io-threads "$io_threads" "${serve_extra[@]}"
  line="$("$bench_load" --port "$port" --label real "${load_args[@]}" | grep '^RESULT')"
  line="$(with_cpu "$line" "$(server_cpu)")"
  stop_server
  echo "$line" | tee -a "$results"

  start_server "$tmp/echo-$rep.log" "bench_echo_server" \
    "$echo_server" --listen 127.0.0.1:0 --io-threads "$io_threads"
  line="$("$bench_load" --port "$port" --label echo --token bench "${load_args[@]}" | grep '^RESULT')"
  line="$(with_cpu "$line" "$(server_cpu)")"
  stop_server
  echo "$line" | tee -a "$results"
done

# field LABEL NAME: the values of NAME= on the RESULT lines of LABEL, one per line.
field() { grep "label=$1 " "$results" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

real_rate="$(field real rate | median)"
echo_rate="$(field echo rate | median)"
echo
printf '%-6s %14s %10s %10s %22s\n' side "commands/s" "p50 ms" "p99 ms" "server CPU us/command"
for side in real echo; do
  printf '%-6s %14s %10s %10s %22s\n' "$side" "$(field "$side" rate | median)" "$(field "$side" p50_ms | median)" \
    "$(field "$side" p99_ms | median)" "$(field "$side" server_cpu_us_per_cmd | median)"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
pair_ratios="$(paste <(field real rate) <(field echo rate) | awk '{ printf "%.3f\n", ($2 > 0) ? $1 / $2 : 0 }')"
pair_median="$(echo "$pair_ratios" | median)"
echo "per-repetition real/echo ratios: $(echo "$pair_ratios" | tr '\n' ' ')(median $pair_median)"
awk -v r="$real_rate" -v e="$echo_rate" 'BEGIN {
  ratio = e > 0 ? r / e : 0
  verdict = (ratio >= 0.5) ? "met" : "NOT met"
  printf "real/echo rate ratio (medians): %.3f, target >= 0.50: %s\n", ratio, verdict
}'
