# Sourced by bin/train and bin/score: runs a job module's shaded jar through Spark's own
# org.apache.spark.deploy.SparkSubmit, with Spark's classpath from the build and Spark's Java 17 flags.
# usage: spark_submit MODULE MAIN_CLASS [spark-submit flags and job options...]

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Every flag of Spark 3.5's spark-submit (SparkSubmitOptionParser's opts and switches; a test in storage-tests
# holds this list to Spark's own): those that take a value, and switches. --class is the launcher's own; --help
# and --version go to the job (bin/train --help prints the job's options); --usage-error is Spark's internal one.
SPARK_VALUE_FLAGS=(--master --remote --deploy-mode --name --jars --packages --exclude-packages --repositories
  --py-files --files --archives --conf -c --properties-file --driver-memory --driver-java-options
  --driver-library-path --driver-class-path --driver-cores --executor-memory --executor-cores
  --total-executor-cores --num-executors --proxy-user --principal --keytab --queue --kill --status)
SPARK_SWITCHES=(--verbose -v --supervise)

# Whether $1 is one of the remaining arguments: in_list WORD LIST...
in_list() {
  local word=$1; shift
  local w
  for w in "$@"; do [ "$w" = "$word" ] && return 0; done
  return 1
}

# Whether a master runs everything on this machine (local mode, or this machine's bin/cluster): only then does the
# driver bind to loopback; on a real cluster the executors must reach it at this host's address.
is_loopback_master() {
  case "$1" in
    local|local\[*|local-cluster\[*|spark://127.*|spark://localhost:*|spark://localhost) return 0 ;;
    *) return 1 ;;
  esac
}

spark_submit() {
  local module=$1 main=$2; shift 2
  build_if_missing "$project_dir/$module/target/*-app.jar" "$project_dir/spark-runtime/target/spark-classpath.txt"
  local java; java=$(find_java)
  local target="$project_dir/$module/target" runtime="$project_dir/spark-runtime/target"
  local jar; jar=$(ls "$target"/*-app.jar | head -n 1)
  local spark_args=() job_args=() master="" driver_memory="" deploy_mode="" files="" props=""
  local driver_java_options="" driver_class_path="" driver_library_path=""
  # Spark's own flags go before the application jar, everything else is the job's.
  local flag value
  while [ $# -gt 0 ]; do
    flag=$1
    if [[ "$flag" == --*=* ]] && in_list "${flag%%=*}" "${SPARK_VALUE_FLAGS[@]}"; then
      value=${flag#*=}; flag=${flag%%=*}; shift
    elif in_list "$flag" "${SPARK_VALUE_FLAGS[@]}"; then
      if [ $# -lt 2 ]; then echo "$(basename "$0"): $flag needs a value" >&2; exit 2; fi
      value=$2; shift 2
    elif in_list "$flag" "${SPARK_SWITCHES[@]}"; then
      spark_args+=("$flag"); shift; continue
    else
      job_args+=("$flag"); shift; continue
    fi
    case "$flag" in
      --master) master=$value ;;
      --files) files=$value ;;
      --driver-memory) driver_memory=$value; spark_args+=("$flag" "$value") ;;
      --driver-java-options) driver_java_options=$value; spark_args+=("$flag" "$value") ;;
      --driver-class-path) driver_class_path=$value; spark_args+=("$flag" "$value") ;;
      --driver-library-path) driver_library_path=$value; spark_args+=("$flag" "$value") ;;
      --deploy-mode) deploy_mode=$value; spark_args+=("$flag" "$value") ;;
      --properties-file) props=$value; spark_args+=("$flag" "$value") ;;
      *) spark_args+=("$flag" "$value") ;;
    esac
  done
  export SPARK_CONF_DIR=${SPARK_CONF_DIR:-$project_dir/conf}
  export DIGITCLASSIFIER_CONF_DIR=${DIGITCLASSIFIER_CONF_DIR:-$project_dir/conf}
  # The master: --master, else spark.master from --conf, the properties file or spark-defaults.conf (Spark reads
  # those itself), else local[*]. Only the first and the last are passed on as --master.
  local pass_master=1
  if [ -z "$master" ]; then
    local defaults=${props:-$SPARK_CONF_DIR/spark-defaults.conf} i
    for ((i = 0; i < ${#spark_args[@]}; i++)); do
      if [[ "${spark_args[$i]}" == --conf || "${spark_args[$i]}" == -c ]] && [[ "${spark_args[$((i + 1))]:-}" == spark.master=* ]]; then
        master=${spark_args[$((i + 1))]#spark.master=}
      fi
    done
    [ -z "$master" ] && master=$(spark_conf_value spark.master "$defaults")
    if [ -n "$master" ]; then pass_master=0; else master="local[*]"; fi
  fi
  # Loopback for local masters and this machine's bin/cluster only: on YARN, Kubernetes or another host's
  # standalone master the executors must reach the driver at this host's address.
  if is_loopback_master "$master"; then export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}; fi
  if [[ "$master" == yarn* ]]; then
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
  # In client mode this JVM is the driver, started here rather than by Spark's launcher, so the driver's settings
  # that spark-submit puts on the driver's command line go on this one: each from its flag, else --conf, else the
  # properties file (SparkSubmit, already running, would ignore them). In cluster mode Spark starts the driver.
  local defaults_file=${props:-$SPARK_CONF_DIR/spark-defaults.conf} driver_opts=() driver_cp=""
  [ -z "$deploy_mode" ] && deploy_mode=$(spark_conf_arg spark.submit.deployMode "$defaults_file" "${spark_args[@]}")
  if [ "$deploy_mode" != cluster ]; then
    [ -z "$driver_memory" ] && driver_memory=$(spark_conf_arg spark.driver.memory "$defaults_file" "${spark_args[@]}")
    [ -z "$driver_java_options" ] && driver_java_options=$(spark_conf_arg spark.driver.extraJavaOptions "$defaults_file" "${spark_args[@]}")
    [ -z "$driver_class_path" ] && driver_class_path=$(spark_conf_arg spark.driver.extraClassPath "$defaults_file" "${spark_args[@]}")
    [ -z "$driver_library_path" ] && driver_library_path=$(spark_conf_arg spark.driver.extraLibraryPath "$defaults_file" "${spark_args[@]}")
    if [ -n "$driver_java_options" ]; then
      mapfile -t driver_opts < <(printf '%s' "$driver_java_options" | xargs -n 1 printf '%s\n')
    fi
    [ -n "$driver_class_path" ] && driver_cp="$driver_class_path:"
    if [ -n "$driver_library_path" ]; then export LD_LIBRARY_PATH="$driver_library_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
  fi
  driver_memory=${driver_memory:-${DRIVER_MEMORY:-4g}}
  # One OpenMP thread per Spark task: local[N] runs N tasks at once, more threads oversubscribe the cores.
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  # JAVA_OPTS as Spark splits its Java options: on whitespace, quotes grouping, no globbing or expansion.
  local java_opts=()
  if [ -n "${JAVA_OPTS:-}" ]; then mapfile -t java_opts < <(printf '%s' "$JAVA_OPTS" | xargs -n 1 printf '%s\n'); fi
  local master_args=()
  [ "$pass_master" = 1 ] && master_args=(--master "$master")
  # In client mode this JVM is the driver: --driver-memory becomes its heap; ND4J's off-heap limits follow it.
  # shellcheck disable=SC2046
  local command=("$java" $(cat "$runtime/java17.options") -Xmx"$driver_memory"
    -Dorg.bytedeco.javacpp.maxbytes="${ND4J_MAXBYTES:-8G}" -Dorg.bytedeco.javacpp.maxphysicalbytes="${ND4J_MAXPHYSICALBYTES:-16G}"
    -Dlog4j2.configurationFile="$SPARK_CONF_DIR/log4j2.properties" -Dorg.eclipse.deeplearning4j.helpers.disable=false
    "${driver_opts[@]}" "${java_opts[@]}"
    -cp "$driver_cp$(hadoop_conf_classpath)$(cat "$runtime/spark-classpath.txt")" org.apache.spark.deploy.SparkSubmit
    --class "$main" "${master_args[@]}" "${spark_args[@]}" "$jar" "${job_args[@]}")
  # DIGITCLASSIFIER_PRINT_COMMAND=1: print SPARK_LOCAL_IP and the command, one argument a line, instead of running
  # it (the launcher tests check what it builds)
  if [ "${DIGITCLASSIFIER_PRINT_COMMAND:-}" = 1 ]; then
    echo "SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-}"
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    printf '%s\n' "${command[@]}"
    return 0
  fi
  exec "${command[@]}"
}
