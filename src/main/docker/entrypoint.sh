#!/bin/bash
# Starts the worker (default) or the standalone Videos API simulator, with the JVM options of JAVA_OPTS and then
# JAVA_OPTS_APPEND after the fixed ones (so they can override them). exec: the JVM replaces this shell, so SIGTERM
# reaches it directly and starts the graceful shutdown.
#
# cds-archive makes the class-data (AppCDS) archive the worker then starts with: one start of the whole worker without
# a broker (worker.class-data-training), dumped by the JVM at its exit. An archive is valid only for the JDK build that
# made it, so the image makes its own (a RUN step of Dockerfile.jvm). APP_DIR: the application (/deployments).
set -euo pipefail

mode="${1:-worker}"
app="${APP_DIR:-/deployments}"
archive="$app/app-cds.jsa"
# Word splitting of the option variables is intended: each holds several options.
# shellcheck disable=SC2086
case "$mode" in
  worker)
    cds=()
    if [[ -f "$archive" ]]; then
      # A JVM of another build refuses the archive with a warning and starts without it.
      cds=("-XX:SharedArchiveFile=$archive")
    fi
    exec java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dquarkus.http.host=0.0.0.0 \
      ${cds[@]+"${cds[@]}"} ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} -jar "$app/quarkus-run.jar"
    ;;
  cds-archive)
    # Every address unreachable (the discard port of loopback): no broker means no request, so no paid call and no
    # upload (the worker refuses to train if anything accepts connections there). Expect warnings about the broker.
    # The heap is capped so that the archive's compressed pointers match any run with a heap below 32 GiB.
    # A fresh directory: the JVM would rename a log file that exists already.
    logs="$(mktemp -d)"
    trap 'rm -rf "$logs"' EXIT
    classes="$logs/classes.log"
    rm -f "$archive"
    java -Djava.util.logging.manager=org.jboss.logmanager.LogManager ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} -Xmx1g \
      "-XX:ArchiveClassesAtExit=$archive" "-Xlog:class+load=info:file=$classes:uptime,level,tags:filecount=0" \
      -Xlog:cds=error \
      -Dworker.class-data-training.enabled=true "-Dworker.class-data-training.class-log=$classes" \
      -Dkafka.bootstrap.servers=127.0.0.1:9 -Dworker.storage.endpoint=http://127.0.0.1:9 \
      -Dworker.provider.base-url=http://127.0.0.1:9 -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=${PORT:-8080}" \
      -jar "$app/quarkus-run.jar"
    if [[ ! -s "$archive" ]]; then
      echo "entrypoint.sh cds-archive: the JVM wrote no archive at $archive" >&2
      exit 1
    fi
    ;;
  simulator)
    # SimulatorMain reads SIMULATOR_* variables: SIMULATOR_API_KEY, SIMULATOR_PORT (8090), SIMULATOR_DURATION, ...
    exec java ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} \
      -cp "$app/app/*:$app/lib/boot/*:$app/lib/main/*" \
      dev.videoworker.simulator.SimulatorMain
    ;;
  *)
    echo "usage: entrypoint.sh [worker|simulator|cds-archive]" >&2
    exit 64
    ;;
esac
