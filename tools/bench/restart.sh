#!/usr/bin/env bash
# Restart after a crash (issue 9, item 9): how long `salesdesk serve` takes from exec to its
# ready line on a journal of 1,000,000 events, after SIGKILL (no snapshot saved at the stop),
# once with no snapshot in the journal and once with a snapshot 100,000 events before the head
# (the most a crash replays with the default schedule, --snapshot-every-events 100000).
#
#   tools/bench/restart.sh [--build DIR] [--events 1000000] [--tail 100000] [--reps 5]
#
# bench_replay writes the journal (--reps 0; its mix of users, sessions, presence and settings
# events) and, on a copy, the snapshot at EVENTS - TAIL. Each repetition starts the server on
# each copy in turn with both snapshot schedules off (so the files stay as they are), times the
# ready line, and kills it with SIGKILL. Prints every start and the medians.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build/release"
events=1000000
tail_events=100000
reps=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --tail) tail_events="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    -h|--help) sed -n "2,13p" "$0"; exit 0 ;;
    *) echo "restart.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
salesdesk="$build/app/salesdesk"
bench_replay="$build/tools/bench/bench_replay"
for bin in "$salesdesk" "$bench_replay"; do
  [[ -x "$bin" ]] || { echo "restart.sh: $bin is missing; ninja -C $build salesdesk bench_replay" >&2; exit 2; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bench-restart-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cpus; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench_replay" --events "$events" --reps 0 --db "$tmp/plain.db" | grep -v '^machine'
cp "$tmp/plain.db" "$tmp/snapshot.db"
"$bench_replay" --events "$events" --reps 0 --db "$tmp/snapshot.db" \
  --snapshot-at $((events - tail_events)) | grep -v '^machine'

/usr/bin/python3 - "$salesdesk" "$tmp" "$reps" <<'PY'
import os, signal, statistics, subprocess, sys, time

salesdesk, tmp, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])

def start_ms(db):
    """Milliseconds from exec to the ready line; the server is then killed with SIGKILL."""
    t0 = time.monotonic()
    p = subprocess.Popen([salesdesk, "serve", "--db", db, "--listen", "127.0.0.1:0",
                          "--snapshot-every-events", "0", "--snapshot-every-minutes", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env=dict(os.environ, SALESDESK_ADMIN_PASSWORD="bench-restart-password"))
    try:
        for line in p.stdout:
            if "listening on" in line:
                return (time.monotonic() - t0) * 1000
        raise SystemExit(f"restart.sh: the server on {db} exited without its ready line")
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()

runs = {"no snapshot": [], "snapshot, tail": []}
files = {"no snapshot": f"{tmp}/plain.db", "snapshot, tail": f"{tmp}/snapshot.db"}
for rep in range(reps):
    for name in (list(runs) if rep % 2 == 0 else list(reversed(runs))):
        ms = start_ms(files[name])
        runs[name].append(ms)
        print(f"RESULT label={name.replace(', ', '_').replace(' ', '_')} start_ms={ms:.0f}")
print()
for name, values in runs.items():
    print(f"{name:>16}: median {statistics.median(values):8.0f} ms to the ready line "
          f"(min {min(values):.0f}, max {max(values):.0f})")
a, b = statistics.median(runs["no snapshot"]), statistics.median(runs["snapshot, tail"])
print(f"with a snapshot the restart takes {b / a:.3f} of the time without ({a / b:.1f}x faster)")
PY
