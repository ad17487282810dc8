package dev.videoworker.deploy;

import static dev.videoworker.deploy.DeployFiles.COMPOSE;
import static dev.videoworker.deploy.DeployFiles.DEPLOY;
import static dev.videoworker.deploy.DeployFiles.DOCKERFILE;
import static dev.videoworker.deploy.DeployFiles.ENTRYPOINT;
import static dev.videoworker.deploy.DeployFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks docker-compose.yml, the Kubernetes manifests in deploy/ and the Dockerfile without a Docker engine or a
 * cluster: every variable they set configures something real, the required ones are set, probes, users and the
 * autoscaler agree with the application.
 */
class DeploymentFilesTest {

    /** Set in every deployment (SORA_BASE_URL may be left to its default only where a simulator serves the API). */
    private static final List<String> REQUIRED = List.of("KAFKA_BOOTSTRAP_SERVERS", "S3_ENDPOINT", "S3_ACCESS_KEY",
            "S3_SECRET_KEY", "SORA_BASE_URL", "SORA_API_KEY");
    private static final Pattern REAL_LOOKING_KEY = Pattern.compile("sk-[A-Za-z0-9_-]{20,}");

    @Test
    void composeSetsOnlyKnownWorkerVariables() {
        Map<String, String> environment = DeployFiles.composeEnvironment(composeService("worker"));

        assertThat(unknownWorkerVariables(environment.keySet())).isEmpty();
        assertThat(environment).as("worker environment in docker-compose.yml").containsKeys(REQUIRED.toArray(String[]::new));
        REQUIRED.forEach(name -> assertThat(DeployFiles.composeDefault(environment.get(name)))
                .as("value (or default) of %s in docker-compose.yml", name).isNotBlank());
    }

    @Test
    void composeSimulatorSetsOnlySimulatorVariablesAndAcceptsTheWorkersKey() {
        JsonNode simulator = composeService("simulator");
        Map<String, String> environment = DeployFiles.composeEnvironment(simulator);
        Map<String, String> worker = DeployFiles.composeEnvironment(composeService("worker"));

        List<String> keys = DeployFiles.knownKeys().stream().filter(key -> key.startsWith("simulator.")).toList();
        assertThat(environment.keySet().stream()
                .filter(name -> !DeployFiles.IMAGE_VARIABLES.contains(name))
                .filter(name -> keys.stream().noneMatch(key -> DeployFiles.environmentPattern(key).matcher(name).matches())))
                .as("simulator variables that map to no simulator.* key").isEmpty();
        assertThat(environment.get("SIMULATOR_API_KEY")).as("the simulator's key is the worker's default key")
                .isEqualTo(DeployFiles.composeDefault(worker.get("SORA_API_KEY")));
        assertThat(DeployFiles.composeDefault(worker.get("SORA_BASE_URL")))
                .as("the worker's default provider is the simulator service")
                .isEqualTo("http://simulator:" + environment.get("SIMULATOR_PORT"));
    }

