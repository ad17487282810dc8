#!/usr/bin/env bash
# The benchmark of issue 6, rerunnable by anyone with JDK 17 (no Docker): packages the worker, builds the test class
# path, then dev.videoworker.bench.Benchmark starts Kafka and S3Proxy (in its own JVM), the simulator and the packaged
# worker (separate processes), measures, and writes target/bench/results.{json,md,png}. See docs/benchmarks.md.
#   bench/run.sh                      # all phases at full size (about 15 minutes on 2 cores)
#   bench/run.sh --phases=a --jobs=200 --profile
# Options: --phases=e,a,b,c --jobs=2000 --steady --in-flight=10000 --hold=PT2M --transfer-bytes=2147483648
#          --profile "--worker-jvm=-Xmx1152m -Xms32m -XX:+UseParallelGC" --startups=3 --warmup=3000 --phases=i --index-jobs=100000 --index-bound=10000
#          --phases=s --scale-replicas=1,2,3 --scale-jobs=20000 --scale-warmup=500 --scale-inflight[=3000]
#   (s), only when asked: 1, 2, 3 worker replicas in one consumer group drain a backlog of fast jobs (jobs/s, drain
#   time, CPU per job summed over the replicas, rebalances from their logs); --scale-inflight adds (b) with 3 replicas.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${BENCH_SKIP_BUILD:-}" != "true" ]]; then
  echo "Building (first run downloads dependencies)..."
  # -DskipTests still compiles the test classes, where the benchmark lives next to the test servers.
  ./mvnw -B -q -DskipTests package dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
fi

CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
# (d) polling efficiency in virtual time: seconds, and its figures are merged into the results.
java -cp "$CP" dev.videoworker.bench.PollingEfficiency > target/bench-polling.log

exec java -Xmx1g -Djava.awt.headless=true -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "$CP" \
  dev.videoworker.bench.Benchmark "$@"
