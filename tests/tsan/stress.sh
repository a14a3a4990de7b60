#!/bin/sh
# The server built with ThreadSanitizer, under load from wrk over many distinct targets with a
# 1 MB cache (entries made, hit and evicted all the time), the access log on, a SIGHUP every
# second (a new snapshot swapped in under the requests), then SIGTERM. Fails on any ThreadSanitizer report,
# a non-2xx answer, or an unclean exit.
# Usage: stress.sh BINARY DATABASE SCRATCH_DIR [SECONDS]
set -eu
bin=$1
db=$2
scratch=$3
secs=${4:-20}
rm -rf "$scratch"
mkdir -p "$scratch"
: > "$scratch/server.log"
nm "$bin" 2>/dev/null | grep -q __tsan_init || {
  echo "FAIL: $bin is not built with ThreadSanitizer (-DPROSPERITY_TSAN=ON)"; exit 1; }
command -v wrk >/dev/null || { echo "FAIL: wrk is missing (.ci/deps --test installs it)"; exit 1; }

cat > "$scratch/targets.lua" <<'LUA'
-- Many distinct answers: series and dispersion over year windows, compare, profiles.
local paths = {}
local inds = {"gdp_per_capita", "population", "gdp"}
for _, ind in ipairs(inds) do
  for from = 2005, 2019 do
    paths[#paths + 1] = "/v1/gaps/dispersion?indicator=" .. ind ..
      "&regions=group:provinces&from=" .. from
    paths[#paths + 1] = "/v1/series?indicator=" .. ind .. "&regions=group:provinces&from=" .. from
  end
end
paths[#paths + 1] = "/v1/compare?indicators=gdp_per_capita&regions=group:provinces&year=latest"
paths[#paths + 1] = "/v1/regions/guangdong/profile"
paths[#paths + 1] = "/v1/meta"
paths[#paths + 1] = "/readyz"
local n = 0
request = function()
  n = n + 1
  local p = paths[(n * 7919) % #paths + 1]
  if n % 5 == 0 then  -- cache busters: remembered targets overwritten
    p = p .. (p:find("?", 1, true) and "&" or "?") .. "_=" .. n
  end
  return wrk.format("GET", p)
end
LUA

TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$scratch/tsan" \
  "$bin" serve --db "$db" --port 0 --listen 127.0.0.1 --threads 4 --cache-bytes-mb 1 \
  > "$scratch/server.log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$scratch/server.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || { cat "$scratch/server.log"; echo "FAIL: server exited"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$scratch/server.log"; echo "FAIL: no port in the log"; exit 1; }

wrk -t2 -c16 -d"${secs}s" -s "$scratch/targets.lua" "http://127.0.0.1:$port" \
  > "$scratch/wrk.log" 2>&1 &
wrk_pid=$!
hups=0
while kill -0 $wrk_pid 2>/dev/null; do
  sleep 1
  kill -HUP $pid 2>/dev/null || break
  hups=$((hups + 1))
done
wait $wrk_pid || { cat "$scratch/wrk.log"; echo "FAIL: wrk failed"; exit 1; }
kill -TERM $pid 2>/dev/null || true
rc=0
wait $pid || rc=$?
trap - EXIT
cat "$scratch/wrk.log"
reports=$(cat "$scratch"/tsan* 2>/dev/null | grep -c 'WARNING: ThreadSanitizer' || true)
if [ "$reports" -gt 0 ] || [ $rc -ne 0 ]; then
  cat "$scratch"/tsan* 2>/dev/null | head -120
  tail -20 "$scratch/server.log"
  echo "FAIL: $reports ThreadSanitizer reports, server exit status $rc"
  exit 1
fi
if grep -q 'Non-2xx' "$scratch/wrk.log"; then
  echo "FAIL: answers other than 2xx under load"; exit 1
fi
requests=$(sed -n 's/^ *\([0-9][0-9]*\) requests in.*/\1/p' "$scratch/wrk.log")
reloads=$(grep -c 'reloaded' "$scratch/server.log" || true)
echo "tsan stress: $requests requests, $hups SIGHUPs ($reloads snapshots swapped in), no report, exit 0"
[ "${requests:-0}" -gt 0 ] || { echo "FAIL: no request answered"; exit 1; }
[ "$reloads" -gt 0 ] || { echo "FAIL: no reload happened"; exit 1; }
rm -rf "$scratch"
