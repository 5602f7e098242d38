#!/usr/bin/env bash
# Longer runs of the structure-aware reader fuzzers (ReaderFuzzTest in svg-tensor: safetensors, torch zip, legacy
# torch, JSON; DataReaderFuzzTest in svg-nn: IDX, gzip IDX, images, model.json). The test suite runs them for about
# two seconds per reader; this runs each reader for FUZZ_SECONDS or FUZZ_ITERATIONS inputs, whichever comes first,
# from a new seed each time (printed; FUZZ_SEED repeats a run).
#
#   FUZZ_ITERATIONS=1000000 FUZZ_SECONDS=600 scripts/fuzz.sh
#
# An input that breaks a reader (an exception other than the clear refusal, an OutOfMemoryError, more memory than
# the budget, a hang) fails the run and is saved under <module>/target/fuzz-crashes/<target>/; copy it to
# <module>/src/test/resources/fuzz/<target>/ to keep it as a regression case (replayed by every test run), then fix
# the reader.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=jdk25.sh
. "$ROOT/scripts/jdk25.sh"
svg_find_jdk25 || exit 1
cd "$ROOT"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
ITER="${FUZZ_ITERATIONS:-100000}"
SECS="${FUZZ_SECONDS:-60}"
SEED="${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}"
echo "fuzz: up to $ITER inputs or $SECS s per reader, seed $SEED"
set +e +o pipefail
mvn -B -q -o -pl svg-tensor,svg-nn -am test \
    -Dtest='ReaderFuzzTest,DataReaderFuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsvg.fuzz.iterations="$ITER" -Dsvg.fuzz.seconds="$SECS" -Dsvg.fuzz.seed="$SEED" "$@" 2>&1 \
  | grep -E 'fuzz [a-z-]+ +[0-9]+ inputs|Tests run|FAIL|input saved|Caused by'
status="${PIPESTATUS[0]}"
set -e
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED with seed $SEED (inputs saved under */target/fuzz-crashes/)" >&2
  exit "$status"
fi
echo "fuzz: no reader broke (seed $SEED)"
