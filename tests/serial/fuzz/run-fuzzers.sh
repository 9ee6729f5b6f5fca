#!/bin/sh
# Builds the libFuzzer targets of the device parsers with clang (only them) and runs each for a
# few seconds from its seed corpus. Fails on the first crash, leak or sanitizer report.
#   tests/serial/fuzz/run-fuzzers.sh <build-dir> <seconds-per-target>
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 <build-dir> <seconds-per-target>" >&2
    exit 2
fi
mkdir -p "$1"
build=$(cd "$1" && pwd)  # absolute: each fuzzer runs from inside it
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)

CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j2

status=0
for target in fuzz_linesplitter fuzz_imprintframe fuzz_nrf91at fuzz_cbor; do
    corpus="$build/corpus/$target"
    mkdir -p "$corpus"
    cp -n "$here/seeds/$target/"* "$corpus/" 2>/dev/null || true
    echo "== $target (${seconds}s)"
    if ! (cd "$build" && "./$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$corpus" \
            >"$build/$target.log" 2>&1); then
        tail -40 "$build/$target.log"
        echo "$target: FAILED (crash input and log in $build)" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|Done" "$build/$target.log" | tail -2
    fi
done
exit $status
