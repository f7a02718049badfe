#!/usr/bin/env bash
# Puts a shared Kontra under the load of issue 16's targets: a `kontra daemon` serving a register
# of N monitored counterparties (some named like UN-listed entities, so the cycle raises alerts)
# with the UN list loaded; C clients attached to its events; a 10,000-row import and a check cycle
# over everything (`monitor run --all`) through the server side by side; then event probes.
# Registries are switched off: the cycle screens against the list only.
# Usage: scripts/measure-server-load.sh [N] [C]   (defaults 2000 and 10)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
clients=${2:-10}
cargo build --release --quiet -p kontra -p kontra-eval
bin=$PWD/${CARGO_TARGET_DIR:-target}/release/kontra
eval_bin=$PWD/${CARGO_TARGET_DIR:-target}/release/kontra-eval
work=$(mktemp -d)
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export KONTRA_DATA_DIR=$work/data KONTRA_CONFIG=$work/config.toml XDG_STATE_HOME=$work/state
cat > "$KONTRA_CONFIG" <<'TOML'
language = "en"
[monitor]
# No scheduled cycle during the measurement: only the one asked for.
run_at = ["04:17"]
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
TOML
un=tests/fixtures/sanctions_full/un_consolidated_2026-02-27.xml
"$bin" sanctions import --source un "$un" > /dev/null
python3 - "$n" "$un" > "$work/register.csv" <<'PY'
import sys, re
n = int(sys.argv[1])
# Entities (not people): a listed entity's whole name is its FIRST_NAME in the UN's XML.
entities = re.findall(r"<ENTITY>.*?</ENTITY>", open(sys.argv[2], encoding="utf-8").read(), re.S)
listed = [m.group(1) for e in entities if (m := re.search(r"<FIRST_NAME>([^<]+)</FIRST_NAME>", e))]
listed = [x for x in listed if len(x) > 12][:50]
print("name,country,owner,monitor")
for i in range(n):
    name = listed[i % len(listed)] if i % 40 == 0 and listed else f"Firma {i} Handels GmbH"
    print(f"\"{name}\",DE,anna,yes")
PY
"$bin" import "$work/register.csv" > /dev/null
python3 - > "$work/more.csv" <<'PY'
print("name,country,owner,monitor")
for i in range(10000):
    print(f"Nachlieferung {i} GmbH,AT,bernd,no")
PY

"$bin" daemon 2> "$work/daemon.err" &
daemon=$!
for _ in $(seq 500); do [ -S "$KONTRA_DATA_DIR/kontra.sock" ] && break; sleep 0.02; done
echo "$n monitored counterparties, $clients clients, $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg), $(date -u +%FT%TZ)"
"$eval_bin" server-load --kontra "$bin" --clients "$clients" \
  --during "import $work/more.csv" --during "check --all" ${SETTLE:+--settle $SETTLE}
