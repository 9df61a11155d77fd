# Sourced by bin/test: every process the suite starts carries DIGITCLASSIFIER_TEST_RUN (bin/test's pid) in its
# environment, inherited through Maven, the test JVMs, bin/* and what they start (drivers, bin/cluster's master and
# workers, S3Proxy). At the end of a run, whatever is left of it is killed, and at the start, whatever is left of a run
# whose bin/test is gone (a killed run: its orphaned driver once joined the next run's cluster).
# usage: kill_test_processes RUN_ID   (that run's processes)
#        kill_test_processes --orphans (processes of runs that are no longer alive)
# Reads /proc with bash builtins only, so that it forks nothing that would carry the variable itself.

kill_test_processes() {
  local which=$1 environ pid run var vars
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}; pid=${pid%/environ}
    [ "$pid" = "$$" ] && continue
    { mapfile -d '' vars < "$environ"; } 2>/dev/null || continue
    run=""
    for var in "${vars[@]}"; do
      if [[ "$var" == DIGITCLASSIFIER_TEST_RUN=* ]]; then run=${var#DIGITCLASSIFIER_TEST_RUN=}; break; fi
    done
    [ -n "$run" ] || continue
    if [ "$which" = --orphans ]; then
      kill -0 "$run" 2>/dev/null && continue
    elif [ "$run" != "$which" ]; then
      continue
    fi
    kill -9 "$pid" 2>/dev/null || true
  done
}
