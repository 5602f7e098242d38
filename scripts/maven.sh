# Sourced by ./svg, ./svg-test and .ci/run: picks the Maven that builds the project and sets MVN to its command.
# An installed mvn when there is one (the user's own Maven, settings and local repository); else the Maven wrapper
# shipped in the repository (./mvnw, Maven's own convention), which the first time downloads the Maven version
# pinned in .mvn/wrapper/maven-wrapper.properties into ~/.m2/wrapper from the Maven repository named by
# MVNW_REPOURL (Maven Central's base URL, or a mirror: the project writes no registry host into the repository).

# $1: the repository root. Sets MVN (the command) and MVN_KIND ("mvn" or "wrapper", for messages).
svg_find_maven() {
  local root="$1"
  if command -v mvn > /dev/null; then
    MVN="mvn"
    MVN_KIND="mvn"
  elif [ -x "$root/mvnw" ] && [ -f "$root/.mvn/wrapper/maven-wrapper.properties" ] && [ -n "${MVNW_REPOURL:-}" ]; then
    MVN="$root/mvnw"
    MVN_KIND="wrapper"
  elif [ -x "$root/mvnw" ]; then
    echo "error: Maven is needed to build svg. Install it (Debian: apt-get install maven), or let the shipped wrapper" >&2
    echo "  ($root/mvnw) fetch Maven 3.9.16: set MVNW_REPOURL to the base URL of a Maven repository (Maven Central's" >&2
    echo "  or a mirror; the part before /org/apache/maven/ of a Maven artifact's download address)." >&2
    return 1
  else
    echo "error: Maven is needed to build svg: install it (Debian: apt-get install maven), or restore the Maven" >&2
    echo "  wrapper that the repository ships ($root/mvnw and $root/.mvn/wrapper/maven-wrapper.properties)." >&2
    return 1
  fi
}
