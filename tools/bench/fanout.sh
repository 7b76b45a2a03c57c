#!/usr/bin/env bash
# Push fan-out benchmark (issue 9, item 5): pool.claim over the protocol with nobody subscribed,
# then with every connection subscribed to `pool`, on the same server in the same run; the
# subscribed rate as a ratio of the unsubscribed one (target >= 0.5) and the p99s (target:
# subscribed within 3x). Builds nothing: it takes the binaries of a build directory.
#
#   tools/bench/fanout.sh [--build DIR] [--reps 3] [--duration 5] [--warmup 1] [--leads 300000]
#                         [--sales 64] [--inflight 8] [--io-threads 1]
#
# One server (`salesdesk serve` on a fresh journal, 127.0.0.1:0); `bench_load --op claims-setup`
# creates the sales, imports the leads unowned and floats them all (see claims.sh). Repetition r
# runs `bench_load --op claims` twice, one connection per sale claiming distinct pooled leads:
# first unsubscribed on slice 2r-1 of the lead ids, then with every connection subscribed to
# `pool` on slice 2r, so every claim wins and every claim is pushed to every connection.
# Prints every run, the medians and the ratios (per repetition and of the medians).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build/release"
reps=3
duration=5
warmup=1
leads=300000
sales=64
inflight=8
io_threads=1

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --leads) leads="$2"; shift 2 ;;
    --sales) sales="$2"; shift 2 ;;
    --inflight) inflight="$2"; shift 2 ;;
    --io-threads) io_threads="$2"; shift 2 ;;
    -h|--help) sed -n "2,16p" "$0"; exit 0 ;;
    *) echo "fanout.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

salesdesk="$build/app/salesdesk"
bench_load="$build/tools/bench/bench_load"
bench_name=fanout.sh
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
require_binaries "$salesdesk" "$bench_load"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-fanout-XXXXXX")"
pid=""
cleanup() {
  stop_server "$pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
export SALESDESK_ADMIN_PASSWORD="bench-fanout-$$-password"

print_machine
echo "fanout: $sales connections (one per sale) x $inflight in flight, ${warmup}s warm-up +" \
     "${duration}s measured; $leads leads in $((2 * reps)) slices; server io threads: $io_threads;" \
     "$reps repetitions of (unsubscribed, every connection subscribed to pool)"

start_server "$tmp/server.log" "salesdesk" \
  "$salesdesk" serve --db "$tmp/server.db" --listen 127.0.0.1:0 --io-threads "$io_threads"
pid=$started_pid
"$bench_load" --port "$port" --op claims-setup --leads "$leads" --sales "$sales" --tokens "$tmp/tokens"

slice=$((leads / (2 * reps)))
results="$tmp/results"
: >"$results"
run() {  # run LABEL SLICE [--subscribe pool]
  local label="$1" n="$2" before line
  shift 2
  before="$(cpu_of "$pid")"
  line="$("$bench_load" --port "$port" --label "$label" --tokens "$tmp/tokens" \
          --first-lead $(( (n - 1) * slice + 1 )) --last-lead $(( n * slice )) --op claims \
          --connections "$sales" --inflight "$inflight" --duration "$duration" --warmup "$warmup" \
          "$@" | grep '^RESULT')"
  line="$(with_cpu "$line" "$before" "$(cpu_of "$pid")")"
  echo "$line" | tee -a "$results"
}
for rep in $(seq 1 "$reps"); do
  run alone $((2 * rep - 1))
  run subscribed $((2 * rep)) --subscribe pool
done

medians_table "$results" "claims/s" "server CPU us/claim" alone subscribed
ratios="$(paste <(field "$results" subscribed rate) <(field "$results" alone rate) |
          awk '{ printf "%.3f\n", ($2 > 0) ? $1 / $2 : 0 }')"
echo "per-repetition subscribed/alone claims/s: $(echo "$ratios" | tr '\n' ' ')(median $(echo "$ratios" | median))"
awk -v s="$(field "$results" subscribed rate | median)" -v a="$(field "$results" alone rate | median)" \
    -v sp="$(field "$results" subscribed p99_ms | median)" -v ap="$(field "$results" alone p99_ms | median)" 'BEGIN {
  printf "subscribed/alone claims/s (medians): %.3f (target >= 0.50)\n", (a > 0) ? s / a : 0
  printf "subscribed/alone p99 (medians): %.2f (target <= 3)\n", (ap > 0) ? sp / ap : 0
}'
# The engine saves its snapshots between batches (a pause): a run that held one shows it in p99.
echo "server snapshots during the run:"
grep "snapshot at seq" "$tmp/server.log" || echo "  none"
