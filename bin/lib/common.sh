# Sourced by the launchers in bin/lib: where the project is, which java, and a first-run build.

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

# Builds the project once when any of the given files (globs allowed) is missing: a fresh clone.
build_if_missing() {
  local f
  for f in "$@"; do
    if ! compgen -G "$f" >/dev/null; then
      echo "Building the project (first run) ..." >&2
      (cd "$project_dir" && ./mvnw -B -q -DskipTests package) >&2
      return 0
    fi
  done
}
