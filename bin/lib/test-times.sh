# Sourced by bin/test: after the run, each module's test time and the ten slowest test classes, from Surefire's and
# Failsafe's reports (target/*-reports/TEST-*.xml), so the next person sees where the suite's time goes.
# usage: test_times PROJECT_DIR

test_times() {
  local root=$1 report module
  local rows=()
  for report in "$root"/*/target/surefire-reports/TEST-*.xml "$root"/*/target/failsafe-reports/TEST-*.xml; do
    [ -f "$report" ] || continue
    module=${report#"$root"/}; module=${module%%/*}
    # the <testsuite ... name="CLASS" time="SECONDS" ...> line
    local head; head=$(grep -m1 -o '<testsuite [^>]*' "$report")
    local name; name=$(printf '%s' "$head" | sed -n 's/.* name="\([^"]*\)".*/\1/p')
    local time; time=$(printf '%s' "$head" | sed -n 's/.* time="\([0-9.,]*\)".*/\1/p' | tr -d ,)
    [ -n "$name" ] && [ -n "$time" ] && rows+=("$module $name $time")
  done
  [ ${#rows[@]} -gt 0 ] || return 0
  echo
  echo "Test time per module (seconds, from the test reports):"
  printf '%s\n' "${rows[@]}" | awk '{ t[$1] += $3; n[$1]++ } END { for (m in t) printf "  %-16s %8.1f s  %3d classes\n", m, t[m], n[m] }' | sort -k2 -n -r
  echo "The ten slowest test classes:"
  printf '%s\n' "${rows[@]}" | sort -k3 -n -r | head -n 10 | awk '{ printf "  %8.1f s  %-14s %s\n", $3, $1, $2 }'
}
