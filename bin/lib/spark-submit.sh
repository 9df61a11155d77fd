# Sourced by bin/train and bin/score: runs a job module's shaded jar through Spark's own
# org.apache.spark.deploy.SparkSubmit, with Spark's classpath from the build and Spark's Java 17 flags.
# usage: spark_submit MODULE MAIN_CLASS [spark-submit flags and job options...]

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

spark_submit() {
  local module=$1 main=$2; shift 2
  build_if_missing "$project_dir/$module/target/*-app.jar" "$project_dir/spark-runtime/target/spark-classpath.txt"
  local java; java=$(find_java)
  local target="$project_dir/$module/target" runtime="$project_dir/spark-runtime/target"
  local jar; jar=$(ls "$target"/*-app.jar | head -n 1)
  local spark_args=() job_args=() master="" driver_memory="${DRIVER_MEMORY:-4g}" deploy_mode="" files="" props=""
  # Spark's own flags go before the application jar, everything else is the job's.
  while [ $# -gt 0 ]; do
    case "$1" in
      --master) master=$2; shift 2 ;;
      --master=*) master=${1#*=}; shift ;;
      --driver-memory) driver_memory=$2; spark_args+=("$1" "$2"); shift 2 ;;
      --driver-memory=*) driver_memory=${1#*=}; spark_args+=("$1"); shift ;;
      --deploy-mode) deploy_mode=$2; spark_args+=("$1" "$2"); shift 2 ;;
      --properties-file) props=$2; spark_args+=("$1" "$2"); shift 2 ;;
      --files) files=$2; shift 2 ;;
      --conf|--executor-memory|--executor-cores|--total-executor-cores|--num-executors|--name|\
      --jars|--driver-java-options|--driver-cores|--queue|--packages)
        spark_args+=("$1" "$2"); shift 2 ;;
      --verbose|--supervise) spark_args+=("$1"); shift ;;
      *) job_args+=("$1"); shift ;;
    esac
  done
  # Loopback by default, for local[*] and this machine's bin/cluster; not on YARN, where a client-mode driver must
  # be reachable from the NodeManagers' hosts (Spark then binds to this host's address).
  if [[ "${master:-}" != yarn* ]]; then export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}; fi
  export SPARK_CONF_DIR=${SPARK_CONF_DIR:-$project_dir/conf}
  export DIGITCLASSIFIER_CONF_DIR=${DIGITCLASSIFIER_CONF_DIR:-$project_dir/conf}
  if [[ "${master:-}" == yarn* ]]; then
    if [ -z "${HADOOP_CONF_DIR:-}" ] && [ -z "${YARN_CONF_DIR:-}" ]; then
      echo "$(basename "$0"): --master yarn needs HADOOP_CONF_DIR (or YARN_CONF_DIR): the directory with the cluster's core-site.xml and yarn-site.xml" >&2
      exit 2
    fi
    # YARN's containers have no Spark of their own here: they get this build's Spark jars, uploaded with the
    # application as spark-submit uploads a distribution's jars/ (set spark.yarn.jars or spark.yarn.archive to a
    # copy on HDFS, or to local: paths of a Spark 3.5.9 on every node, to skip the upload).
    props=${props:-$SPARK_CONF_DIR/spark-defaults.conf}
    if ! spark_conf_set spark.yarn.jars "$props" "${spark_args[@]}" && ! spark_conf_set spark.yarn.archive "$props" "${spark_args[@]}"; then
      spark_args+=(--conf "spark.yarn.jars=$(tr ':' ',' < "$runtime/spark-classpath.txt")")
    fi
    # In cluster mode the driver runs in a container: it gets the job's conf/<job>.properties in its working
    # directory and reads its option defaults from there.
    [ -z "$deploy_mode" ] && deploy_mode=$(spark_conf_value spark.submit.deployMode "$props")
    local job_conf="$DIGITCLASSIFIER_CONF_DIR/${module%-job}.properties"
    if [ "$deploy_mode" = cluster ] && [ -f "$job_conf" ]; then
      files=${files:+$files,}$job_conf
      spark_args+=(--conf spark.yarn.appMasterEnv.DIGITCLASSIFIER_CONF_DIR=.)
    fi
  fi
  if [ -n "$files" ]; then spark_args+=(--files "$files"); fi
  # One OpenMP thread per Spark task: local[N] runs N tasks at once, more threads oversubscribe the cores.
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  # In client mode this JVM is the driver: --driver-memory becomes its heap; ND4J's off-heap limits follow it.
  # shellcheck disable=SC2046
  exec "$java" $(cat "$runtime/java17.options") -Xmx"$driver_memory" \
    -Dorg.bytedeco.javacpp.maxbytes="${ND4J_MAXBYTES:-8G}" -Dorg.bytedeco.javacpp.maxphysicalbytes="${ND4J_MAXPHYSICALBYTES:-16G}" \
    -Dlog4j2.configurationFile="$SPARK_CONF_DIR/log4j2.properties" -Dorg.eclipse.deeplearning4j.helpers.disable=false \
    ${JAVA_OPTS:-} \
    -cp "$(hadoop_conf_classpath)$(cat "$runtime/spark-classpath.txt")" org.apache.spark.deploy.SparkSubmit \
    --class "$main" --master "${master:-local[*]}" "${spark_args[@]}" "$jar" "${job_args[@]}"
}
