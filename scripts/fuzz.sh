#!/usr/bin/env bash
# Longer runs of the reader fuzzers than the test suite makes (docs/tensor.md, "Fuzzing the readers"). Two modes.
#
# Structure-aware generators (ReaderFuzzTest in svg-tensor: safetensors, torch zip, legacy torch, JSON;
# DataReaderFuzzTest in svg-nn: IDX, gzip IDX, images, model.json). The test suite runs them for about two seconds
# per reader; this runs each reader for FUZZ_SECONDS or FUZZ_ITERATIONS inputs, whichever comes first, from a new
# seed each time (printed; FUZZ_SEED repeats a run). Other arguments go to mvn.
#
#   FUZZ_ITERATIONS=1000000 FUZZ_SECONDS=600 scripts/fuzz.sh
#
# An input that breaks a reader (an exception other than the clear refusal, an OutOfMemoryError, more memory than
# the budget, a hang) fails the run and is saved under <module>/target/fuzz-crashes/<target>/; copy it to
# <module>/src/test/resources/fuzz/<target>/ to keep it as a regression case (replayed by every test run), then fix
# the reader.
#
# Coverage-guided, with Jazzer (JazzerReaderFuzzTest, JazzerDataReaderFuzzTest): one target for SECONDS (default
# FUZZ_SECONDS, else 60), or each target in turn with "all". Other arguments go to mvn (-Djazzer.<option>=...).
#
#   scripts/fuzz.sh jazzer torchZip 600
#   scripts/fuzz.sh jazzer all 60
#
#   targets: safetensors torchZip torchLegacy json (svg-tensor), idx images modelJson (svg-nn)
#
# The images target also instruments the JDK's image decoders (com.sun.imageio, javax.imageio; JazzerDataReaderFuzzTest
# sets jazzer.instrument unless given). Jazzer writes an input that fails as crash-<sha1> (or timeout-<sha1>) into the
# target's corpus folder in the source tree, <module>/src/test/resources/<package>/<TestClass>Inputs/<target>/,
# where every test run replays it: commit it (a descriptive name is fine), then
# fix the reader (the file the reader saw is also saved under <module>/target/fuzz-crashes/). The inputs that reach
# new code are kept between runs under <module>/target/jazzer-corpus/ (moved to <module>/.cifuzz-corpus, where
# Jazzer looks, during a run), and the full log of the last run of a target in <module>/target/jazzer-<target>.log.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=jdk25.sh
. "$ROOT/scripts/jdk25.sh"
svg_find_jdk25 || exit 1
cd "$ROOT"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

JAZZER_TARGETS="safetensors torchZip torchLegacy json idx images modelJson"

# Moves the generated corpus of $1 (a module) back to target/ when a Jazzer run ends, however it ends.
park_corpus() {
  if [ -d "$1/.cifuzz-corpus" ]; then
    rm -rf "$1/target/jazzer-corpus"
    mkdir -p "$1/target"
    mv "$1/.cifuzz-corpus" "$1/target/jazzer-corpus"
  fi
}

# Fuzzes one Jazzer target ($1) for $2 seconds; the other arguments go to mvn.
jazzer_one() {
  local target="$1" secs="$2" module class
  shift 2
  case "$target" in
    safetensors|torchZip|torchLegacy|json) module=svg-tensor class=svg.tensor.io.JazzerReaderFuzzTest ;;
    idx|images|modelJson) module=svg-nn class=svg.nn.data.JazzerDataReaderFuzzTest ;;
    *) echo "fuzz: unknown Jazzer target '$target' (one of: $JAZZER_TARGETS, all)" >&2; return 2 ;;
  esac
  local pkg="${class%.*}" simple="${class##*.}"
  local inputs="$module/src/test/resources/${pkg//.//}/${simple}Inputs/$target"
  local log="$module/target/jazzer-$target.log"
  if [ -d "$module/target/jazzer-corpus" ] && [ ! -e "$module/.cifuzz-corpus" ]; then
    mv "$module/target/jazzer-corpus" "$module/.cifuzz-corpus"
  fi
  trap 'park_corpus "$module"' EXIT INT TERM
  mkdir -p "$module/target"
  echo "fuzz: jazzer $target ($simple, $module), coverage-guided for $secs s; log $log"
  set +e
  JAZZER_FUZZ=1 mvn -B -o -pl "$module" -am test \
      -Dtest="$simple#$target" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.max_duration="${secs}s" "$@" > "$log" 2>&1
  local status=$?
  set -e
  park_corpus "$module"
  trap - EXIT INT TERM
  grep -E '^#[0-9]+[[:space:]]+INITED' "$log" | head -n 1 || true
  grep -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$log" | tail -n 1 || true
  grep -E '^Done [0-9]+ runs' "$log" || true
  if [ "$status" -ne 0 ]; then
    grep -E '^(java|Caused by|org\.junit)[^ ]*(Error|Exception)|input saved' "$log" | sort -u | head -n 8 >&2 || true
    local unit
    unit="$(sed -n 's/.*Test unit written to //p' "$log" | head -n 1)"
    if [ -n "$unit" ]; then
      echo "fuzz: jazzer $target FAILED on $unit (in $inputs/, replayed by every test run once committed; then fix the reader)" >&2
    else
      echo "fuzz: jazzer $target FAILED before finding anything (see $log)" >&2
    fi
    return "$status"
  fi
  echo "fuzz: jazzer $target found nothing in $secs s (corpus kept in $module/target/jazzer-corpus/$class/$target)"
}

if [ "${1:-}" = jazzer ]; then
  target="${2:?usage: scripts/fuzz.sh jazzer TARGET|all [SECONDS] [mvn args] (targets: $JAZZER_TARGETS)}"
  secs="${3:-${FUZZ_SECONDS:-60}}"
  shift $(( $# < 3 ? $# : 3 ))
  if [ "$target" = all ]; then
    failed=""
    for t in $JAZZER_TARGETS; do jazzer_one "$t" "$secs" "$@" || failed="$failed $t"; done
    if [ -n "$failed" ]; then echo "fuzz: jazzer FAILED:$failed" >&2; exit 1; fi
    echo "fuzz: jazzer found nothing in any target"
    exit 0
  fi
  jazzer_one "$target" "$secs" "$@"
  exit $?
fi

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
