# Shared helpers for the bin/ scripts: build the project and run a main class of a module (e.g. a
# test-scope main class of spark-tests) with the same JVM flags the tests use. Source it; do not
# run it.

DELTAFFI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

deltaffi_log() { echo "[$(basename "$0")] $*" >&2; }

# Builds the Rust library (through Maven) and installs the jars; no tests, no format check.
# Extra Maven arguments may be given in DELTAFFI_MVN_ARGS (e.g. "-o -Dcargo.skip=true").
deltaffi_build() {
  deltaffi_log "building (mvn -B -q install -DskipTests) ..."
  # shellcheck disable=SC2086
  (cd "$DELTAFFI_ROOT" && mvn -B -q install -DskipTests -Dspotless.check.skip=true ${DELTAFFI_MVN_ARGS:-})
}

# JVM flags shared with surefire: the <test.jvm.args> property of the root pom.xml.
deltaffi_jvm_args() {
  sed -n 's:.*<test.jvm.args>\(.*\)</test.jvm.args>.*:\1:p' "$DELTAFFI_ROOT/pom.xml"
}

# deltaffi_classpath MODULE SCOPE: MODULE's classes (with its test classes when SCOPE is test),
# then its dependencies of SCOPE (test or runtime).
deltaffi_classpath() {
  local module="$1" scope="$2"
  local dir="$DELTAFFI_ROOT/$module/target"
  local cp_file="$dir/$scope-classpath.txt"
  (cd "$DELTAFFI_ROOT" && mvn -B -q -pl "$module" dependency:build-classpath \
    -Dmdep.includeScope="$scope" -Dmdep.outputFile="$cp_file") >&2
  local classes="$dir/classes"
  if [[ "$scope" == test ]]; then
    classes="$dir/test-classes:$classes"
  fi
  echo "$classes:$(cat "$cp_file")"
}

# deltaffi_run_main MODULE SCOPE CLASS [ARGS...]: runs CLASS of MODULE on its SCOPE classpath
# (see deltaffi_classpath) with the tests' JVM flags, from the repository root.
deltaffi_run_main() {
  local module="$1" scope="$2" main_class="$3"
  shift 3
  local jvm_args classpath
  jvm_args="$(deltaffi_jvm_args)"
  if [[ -z "$jvm_args" ]]; then
    deltaffi_log "could not read <test.jvm.args> from $DELTAFFI_ROOT/pom.xml"
    return 1
  fi
  classpath="$(deltaffi_classpath "$module" "$scope")"
  cd "$DELTAFFI_ROOT"
  # shellcheck disable=SC2086 # the flags are space-separated on purpose
  exec java $jvm_args -cp "$classpath" "$main_class" "$@"
}

# deltaffi_run_test_main CLASS [ARGS...]: runs a test-scope main class of spark-tests.
deltaffi_run_test_main() {
  deltaffi_run_main spark-tests test "$@"
}

# Absolute form of a path given relative to the caller's working directory.
deltaffi_abs_path() {
  case "$1" in
    /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
  esac
}
