#!/usr/bin/env bash
# One command, no Docker: build the worker, start Kafka (KRaft) and S3 (S3Proxy), run the worker with its
# built-in simulator, send a sample job and show its events and stored video. Ctrl-C stops everything.
# Set SORA_BASE_URL and SORA_API_KEY to send the job to a real OpenAI-compatible provider instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

echo "Building (first run downloads dependencies)..."
# -DskipTests still compiles the test classes, where the local-stack launcher lives next to the test servers.
./mvnw -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/local-stack.classpath

mkdir -p local-stack
# exec: Ctrl-C and SIGTERM reach the launcher directly, which stops the worker, then Kafka and S3.
exec java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "target/test-classes:target/classes:$(cat target/local-stack.classpath)" \
  dev.videoworker.testing.LocalStack
