#!/usr/bin/env bash
# Webhook ingest benchmark (issue 10 item 12): bench_webhook against a salesdesk started here on
# a fresh journal, then stopped. Builds nothing: it takes the binaries of a build directory.
#
#   tools/bench/webhook.sh [--build DIR] [--senders 32] [--duration 5] [--warmup 1] [--reps 3]
#                          [--against notes|unassigned]
#
# Prints the machine, every phase's RESULT line, the medians and the ratio webhook/leads.note,
# and the server's CPU time over the whole run.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-bench"
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --senders|--duration|--warmup|--reps|--against) args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n "2,10p" "$0"; exit 0 ;;
    *) echo "webhook.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

salesdesk="$build/app/salesdesk"
bench_webhook="$build/tools/bench/bench_webhook"
bench_name=webhook.sh
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
require_binaries "$salesdesk" "$bench_webhook"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-webhook-XXXXXX")"
server_pid=""
cleanup() {
  stop_server "$server_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT

export SALESDESK_ADMIN_PASSWORD="bench-webhook-$$-password"
print_machine
start_server "$tmp/server.log" "salesdesk" "$salesdesk" serve --db "$tmp/bench.db" --listen 127.0.0.1:0
server_pid=$started_pid
"$bench_webhook" --port "$port" "${args[@]}"
echo "server CPU over the run: $(cpu_of "$server_pid") s"
