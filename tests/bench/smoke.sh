#!/bin/sh
# tests/bench/smoke.sh BIN MICRO SOURCE_DIR DEFAULT_DB — bench/ stays runnable as the code
# changes: bench/gen's data imports, its shapes answer through the handlers (prosperity_micro),
# and bench/instructions counts a request under callgrind. Nothing here is timed.
set -eu
bin=$1 micro=$2 root=$3 db=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$root/bench/gen" --out "$tmp/data" --indicators 6 --regions 40 --years 5 >/dev/null
"$bin" import --db "$tmp/gen.db" "$tmp/data" >/dev/null
"$micro" --seconds 0.05 --loads 1 "$tmp/gen.db" \
    "/v1/series?indicator=gdp_per_capita&regions=u00001" \
    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:p31" >"$tmp/micro.txt"
grep -q "group:p31" "$tmp/micro.txt"
if command -v valgrind >/dev/null 2>&1; then
    "$root/bench/instructions" --bin "$bin" --db "$db" --case revalidate --requests 300 \
        --top 3 >"$tmp/instructions.txt"
    grep -q "user-space instructions per request" "$tmp/instructions.txt"
fi
echo "bench smoke: gen -> import -> micro, instructions: ok"
