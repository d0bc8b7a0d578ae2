#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) and runs each for RUNS executions
# (the committed record ran the two decode targets at 600000, roundtrip at 200000;
# align ran 1000000 on its own).
#   fuzz/run_fuzz.sh [RUNS=600000] [BUILD_DIR=/tmp/cvlfic-fuzz]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-600000}
BUILD=${2:-/tmp/cvlfic-fuzz}
CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -G Ninja -DCVLFIC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" >/dev/null
seeds() { if [ "$1" = encoder ]; then echo fuzz/corpus_encoder; else echo fuzz/corpus; fi; }
for target in decode_fixcrc decode roundtrip align encoder; do
  mkdir -p "$BUILD/corpus_$target"
  "$BUILD/fuzz_$target" -runs="$RUNS" -max_len=4096 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      "$BUILD/corpus_$target" "$(seeds "$target")" 2>&1 | grep -E "^(Done|stat::|==|SUMMARY)" | sed "s/^/$target: /"
done
