# Sourced by the launchers in bin/lib: where the project is, which java, and a first-run build.

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; return 0; fi
  if command -v java >/dev/null; then command -v java; return 0; fi
  echo "$(basename "$0"): cannot find java: install a Java 17 JDK (apt-get install -y openjdk-17-jdk) or set JAVA_HOME" >&2
  return 1
}

# HADOOP_CONF_DIR and YARN_CONF_DIR (core-site.xml, hdfs-site.xml, yarn-site.xml) at the front of a classpath, as
# Spark's own launcher puts them: printed with a trailing ':' when set, nothing otherwise.
hadoop_conf_classpath() {
  local d
  for d in "${HADOOP_CONF_DIR:-}" "${YARN_CONF_DIR:-}"; do [ -n "$d" ] && printf '%s:' "$d"; done
  return 0
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

# The value of a Spark property in a properties file (spark-defaults.conf syntax: key, whitespace or '=', value),
# empty when absent: spark_conf_value KEY FILE
spark_conf_value() {
  [ -f "$2" ] || return 0
  sed -n -E "s/^[[:space:]]*$(printf '%s' "$1" | sed 's/\./\\./g')[[:space:]=]+(.*[^[:space:]])[[:space:]]*$/\1/p" "$2" | tail -n 1
}

# A Spark property as spark-submit resolves it: the last --conf KEY=VALUE among the arguments, else the properties
# file's; empty when neither sets it: spark_conf_arg KEY FILE [spark arguments...]
spark_conf_arg() {
  local key=$1 file=$2 value="" found=0; shift 2
  while [ $# -gt 0 ]; do
    if [[ "$1" == --conf || "$1" == -c ]] && [[ "${2:-}" == "$key="* ]]; then value=${2#"$key="}; found=1; fi
    shift
  done
  if [ "$found" = 1 ]; then printf '%s' "$value"; else spark_conf_value "$key" "$file"; fi
}

# Whether a Spark property is set, by a --conf KEY=... among the arguments or in the properties file:
# spark_conf_set KEY FILE [spark arguments...]
spark_conf_set() {
  local key=$1 file=$2; shift 2
  while [ $# -gt 0 ]; do
    if [ "$1" = --conf ] && [[ "${2:-}" == "$key="* ]]; then return 0; fi
    shift
  done
  [ -n "$(spark_conf_value "$key" "$file")" ]
}
