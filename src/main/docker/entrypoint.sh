#!/bin/bash
# Starts the worker (default) or the standalone Videos API simulator, with the JVM options of JAVA_OPTS and then
# JAVA_OPTS_APPEND after the fixed ones (so they can override them). exec: the JVM replaces this shell, so SIGTERM
# reaches it directly and starts the graceful shutdown.
set -euo pipefail

mode="${1:-worker}"
# Word splitting of the option variables is intended: each holds several options.
# shellcheck disable=SC2086
case "$mode" in
  worker)
    exec java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dquarkus.http.host=0.0.0.0 \
      ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} -jar /deployments/quarkus-run.jar
    ;;
  simulator)
    # SimulatorMain reads SIMULATOR_* variables: SIMULATOR_API_KEY, SIMULATOR_PORT (8090), SIMULATOR_DURATION, ...
    exec java ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} \
      -cp '/deployments/app/*:/deployments/lib/boot/*:/deployments/lib/main/*' \
      dev.videoworker.simulator.SimulatorMain
    ;;
  *)
    echo "usage: entrypoint.sh [worker|simulator]" >&2
    exit 64
    ;;
esac
