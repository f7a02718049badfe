#!/usr/bin/env bash
# Measures a shared Kontra: commands through a serving `kontra daemon` against the same commands
# in-process, on a register of N counterparties.
#   - `show 1`: wall time including process start (median and slowest of 30 runs)
#   - `list --json` of all N: wall time and peak memory (median of 3), in-process and through
#     the server, and the ratio
#   - the daemon's resident memory before and after the client runs
# Usage: scripts/measure-server.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --quiet
bin=$PWD/${CARGO_TARGET_DIR:-target}/release/kontra
work=$(mktemp -d)
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export KONTRA_DATA_DIR=$work/data KONTRA_CONFIG=$work/config.toml XDG_STATE_HOME=$work/state
cat > "$KONTRA_CONFIG" <<'TOML'
[sources.vies]
enabled = false
[sources.evatr]
enabled = false
[sources.gleif]
enabled = false
[sources.handelsregister]
enabled = false
[sources.insolvency]
enabled = false
[sanctions.eu]
enabled = false
[sanctions.ofac]
enabled = false
[sanctions.uk]
enabled = false
[sanctions.un]
enabled = false
TOML

python3 - "$n" > "$work/register.csv" <<'PY'
import sys
n = int(sys.argv[1])
owners = ["anna", "bernd", "chiara", "dmitri", "eva"]
print("name,country,email,address,owner,monitor")
for i in range(n):
    print(f"Firma {i} Handels GmbH,DE,info{i}@firma{i}.de,\"Straße {i}, {10000 + i % 89999} Stadt\",{owners[i % 5]},{'yes' if i % 3 else 'no'}")
PY
"$bin" import "$work/register.csv" > /dev/null

# Median and maximum of the wall times (seconds) of `runs` runs of a command.
times() {
  local runs=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2> "$work/err" || { cat "$work/err"; exit 1; }
    cat "$work/t"
  done | sort -n | awk '{t[NR]=$1; m[NR]=$2} END {printf "median %.3f s, max %.3f s, peak %d MB", t[int((NR+1)/2)], t[NR], m[NR]/1024}'
}
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }

echo "register of $n counterparties, $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg), $(date -u +%FT%TZ)"
echo "in-process:     show 1       $(times 30 "$bin" show 1)"
echo "in-process:     list --json  $(times 3 "$bin" list --json)"

"$bin" daemon 2> "$work/daemon.err" &
daemon=$!
for _ in $(seq 500); do [ -S "$KONTRA_DATA_DIR/kontra.sock" ] && break; sleep 0.02; done
sleep 0.5
before=$(rss "$daemon")
echo "through server: show 1       $(times 30 "$bin" show 1)"
echo "through server: list --json  $(times 3 "$bin" list --json)"
after=$(rss "$daemon")
echo "daemon resident memory: ${before} MB before, ${after} MB after"