    @Test
    void composeRunsKafkaInKraftModeMinioWithItsBucketAndTheWorkerFromTheDockerfile() {
        JsonNode services = DeployFiles.yaml(COMPOSE).path("services");
        assertThat(fieldNames(services)).contains("kafka", "minio", "minio-init", "worker", "simulator");

        Map<String, String> kafka = DeployFiles.composeEnvironment(services.path("kafka"));
        assertThat(kafka.get("KAFKA_PROCESS_ROLES")).contains("broker").contains("controller");
        assertThat(kafka.keySet()).noneMatch(name -> name.contains("ZOOKEEPER"));
        assertThat(kafka.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"))
                .as("the worker's transactions need a transaction log a single broker can host").isEqualTo("1");

        JsonNode worker = services.path("worker");
        assertThat(worker.at("/build/context").asText()).isEqualTo(".");
        assertThat(ROOT.resolve(worker.at("/build/dockerfile").asText())).isEqualTo(DOCKERFILE).exists();
        assertThat(worker.path("profiles").isMissingNode()).as("the worker runs without a profile").isTrue();
        assertThat(fieldNames(worker.path("depends_on"))).contains("kafka", "minio-init");
        assertThat(worker.at("/depends_on/minio-init/condition").asText()).isEqualTo("service_completed_successfully");

        Map<String, String> environment = DeployFiles.composeEnvironment(worker);
        String bootstrap = environment.get("KAFKA_BOOTSTRAP_SERVERS");
        assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS")).as("Kafka advertises the address the worker uses")
                .contains("://" + bootstrap);
        assertThat(environment.get("S3_ENDPOINT")).startsWith("http://minio:");
        String bucket = environment.getOrDefault("WORKER_STORAGE_BUCKET", DeployFiles.readmeDefault("worker.storage.bucket").orElseThrow());
        assertThat(services.at("/minio-init/command").toString()).as("minio-init creates the worker's bucket")
                .contains("mc mb").contains("/" + bucket);

        JsonNode simulator = services.path("simulator");
        assertThat(simulator.path("profiles")).extracting(JsonNode::asText).containsExactly("simulator");
        assertThat(simulator.path("image").asText()).isEqualTo(worker.path("image").asText());
        assertThat(simulator.path("command")).extracting(JsonNode::asText).containsExactly("simulator");
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        try (Stream<Path> files = Files.list(DEPLOY)) {
            List<Path> yamlFiles = files.filter(file -> file.toString().endsWith(".yaml"))
                    .filter(file -> !file.getFileName().toString().equals("kustomization.yaml")).toList();
            assertThat(DeployFiles.manifestFiles()).containsExactlyInAnyOrderElementsOf(yamlFiles);
        }
    }

    @Test
    void kubernetesSetsOnlyKnownWorkerVariablesAndTheRequiredOnes() {
        List<JsonNode> objects = DeployFiles.manifests();
        Map<String, String> environment = kubernetesEnvironment(objects);

        assertThat(unknownWorkerVariables(environment.keySet())).isEmpty();
        assertThat(environment).containsKeys(REQUIRED.toArray(String[]::new));
        REQUIRED.forEach(name -> assertThat(environment.get(name)).as("value of %s in deploy/", name).isNotBlank());
    }

    @Test
    void secretsAreObviousPlaceholders() {
        JsonNode secret = DeployFiles.single(DeployFiles.manifests(), "Secret");
        assertThat(secret.path("data").isMissingNode()).as("placeholders are readable stringData").isTrue();
        secret.path("stringData").fields().forEachRemaining(entry -> assertThat(entry.getValue().asText())
                .as("placeholder of %s", entry.getKey()).satisfiesAnyOf(
                        value -> assertThat(value).isEmpty(), value -> assertThat(value).startsWith("REPLACE-ME")));

        List<Path> files = new ArrayList<>(DeployFiles.manifestFiles());
        files.add(COMPOSE);
        files.add(DOCKERFILE);
        for (Path file : files) {
            assertThat(REAL_LOOKING_KEY.matcher(DeployFiles.read(file)).find()).as("a real-looking key in %s", file).isFalse();
        }
    }

    @Test
    void deploymentProbesTheSmallRyeHealthEndpoints() {
        JsonNode container = workerContainer(DeployFiles.manifests());
        int port = container.at("/ports/0/containerPort").asInt();
        assertThat(port).isEqualTo(8080);

        Map<String, String> probes = Map.of("startupProbe", "/q/health/started", "livenessProbe", "/q/health/live",
                "readinessProbe", "/q/health/ready");
        probes.forEach((probe, path) -> {
            JsonNode httpGet = container.path(probe).path("httpGet");
            assertThat(httpGet.path("path").asText()).as("%s path", probe).isEqualTo(path);
            JsonNode probePort = httpGet.path("port");
            assertThat(probePort.isInt() ? probePort.asInt() : portNumber(container, probePort.asText()))
                    .as("%s port", probe).isEqualTo(port);
        });
    }

    @Test
    void deploymentRunsAsNonRootOnAReadOnlyFilesystemWithoutCapabilities() {
        JsonNode deployment = DeployFiles.single(DeployFiles.manifests(), "Deployment");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = workerContainer(DeployFiles.manifests());

        JsonNode podSecurity = pod.path("securityContext");
        JsonNode containerSecurity = container.path("securityContext");
        assertThat(podSecurity.path("runAsNonRoot").asBoolean() || containerSecurity.path("runAsNonRoot").asBoolean())
                .as("runAsNonRoot").isTrue();
        assertThat(containerSecurity.path("runAsUser").asInt(podSecurity.path("runAsUser").asInt(185)))
                .as("runAsUser").isPositive();
        assertThat(containerSecurity.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(containerSecurity.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(containerSecurity.at("/capabilities/drop")).extracting(JsonNode::asText).contains("ALL");

        String tmpVolume = null;
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals("/tmp")) {
                tmpVolume = mount.path("name").asText();
            }
        }
        assertThat(tmpVolume).as("a volume mounted at /tmp").isNotNull();
        String tmpName = tmpVolume;
        assertThat(pod.path("volumes")).filteredOn(volume -> volume.path("name").asText().equals(tmpName))
                .singleElement().satisfies(volume -> assertThat(volume.has("emptyDir")).isTrue());

        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).as("time for the graceful shutdown")
                .isGreaterThanOrEqualTo(30);
        for (String bound : List.of("requests", "limits")) {
            assertThat(fieldNames(container.path("resources").path(bound))).as("resources.%s", bound)
                    .contains("cpu", "memory");
        }
    }

