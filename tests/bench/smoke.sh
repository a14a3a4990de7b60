#!/bin/sh
# tests/bench/smoke.sh BIN MICRO SOURCE_DIR DEFAULT_DB LOAD FLOOR — bench/ stays runnable as the
# code changes: bench/gen's data imports, its shapes answer through the handlers
# (prosperity_micro, which says how it split handler and render), prosperity_load counts the
# 304s of the revalidate case against a running server (wrk reads 0 there), prosperity_floor
# sends a saved answer byte for byte in each of its three ways, twice on one connection, and
# bench/instructions counts a request under callgrind. Nothing here is timed.
set -eu
bin=$1 micro=$2 root=$3 db=$4 load=$5 floor=$6
tmp=$(mktemp -d)
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
python3 "$root/bench/gen" --out "$tmp/data" --indicators 6 --regions 40 --years 5 >/dev/null
"$bin" import --db "$tmp/gen.db" "$tmp/data" >/dev/null
"$micro" --seconds 0.05 --loads 1 "$tmp/gen.db" \
    "/v1/series?indicator=gdp_per_capita&regions=u00001" \
    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:p31" >"$tmp/micro.txt"
grep -q "group:p31" "$tmp/micro.txt"
# every row says which way its handler and render were split (doc or tree)
grep -q "^split: doc = " "$tmp/micro.txt"
[ "$(grep -c ' \(doc\|tree\) .*/v1/' "$tmp/micro.txt")" = 2 ]
"$micro" --json --seconds 0.05 "$tmp/gen.db" "/v1/series?indicator=gdp_per_capita&regions=u00001" \
    >"$tmp/micro.json"
grep -q '"split": *"\(doc\|tree\)"' "$tmp/micro.json"

# prosperity_load: the series answers 304 to its own ETag and every response is counted as one
timeout 60 "$bin" serve --db "$db" --port 0 --listen 127.0.0.1 --access-log off \
    >"$tmp/server.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$tmp/server.log")
    [ -n "$port" ] && curl -s -o /dev/null "http://127.0.0.1:$port/readyz" && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$tmp/server.log"; exit 1; }
url="http://127.0.0.1:$port/v1/series?indicator=gdp_per_capita&regions=beijing"
etag=$(curl -sS -D - -o /dev/null "$url" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
[ -n "$etag" ]
"$load" -c 4 -d 0.3 -H "If-None-Match: $etag" "$url" >"$tmp/load.txt" 2>/dev/null
sed -n 's/^WRKJSON //p' "$tmp/load.txt" | python3 -c '
import json, sys
w = json.load(sys.stdin)
errs = sum(w[k] for k in ("err_connect", "err_read", "err_write", "err_timeout", "err_status"))
assert w["requests"] > 0 and w["status_304"] == w["requests"] and errs == 0, w'
"$load" -c 2 -d 0.2 "$url" >"$tmp/load200.txt" 2>/dev/null
sed -n 's/^WRKJSON //p' "$tmp/load200.txt" | python3 -c '
import json, sys
w = json.load(sys.stdin)
assert w["requests"] > 0 and w["status_2xx"] == w["requests"] and w["err_read"] == 0, w'

# prosperity_floor: our saved answer (curl's head, then the body) sent back whole by each mode,
# to two requests on one kept-alive connection (curl reuses it for the second URL)
curl -sS -D "$tmp/answer.h" -o "$tmp/answer.body" "$url"
cat "$tmp/answer.h" "$tmp/answer.body" >"$tmp/answer"
cat "$tmp/answer.body" "$tmp/answer.body" >"$tmp/answer.twice"
for mode in "" --sendfile --cork; do
    fport=$(python3 "$root/bench/report.py" free-port)
    # shellcheck disable=SC2086 # no mode is no argument
    timeout 30 "$floor" "$fport" "$tmp/answer" $mode >"$tmp/floor.log" 2>&1 &
    fpid=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$fport/" && break
        sleep 0.02
    done
    curl -sS -o "$tmp/floor.out" "http://127.0.0.1:$fport/a" -o "$tmp/floor.out2" \
        "http://127.0.0.1:$fport/b" -w '%{num_connects}\n' >"$tmp/connects"
    cat "$tmp/floor.out" "$tmp/floor.out2" | cmp -s - "$tmp/answer.twice" ||
        { echo "prosperity_floor ${mode:-(one send)}: not our answer"; exit 1; }
    [ "$(tr -d '\n' <"$tmp/connects")" = 10 ] ||
        { echo "prosperity_floor ${mode:-(one send)}: not one kept-alive connection"; exit 1; }
    kill "$fpid"
    wait "$fpid" 2>/dev/null || true
done

kill "$server"
wait "$server" 2>/dev/null || true
server=""

if command -v valgrind >/dev/null 2>&1; then
    "$root/bench/instructions" --bin "$bin" --db "$db" --case revalidate --requests 300 \
        --top 3 >"$tmp/instructions.txt"
    grep -q "user-space instructions per request" "$tmp/instructions.txt"
fi
echo "bench smoke: gen -> import -> micro (split), load (304s), floor (3 ways), instructions: ok"
