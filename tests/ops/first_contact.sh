#!/bin/sh
# README's build-and-serve command on a machine with only the run-time packages: the test-only
# pkg-config files (check, libcurl) are hidden, so the configure step sees what `.ci/deps`
# (without --test) installs. Then the server starts and /readyz answers 200.
# Usage: first_contact.sh SOURCE_DIR SCRATCH_DIR
set -eu
src=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch/pc"

# .ci/deps without --test must not install the test-only packages.
runtime=$(sed -n '/^pkgs="/,/"$/p' "$src/.ci/deps" | head -n 2)
for p in check libcurl4-openssl-dev; do
  if printf '%s\n' "$runtime" | grep -qw -- "$p"; then
    echo "FAIL: .ci/deps installs the test-only package $p without --test"; exit 1
  fi
done

# Every .pc file pkg-config would find, less check's and libcurl's.
for dir in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
  [ -d "$dir" ] || continue
  for pc in "$dir"/*.pc; do
    [ -e "$pc" ] || continue
    case $(basename "$pc") in check.pc|libcurl.pc) continue ;; esac
    [ -e "$scratch/pc/$(basename "$pc")" ] || ln -s "$pc" "$scratch/pc/"
  done
done
export PKG_CONFIG_LIBDIR="$scratch/pc" PKG_CONFIG_PATH=
if pkg-config --exists check || pkg-config --exists libcurl; then
  echo "FAIL: check or libcurl still visible to pkg-config"; exit 1
fi

# README's command, word for word but for the build folder and a free port.
cmd=$(grep -m1 '^\.ci/deps && cmake -S \. -B build' "$src/README.md") || {
  echo "FAIL: README has no build-and-serve command"; exit 1; }
echo "README: $cmd"
expect='.ci/deps && cmake -S . -B build && cmake --build build -j && build/prosperity serve'
[ "$cmd" = "$expect" ] || { echo "FAIL: README's command changed; update this test"; exit 1; }
cmake -S "$src" -B "$scratch/build" > "$scratch/configure.log" 2>&1 || {
  cat "$scratch/configure.log"; echo "FAIL: configure without the test packages"; exit 1; }
grep -q "Tests not built" "$scratch/configure.log" || {
  cat "$scratch/configure.log"; echo "FAIL: configure should say the tests are not built"; exit 1; }
cmake --build "$scratch/build" -j"$(nproc 2>/dev/null || echo 2)" > "$scratch/build.log" 2>&1 || {
  tail -40 "$scratch/build.log"; echo "FAIL: build without the test packages"; exit 1; }

"$scratch/build/prosperity" serve --port 0 --listen 127.0.0.1 > "$scratch/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$scratch/server.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || { cat "$scratch/server.log"; echo "FAIL: server exited"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$scratch/server.log"; echo "FAIL: no port in the log"; exit 1; }
status=""
for _ in $(seq 1 50); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$status" = 200 ] && break
  sleep 0.1
done
[ "$status" = 200 ] || { cat "$scratch/server.log"; echo "FAIL: /readyz answered $status"; exit 1; }
echo "first contact: configured and built without check and libcurl; /readyz 200 on port $port"
rm -rf "$scratch"
