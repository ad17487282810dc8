package dev.videoworker.deploy;

import static dev.videoworker.deploy.DeployFiles.DEPLOY;
import static dev.videoworker.deploy.DeployFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Validates the Kubernetes manifests against the Kubernetes and KEDA OpenAPI schemas with deploy/validate/validate.mjs
 * (npm packages kubernetes-models and @kubernetes-models/keda). Needs Node.js on the PATH; installs the packages with
 * {@code npm ci} into deploy/validate/node_modules on the first run.
 */
class ManifestSchemaTest {

    private static final Path VALIDATOR = DEPLOY.resolve("validate");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String NO_NODE =
            "node or npm is not on the PATH: manifest schema validation skipped (Debian: sudo apt-get install nodejs "
                    + "npm; bash .ci/run installs them)";

    private static Path node;

    @BeforeAll
    static void installValidator() throws Exception {
        // Each test states the skip itself: surefire shows no reason for a class skipped in @BeforeAll.
        node = onPath("node").orElse(null);
        if (node != null && !installed() && onPath("npm").isEmpty()) {
            // the validator's packages cannot be fetched: skipped like a missing node
            node = null;
        }
        if (node != null && !installed()) {
            Path npm = onPath("npm").orElseThrow();
            Result install = run(List.of(npm.toString(), "ci", "--prefix", VALIDATOR.toString(), "--no-audit",
                    "--no-fund", "--loglevel=error"), 300);
            assertThat(install.exitCode()).as("npm ci in deploy/validate:%n%s", install.output()).isZero();
            assertThat(installed()).as("validator packages after npm ci").isTrue();
        }
    }

    @Test
    void manifestsMatchTheKubernetesAndKedaSchemas() throws Exception {
        Assumptions.assumeTrue(node != null, NO_NODE);
        Result result = run(List.of(node.toString(), VALIDATOR.resolve("validate.mjs").toString()), 60);

        assertThat(result.exitCode()).as("validate.mjs output:%n%s", result.output()).isZero();
        for (String kind : List.of("Deployment", "ConfigMap", "Secret", "Service", "PodDisruptionBudget",
                "ScaledObject")) {
            assertThat(result.output()).as("validated kinds").containsPattern("(?m)^ok .*/" + kind + " ");
        }
    }

    @Test
    void validatorRejectsASchemaViolationNamingFileAndField(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(node != null, NO_NODE);
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, String.join("\n",
                "apiVersion: keda.sh/v1alpha1",
                "kind: ScaledObject",
                "metadata: {name: broken}",
                "spec:",
                "  scaleTargetRef: {name: sora-video-worker}",
                "  maxReplicaCount: six",
                "  triggers: [{type: kafka, metadata: {topic: video.requests}}]",
                "---",
                "apiVersion: apps/v1",
                "kind: Deployment",
                "metadata: {name: broken}",
                "spec:",
                "  selector: {matchLabels: {app: broken}}",
                "  template:",
                "    spec:",
                "      containers: [{name: worker, image: x, ports: [{containerPort: http}]}]",
                ""));

        Result result = run(List.of(node.toString(), VALIDATOR.resolve("validate.mjs").toString(), broken.toString()),
                60);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).contains("broken.yaml#1").contains("spec/maxReplicaCount must be integer")
                .contains("broken.yaml#2").contains("containers/0/ports/0/containerPort must be integer");
    }

    /** Whether node_modules holds the exact versions package.json asks for. */
    private static boolean installed() throws IOException {
        JsonNode wanted = JSON.readTree(VALIDATOR.resolve("package.json").toFile()).path("dependencies");
        for (Map.Entry<String, JsonNode> dependency : (Iterable<Map.Entry<String, JsonNode>>) wanted::fields) {
            Path manifest = VALIDATOR.resolve("node_modules").resolve(dependency.getKey()).resolve("package.json");
            if (!Files.isRegularFile(manifest)
                    || !JSON.readTree(manifest.toFile()).path("version").asText().equals(dependency.getValue().asText())) {
                return false;
            }
        }
        return true;
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            Path candidate = Path.of(directory, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, long timeoutSeconds) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).directory(ROOT.toFile())
                .redirectErrorStream(true).start();
        // Read while it runs, so a full pipe cannot block the process.
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("(output unreadable: ").append(e.getMessage()).append(')');
            }
        });
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return new Result(process.exitValue(), output.toString());
    }
}
