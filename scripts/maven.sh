# Sourced by ./svg, ./svg-test and .ci/run: picks the Maven that builds the project and sets MVN to its command.
# An installed mvn when there is one (the user's own Maven, settings and local repository); else the Maven wrapper
# shipped in the repository (./mvnw, Maven's own convention), which the first time downloads the Maven version
# pinned in .mvn/wrapper/maven-wrapper.properties from Maven Central into ~/.m2/wrapper. So a fresh machine needs
# only a JDK 25 (and, once, the network that the first build needs anyway for the project's dependencies).

# $1: the repository root. Sets MVN (the command) and MVN_KIND ("mvn" or "wrapper", for messages).
svg_find_maven() {
  local root="$1"
  if command -v mvn > /dev/null; then
    MVN="mvn"
    MVN_KIND="mvn"
  elif [ -x "$root/mvnw" ] && [ -f "$root/.mvn/wrapper/maven-wrapper.properties" ]; then
    MVN="$root/mvnw"
    MVN_KIND="wrapper"
  else
    echo "error: Maven is needed to build svg: install it (Debian: apt-get install maven), or restore the Maven" >&2
    echo "  wrapper that the repository ships ($root/mvnw and $root/.mvn/wrapper/maven-wrapper.properties)." >&2
    return 1
  fi
}
