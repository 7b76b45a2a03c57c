# Shell functions shared by load.sh and claims.sh (sourced, not run). The sourcing script sets
# bench_name (for messages) and build before calling them.

# Exits with a hint when one of the network benchmark's binaries is not built.
require_binaries() {
  local bin
  for bin in "$@"; do
    if [[ ! -x "$bin" ]]; then
      echo "$bench_name: $bin is missing; build it first:" >&2
      echo "  ninja -C $build salesdesk bench_load bench_echo_server" >&2
      exit 2
    fi
  done
}

# Starts a server in the background; sets started_pid and port from its ready line
# ("NAME listening on http://127.0.0.1:PORT").
start_server() {
  local log="$1" pattern="$2"
  shift 2
  "$@" >"$log" 2>&1 &
  started_pid=$!
  port=""
  for _ in $(seq 1 300); do
    port="$(sed -n "s#^${pattern} listening on http://127\\.0\\.0\\.1:\\([0-9][0-9]*\\)\$#\\1#p" "$log" | head -n1)"
    [[ -n "$port" ]] && return 0
    if ! kill -0 "$started_pid" 2>/dev/null; then
      echo "$bench_name: server exited early:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$bench_name: no ready line after 30 s:" >&2
  cat "$log" >&2
  exit 1
}

# Stops a server (SIGTERM, then waits); nothing if it is not running.
stop_server() {
  local pid="$1"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

# CPU seconds a process has used so far (user + system, all threads).
cpu_of() {
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / tck }' "/proc/$1/stat"
}

# Appends the server's CPU time between two cpu_of readings, and per answered command, to a
# RESULT line.
with_cpu() {
  local line="$1" before="$2" after="$3" total
  total="$(echo "$line" | tr ' ' '\n' | sed -n 's/^total=//p')"
  awk -v l="$line" -v b="$before" -v a="$after" -v t="$total" \
    'BEGIN { printf "%s server_cpu_s=%.3f server_cpu_us_per_cmd=%.1f\n", l, a - b, (t > 0) ? (a - b) * 1e6 / t : 0 }'
}

print_machine() {
  echo "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1);" \
       "load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# field FILE LABEL NAME: the values of NAME= on the RESULT lines of LABEL, one per line.
field() { grep "label=$2 " "$1" | tr ' ' '\n' | sed -n "s/^$3=//p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# medians_table RESULTS RATE_NAME CPU_NAME LABEL...: one row of medians (rate, p50, p99, server
# CPU a command) per label of the RESULT lines, then the load average.
medians_table() {
  local results="$1" rate_name="$2" cpu_name="$3" side
  shift 3
  echo
  printf '%-11s %14s %10s %10s %22s\n' side "$rate_name" "p50 ms" "p99 ms" "$cpu_name"
  for side in "$@"; do
    printf '%-11s %14s %10s %10s %22s\n' "$side" "$(field "$results" "$side" rate | median)" \
      "$(field "$results" "$side" p50_ms | median)" "$(field "$results" "$side" p99_ms | median)" \
      "$(field "$results" "$side" server_cpu_us_per_cmd | median)"
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Prints the medians of both sides and the real/echo ratios of a results file; sets real_rate and
# echo_rate. $2 names the rate ("commands/s"), $3 the CPU column ("server CPU us/command").
summarize() {
  local results="$1" rate_name="$2" cpu_name="$3" pair_ratios
  real_rate="$(field "$results" real rate | median)"
  echo_rate="$(field "$results" echo rate | median)"
  medians_table "$results" "$rate_name" "$cpu_name" real echo
  pair_ratios="$(paste <(field "$results" real rate) <(field "$results" echo rate) |
                 awk '{ printf "%.3f\n", ($2 > 0) ? $1 / $2 : 0 }')"
  echo "per-repetition real/echo ratios: $(echo "$pair_ratios" | tr '\n' ' ')(median $(echo "$pair_ratios" | median))"
}
