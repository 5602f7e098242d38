# Sourced by ./svg, ./svg-test and .ci/run: finds a JDK 25 and exports JAVA_HOME.
# Order: $JAVA_HOME when it is a JDK 25, then Temurin 25's Debian path, then any /usr/lib/jvm/*25*.

# Prints the feature version (e.g. 25) of the JDK at $1, or nothing when $1 is not a JDK.
svg_jdk_feature() {
  local home="$1"
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release"
  else
    "$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

svg_find_jdk25() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    [ -n "$c" ] || continue
    if [ "$(svg_jdk_feature "$c")" = "25" ]; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "error: svg needs a JDK 25 (it uses the Vector API, jdk.incubator.vector)." >&2
  if [ -n "${JAVA_HOME:-}" ]; then
    echo "  JAVA_HOME=$JAVA_HOME is version '$(svg_jdk_feature "$JAVA_HOME")', not 25." >&2
  fi
  echo "  Looked in \$JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64 and /usr/lib/jvm/*25*." >&2
  echo "  Install a JDK 25 (e.g. Eclipse Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
