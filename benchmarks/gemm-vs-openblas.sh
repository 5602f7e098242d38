#!/usr/bin/env bash
# Our GEMM (SimdBackend.sgemm, 2 threads) against OpenBLAS cblas_sgemm (OPENBLAS_NUM_THREADS=2), alternately in one
# run. Prints one row per shape (ours GFLOP/s, OpenBLAS GFLOP/s, ratio) and ends with "min ratio ours/openblas: R".
# Usage: benchmarks/gemm-vs-openblas.sh [--threads T] [--rounds R] [--seconds S] [--cpu-time] [MxNxK ...]
# Environment: SVG_JAVA_OPTS (extra JVM flags). To compare the 256-bit paths on an AVX-512 machine:
#   SVG_JAVA_OPTS=-XX:UseAVX=2 OPENBLAS_CORETYPE=Haswell benchmarks/gemm-vs-openblas.sh --threads 1 --cpu-time
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

# OpenBLAS headers and library
if ! { [ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ] || [ -f /usr/include/openblas/cblas.h ]; } \
   || ! ldconfig -p | grep -q libopenblas; then
  echo "installing libopenblas-dev" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libopenblas-dev >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq libopenblas-dev >&2; fi
fi
command -v cc >/dev/null || { echo "a C compiler (cc) is needed" >&2; exit 1; }

build="$here/target/openblas"
mkdir -p "$build"
cc -O2 -o "$build/sgemm_bench" "$here/openblas/sgemm_bench.c" -I/usr/include/openblas -lopenblas

# the Java side: svg-tensor + benchmarks classes
(cd "$root" && mvn -q -pl benchmarks -am -DskipTests package >&2)
cp="$here/target/classes:$root/svg-tensor/target/classes"
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.GemmVsOpenBlas "$build/sgemm_bench" "$@" 2> >(grep -v -e '^WARNING: Using incubator' >&2)