    @Test
    void serviceAndDisruptionBudgetSelectTheWorkerPods() {
        List<JsonNode> objects = DeployFiles.manifests();
        JsonNode deployment = DeployFiles.single(objects, "Deployment");
        Map<String, String> podLabels = strings(deployment.at("/spec/template/metadata/labels"));

        assertThat(podLabels).containsAllEntriesOf(strings(deployment.at("/spec/selector/matchLabels")));
        assertThat(podLabels).containsAllEntriesOf(strings(DeployFiles.single(objects, "Service").at("/spec/selector")));
        assertThat(podLabels).containsAllEntriesOf(
                strings(DeployFiles.single(objects, "PodDisruptionBudget").at("/spec/selector/matchLabels")));
        assertThat(deployment.at("/spec/replicas").isMissingNode()).as("KEDA owns the replica count").isTrue();
    }

    @Test
    void autoscalerWatchesTheWorkersConsumerGroupAndTopic() {
        List<JsonNode> objects = DeployFiles.manifests();
        Map<String, String> properties = DeployFiles.properties();
        Map<String, String> environment = kubernetesEnvironment(objects);
        JsonNode scaledObject = DeployFiles.single(objects, "ScaledObject");

        assertThat(scaledObject.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
        assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText())
                .isEqualTo(DeployFiles.single(objects, "Deployment").at("/metadata/name").asText());
        List<JsonNode> kafkaTriggers = toList(scaledObject.at("/spec/triggers")).stream()
                .filter(trigger -> trigger.path("type").asText().equals("kafka")).toList();
        assertThat(kafkaTriggers).as("kafka triggers").hasSize(1);
        JsonNode metadata = kafkaTriggers.get(0).path("metadata");
        assertThat(metadata.path("consumerGroup").asText())
                .isEqualTo(properties.get("mp.messaging.incoming.video-requests.group.id"));
        assertThat(metadata.path("topic").asText())
                .isEqualTo(environment.getOrDefault("WORKER_TOPICS_REQUESTS", properties.get("worker.topics.requests")));
        assertThat(metadata.path("bootstrapServers").asText()).isEqualTo(environment.get("KAFKA_BOOTSTRAP_SERVERS"));

        int partitions = Integer.parseInt(environment.getOrDefault("WORKER_TOPICS_PARTITIONS",
                DeployFiles.readmeDefault("worker.topics.partitions").orElseThrow()));
        assertThat(scaledObject.at("/spec/maxReplicaCount").asInt()).as("maxReplicaCount").isBetween(1, partitions);
        assertThat(scaledObject.at("/spec/minReplicaCount").asInt())
                .as("running jobs need a replica even without new requests").isGreaterThanOrEqualTo(1);
    }

    @Test
    void dockerfileRunsTheFastJarAsANonRootUserWithAHealthCheck() {
        List<String> lines = DeployFiles.read(DOCKERFILE).lines().map(String::strip)
                .filter(line -> !line.startsWith("#")).toList();
        List<String> users = lines.stream().filter(line -> line.startsWith("USER ")).map(line -> line.substring(5).strip())
                .toList();

        assertThat(users).as("USER instructions").isNotEmpty();
        assertThat(users.get(users.size() - 1)).as("the last USER").matches("[1-9][0-9]*(:[0-9]+)?");
        assertThat(lines).anyMatch(line -> line.startsWith("FROM ") && line.contains("17"));
        assertThat(lines).anyMatch(line -> line.startsWith("EXPOSE ") && line.contains("8080"));
        assertThat(String.join("\n", lines)).contains("target/quarkus-app/").contains("MaxRAMPercentage")
                // measured (docs/benchmarks.md): ~20% less CPU per job than G1; a large initial heap would be resident
                .contains("-XX:+UseParallelGC").doesNotContain("InitialRAMPercentage")
                // measured (docs/benchmarks.md, "native heap trimming"): ~40 MiB less idle RSS
                .contains("-XX:TrimNativeHeapInterval=").contains("-XX:YoungGenerationSizeSupplement=0")
                .containsPattern("HEALTHCHECK [^\\n]*\\\\\\n\\s*CMD [^\\n]*/q/health/live");
        assertThat(lines).anyMatch(line -> line.startsWith("ENTRYPOINT ") && line.contains("/deployments/entrypoint.sh"));
        // the class-data archive is made in the image, by its own JDK (docs/benchmarks.md, "class-data archive")
        assertThat(lines).anyMatch(line -> line.startsWith("RUN ")
                && line.contains("/deployments/entrypoint.sh cds-archive"));

        String entrypoint = DeployFiles.read(ENTRYPOINT);
        assertThat(entrypoint).contains("exec java").contains("quarkus-run.jar")
                .contains("dev.videoworker.simulator.SimulatorMain").contains("-XX:SharedArchiveFile=")
                .contains("-XX:ArchiveClassesAtExit=").contains("-Dworker.class-data-training.enabled=true");
        DeployFiles.IMAGE_VARIABLES.forEach(name -> assertThat(entrypoint).contains("${" + name));
        assertThat(ENTRYPOINT.toFile().canExecute()).as("entrypoint.sh is executable").isTrue();
    }

