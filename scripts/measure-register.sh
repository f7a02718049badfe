#!/usr/bin/env bash
# Measures the register at scale in release mode: import of N counterparties, `list --json`,
# a filtered list, and opening the store (`show 1`), each with wall time and peak memory.
# Usage: scripts/measure-register.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/kontra
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KONTRA_DATA_DIR=$work/data KONTRA_CONFIG=$work/none.toml XDG_STATE_HOME=$work/state

python3 - "$n" > "$work/register.csv" <<'PY'
import sys, random
n = int(sys.argv[1]); random.seed(7)
def de_vat(base):
    # ISO 7064 mod 11,10 check digit, as German VAT numbers use
    digits = f"{base:08d}"; p = 10
    for d in digits:
        s = (int(d) + p) % 10 or 10
        p = (2 * s) % 11
    return "DE" + digits + str((11 - p) % 10)
countries = ["DE", "AT", "FR", "NL", "IT", "ES", "PL", "BE"]
owners = ["anna", "bernd", "chiara", "dmitri", "eva"]
print("name,country,vat,email,address,owner,priority,monitor")
for i in range(n):
    c = "DE" if i % 2 == 0 else random.choice(countries)
    vat = de_vat(10000000 + i) if c == "DE" else ""
    print(f"Firma {i} Handels GmbH,{c},{vat},info{i}@firma{i}.de,\"Straße {i}, {10000 + i % 89999} Stadt\",{random.choice(owners)},{'high' if i % 10 == 0 else 'normal'},{'yes' if i % 3 else 'no'}")
PY

measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2> "$work/err" || { cat "$work/err"; exit 1; }
  read -r secs kb < "$work/t"
  printf '%-32s %8.2f s %8.0f MB\n' "$label" "$secs" "$((kb / 1024))"
}
echo "register of $n counterparties ($(nproc) cores)"
measure "import $n" "$bin" import "$work/register.csv"
measure "list --json (all)" "$bin" list --json
echo "  (list printed $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$work/out") objects)"
measure "list --json --search 'firma 9'" "$bin" list --json --search "firma 9"
measure "list --json --owner anna" "$bin" list --json --owner anna
measure "open store (show 1)" "$bin" show 1
