# Sourced by bin/serve and bin/benchmark-serve: runs a main class that needs no Spark with java, on the
# module's jar and its runtime dependencies (MODULE/target/classpath.txt, written by the build).
# usage: java_main MODULE MAIN_CLASS [args...]

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

java_main() {
  local module=$1 main=$2; shift 2
  build_if_missing "$project_dir/$module/target/$module-*.jar" "$project_dir/$module/target/classpath.txt"
  local java; java=$(find_java)
  local target="$project_dir/$module/target"
  local jar; jar=$(ls "$target/$module"-*.jar | grep -v -e '-tests\.jar$' -e '-app\.jar$' | head -n 1)
  export DIGITCLASSIFIER_CONF_DIR=${DIGITCLASSIFIER_CONF_DIR:-$project_dir/conf}
  # shellcheck disable=SC2086
  exec "$java" -Xmx"${JAVA_HEAP:-1g}" \
    -Dorg.bytedeco.javacpp.maxbytes="${ND4J_MAXBYTES:-2G}" -Dorg.bytedeco.javacpp.maxphysicalbytes="${ND4J_MAXPHYSICALBYTES:-4G}" \
    -Dlog4j2.configurationFile="$DIGITCLASSIFIER_CONF_DIR/log4j2.properties" ${JAVA_OPTS:-} \
    -cp "$(hadoop_conf_classpath)$jar:$(cat "$target/classpath.txt")" "$main" "$@"
}