    @Test
    void readmeListsEveryApplicationKey() {
        List<String> readmeKeys = DeployFiles.readmeKeys();
        List<String> missing = DeployFiles.properties().keySet().stream()
                .filter(key -> key.startsWith("worker.") || key.startsWith("simulator."))
                .filter(key -> readmeKeys.stream().noneMatch(documented -> DeployFiles.environmentPattern(documented)
                        .matcher(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_")).matches()))
                .toList();
        assertThat(missing).as("application.properties keys missing from the README's configuration table").isEmpty();
    }

    @Test
    void unknownVariableIsReportedByName() {
        assertThat(unknownWorkerVariables(Set.of("WORKER_JOBS_MAX_IN_FLIGHT", "WORKER_MODELS_SORA_2_PRO_SIZES",
                "S3_SECRET_KEY", "WORKER_JOBS_MAX_INFLIGHT", "SORA_BASEURL")))
                .containsExactlyInAnyOrder("WORKER_JOBS_MAX_INFLIGHT", "SORA_BASEURL");
    }

    private static List<String> unknownWorkerVariables(Set<String> names) {
        List<String> keys = DeployFiles.knownKeys();
        Set<String> placeholders = DeployFiles.placeholderVariables();
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            DeployFiles.unknownWorkerVariable(name, keys, placeholders).ifPresent(reason -> unknown.add(name));
        }
        return unknown;
    }

    /** What the worker container sees: its env entries, and the data of the ConfigMaps and Secrets of envFrom. */
    private static Map<String, String> kubernetesEnvironment(List<JsonNode> objects) {
        JsonNode container = workerContainer(objects);
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode source : container.path("envFrom")) {
            if (source.has("configMapRef")) {
                String name = source.at("/configMapRef/name").asText();
                JsonNode configMap = DeployFiles.named(objects, "ConfigMap", name);
                assertThat(configMap.isMissingNode()).as("ConfigMap %s exists in deploy/", name).isFalse();
                environment.putAll(strings(configMap.path("data")));
            }
            if (source.has("secretRef")) {
                String name = source.at("/secretRef/name").asText();
                JsonNode secret = DeployFiles.named(objects, "Secret", name);
                assertThat(secret.isMissingNode()).as("Secret %s exists in deploy/", name).isFalse();
                environment.putAll(strings(secret.path("stringData")));
                // data values are base64: only their names matter here, and a set value is not blank.
                secret.path("data").fieldNames().forEachRemaining(key -> environment.put(key, "(base64)"));
            }
        }
        for (JsonNode variable : container.path("env")) {
            environment.put(variable.path("name").asText(),
                    variable.has("valueFrom") ? "(valueFrom)" : variable.path("value").asText());
        }
        return environment;
    }

    private static JsonNode workerContainer(List<JsonNode> objects) {
        JsonNode containers = DeployFiles.single(objects, "Deployment").at("/spec/template/spec/containers");
        assertThat(containers.size()).as("containers of the Deployment").isEqualTo(1);
        return containers.get(0);
    }

    private static int portNumber(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (port.path("name").asText().equals(name)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + name);
    }

    private static JsonNode composeService(String name) {
        JsonNode service = DeployFiles.yaml(COMPOSE).path("services").path(name);
        assertThat(service.isMissingNode()).as("service %s in docker-compose.yml", name).isFalse();
        return service;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> values = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> values.put(entry.getKey(), entry.getValue().asText()));
        return values;
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }
}
