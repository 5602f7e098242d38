#!/usr/bin/env bash
# JMH benchmarks of the CPU backend (benchmarks/src/main/java/svg/bench/jmh): GemmJmh, AttentionJmh, ConvJmh,
# TrainStepJmh. Builds the benchmarks module, prints the machine, then runs JMH's own command line in the repository
# root with everything after the options, e.g.
#   benchmarks/jmh.sh                                   # all of them (about 15 minutes)
#   benchmarks/jmh.sh GemmJmh -p shape=1024x1024x1024   # one class, one parameter value
#   benchmarks/jmh.sh AttentionJmh -p threads=2 -f 1 -wi 2 -i 3
#   SVG_JAVA_OPTS=-XX:UseAVX=2 benchmarks/jmh.sh GemmJmh # the 256-bit path (5x16 tile) on an AVX-512 machine
#   benchmarks/jmh.sh -l                                # list the benchmarks
# Environment: SVG_JAVA_OPTS (extra JVM flags, appended to every forked benchmark JVM; do not also pass -jvmArgsAppend).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
(cd "$root" && mvn -q -pl benchmarks -am -DskipTests package >&2)
cp="$here/target/classes:$here/target/lib/*"
quiet() { grep --line-buffered -v -e '^WARNING: Using incubator' || true; }
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.Machine 2>&1 | quiet
cd "$root"
# a -jvmArgsAppend given here replaces the classes' @Fork(jvmArgsAppend), so it repeats theirs before SVG_JAVA_OPTS
extra=()
[ -n "${SVG_JAVA_OPTS:-}" ] && extra=(-jvmArgsAppend "--add-modules jdk.incubator.vector -Xmx4g $SVG_JAVA_OPTS")
exec "$JAVA_HOME/bin/java" -cp "$cp" org.openjdk.jmh.Main ${extra[@]+"${extra[@]}"} "$@"
