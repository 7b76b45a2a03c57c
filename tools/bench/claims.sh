#!/usr/bin/env bash
# Claims benchmark: pool.claim over the protocol, the real salesdesk server against
# bench_echo_server (which answers pool.claim with a reply of the real one's shape and size),
# same frames, same machine, same run. Builds nothing: it takes the binaries of a build directory.
#
#   tools/bench/claims.sh [--build DIR] [--reps 3] [--duration 5] [--warmup 1] [--leads 300000]
#                         [--sales 64] [--connections 64] [--inflight 8] [--io-threads 1]
#                         [--client-threads 1] [--subscribe pool]
#
# One server for the whole run: `salesdesk serve --db TMP --listen 127.0.0.1:0 --io-threads N`
# on a fresh journal with SALESDESK_ADMIN_PASSWORD set. `bench_load --op claims-setup` then, as
# admin over one WebSocket, creates the sales (users.create), imports the leads unowned
# (leads.import in chunks of 5,000 rows, 100,000 a batch), sets pool.enabled and pool.float_all,
# waits until the last lead has floated, and logs every sale in (POST /api/login), writing their
# tokens to a file. bench_echo_server runs beside it (idle while the real server is measured).
# Repetition r claims the r-th slice of the lead ids: `bench_load --op claims` opens one
# connection per sale, connection i claiming ids FIRST+i, FIRST+i+C, ... of the slice with F in
# flight, so every claim is of a distinct pooled lead and wins; then the echo server gets the
# same frames, over the whole id range and round again (it keeps no state). If a slice runs
# out before the real server's window ends, the window is shortened (bench_load says so) and the
# rate is over the shortened window. Servers are stopped with SIGTERM by pid.
# --subscribe pool has every connection subscribe to the pool topic first, as the sales' page
# does: every claim then pushes `claimed` to every connection (the echo server pushes nothing).
# Prints every run, the medians, and each server's CPU time per answered claim.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-bench"
reps=3
duration=5
warmup=1
leads=300000
sales=64
connections=64
inflight=8
io_threads=1
client_threads=1
subscribe=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --leads) leads="$2"; shift 2 ;;
    --sales) sales="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --inflight) inflight="$2"; shift 2 ;;
    --io-threads) io_threads="$2"; shift 2 ;;
    --client-threads) client_threads="$2"; shift 2 ;;
    --subscribe) subscribe=(--subscribe "$2"); shift 2 ;;
    -h|--help) sed -n "2,24p" "$0"; exit 0 ;;
    *) echo "claims.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

salesdesk="$build/app/salesdesk"
bench_load="$build/tools/bench/bench_load"
echo_server="$build/tools/bench/bench_echo_server"
bench_name=claims.sh
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
require_binaries "$salesdesk" "$bench_load" "$echo_server"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-claims-XXXXXX")"
real_pid=""
echo_pid=""
cleanup() {
  stop_server "$real_pid"
  stop_server "$echo_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT

export SALESDESK_ADMIN_PASSWORD="bench-claims-$$-password"

print_machine
echo "claims: $connections connections (one per sale, $sales sales) x $inflight in flight, ${warmup}s warm-up +" \
     "${duration}s measured; $leads leads in $reps slices; server io threads: $io_threads;" \
     "client threads: $client_threads; $reps repetitions${subscribe[*]:+; every connection: ${subscribe[*]}}"

start_server "$tmp/real.log" "salesdesk" \
  "$salesdesk" serve --db "$tmp/real.db" --listen 127.0.0.1:0 --io-threads "$io_threads"
real_pid=$started_pid
real_port=$port
"$bench_load" --port "$real_port" --op claims-setup --leads "$leads" --sales "$sales" --tokens "$tmp/tokens"

start_server "$tmp/echo.log" "bench_echo_server" "$echo_server" --listen 127.0.0.1:0 --io-threads "$io_threads"
echo_pid=$started_pid
echo_port=$port

load_args=(--op claims --connections "$connections" --inflight "$inflight" --duration "$duration"
           --warmup "$warmup" --threads "$client_threads" "${subscribe[@]}")
slice=$((leads / reps))
results="$tmp/results"
: >"$results"
for rep in $(seq 1 "$reps"); do
  first=$(( (rep - 1) * slice + 1 ))
  last=$(( rep * slice ))
  before="$(cpu_of "$real_pid")"
  line="$("$bench_load" --port "$real_port" --label real --tokens "$tmp/tokens" --first-lead "$first" \
          --last-lead "$last" "${load_args[@]}" | grep '^RESULT')"
  line="$(with_cpu "$line" "$before" "$(cpu_of "$real_pid")")"
  echo "$line" | tee -a "$results"

  before="$(cpu_of "$echo_pid")"
  line="$("$bench_load" --port "$echo_port" --label echo --token bench --first-lead 1 --last-lead "$leads" --wrap 1 \
          "${load_args[@]}" | grep '^RESULT')"
  line="$(with_cpu "$line" "$before" "$(cpu_of "$echo_pid")")"
  echo "$line" | tee -a "$results"
done

summarize "$results" "claims/s" "server CPU us/claim"
awk -v r="$real_rate" -v e="$echo_rate" 'BEGIN {
  ratio = (e > 0) ? r / e : 0
  printf "real/echo claims/s ratio (medians): %.3f (no target set; the settings.update load target is >= 0.50)\n", ratio
}'
