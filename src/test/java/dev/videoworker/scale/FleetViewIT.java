package dev.videoworker.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.testing.DebianTools;
import dev.videoworker.testing.HeadlessChromium;
import dev.videoworker.testing.WorkerProcess;

/**
 * Any replica answers for any job (issue 16): three replica processes share six partitions; every job, whichever
 * replica owns its partition, is answered by every replica — {@code GET /jobs/{id}}, {@code GET /jobs} with its
 * filters, {@code GET /jobs/{id}/video} — the owner from its committed state, the others from their fleet view, which
 * says how far behind it may be.
 */
class FleetViewIT {

    private static final int PARTITIONS = 6;
    private static final int JOBS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static ScaleStack stack;
    private static Deployment deployment;
    private static final List<WorkerProcess> replicas = new ArrayList<>();
    /** Each replica's partitions, by its name. */
    private static Map<String, Set<Integer>> owners;

    @BeforeAll
    static void start() throws Exception {
        stack = ScaleStack.start(Duration.ofSeconds(2));
        deployment = new Deployment(stack, "fleet", PARTITIONS);
        for (String name : List.of("fleet-a", "fleet-b", "fleet-c")) {
            replicas.add(WorkerProcess.start(name, deployment.workerConfig(name)));
        }
        for (WorkerProcess replica : replicas) {
            replica.awaitReady();
        }
        owners = deployment.awaitAssignment(replicas.size());
    }

    @AfterAll
    static void stop() throws Exception {
        for (WorkerProcess replica : replicas) {
            replica.close();
        }
        if (deployment != null) {
            deployment.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyReplicaAnswersForTheJobsOfEveryPartition() throws Exception {
        Map<String, Job> jobs = deployment.send(JOBS);
        assertThat(jobs.values().stream().map(Job::partition).distinct().count())
                .as("partitions the jobs landed in").isGreaterThanOrEqualTo(3);
        deployment.assertEveryJobCompletedOnce(jobs.values(), Duration.ofSeconds(120));

        for (Job job : jobs.values()) {
            List<String> servedFrom = new ArrayList<>();
            for (WorkerProcess replica : replicas) {
                // The view follows the owner's commits: a few seconds at most.
                await(replica.name() + " answering for " + job.id()).atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> "stored".equals(json(replica, "/jobs/" + job.id()).path("status").asText()));
                JsonNode answer = json(replica, "/jobs/" + job.id());
                assertThat(answer.path("prompt").asText()).isEqualTo(job.prompt());
                assertThat(answer.path("video").path("key").asText()).isNotBlank();
                servedFrom.add(answer.path("servedFrom").asText());
                if ("fleet-view".equals(answer.path("servedFrom").asText())) {
                    assertThat(answer.path("viewLagMs").asLong(-1)).as("%s's view lag", replica.name())
                            .isBetween(0L, 10_000L);
                }
                HttpResponse<Void> video = HTTP.send(HttpRequest.newBuilder(replica.uri("/jobs/" + job.id()
                        + "/video")).GET().build(), HttpResponse.BodyHandlers.discarding());
                assertThat(video.statusCode()).as("%s: GET /jobs/%s/video", replica.name(), job.id()).isEqualTo(302);
                assertThat(video.headers().firstValue("Location").orElse(""))
                        .contains(answer.path("video").path("key").asText());
            }
            assertThat(servedFrom).as("who answered for %s (partition %d)", job.id(), job.partition())
                    .containsExactlyInAnyOrder("owner", "fleet-view", "fleet-view");
        }

        for (WorkerProcess replica : replicas) {
            Set<String> listed = ids(json(replica, "/jobs?limit=500"));
            assertThat(listed).as("GET /jobs on %s", replica.name()).containsAll(jobs.keySet());
            assertThat(ids(json(replica, "/jobs?status=stored&model=sora-2&limit=500")))
                    .as("GET /jobs?status=stored&model=sora-2 on %s", replica.name()).containsAll(jobs.keySet());
            assertThat(ids(json(replica, "/jobs?status=failed&limit=500")))
                    .as("GET /jobs?status=failed on %s", replica.name()).doesNotContainAnyElementsOf(jobs.keySet());
            assertThat(json(replica, "/jobs?limit=3").size()).isEqualTo(3);
            // The text search finds each job by its prompt (in other case) whoever owns it: the view's jobs are held
            // packed, and read again only when their record may hold the text.
            for (Job job : jobs.values()) {
                assertThat(ids(json(replica, "/jobs?limit=500&q=" + URLEncoder.encode(job.prompt()
                        .toUpperCase(Locale.ROOT), StandardCharsets.UTF_8)))).as("GET /jobs?q=<the prompt of %s> on %s",
                                job.id(), replica.name()).containsExactly(job.id());
            }
            HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(replica.uri("/jobs/fleet-no-such-job"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
            // A page at a time, every job of every partition once.
            List<String> paged = new ArrayList<>();
            String cursor = "";
            for (int pages = 0; cursor != null && pages < 100; pages++) {
                HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(replica.uri("/jobs?status=stored&limit=5"
                        + (cursor.isEmpty() ? "" : "&cursor=" + cursor))).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).isEqualTo(200);
                JSON.readTree(page.body()).forEach(j -> paged.add(j.path("jobId").asText()));
                cursor = page.headers().firstValue("X-Next-Cursor").orElse(null);
            }
            assertThat(paged).as("paged GET /jobs on %s", replica.name()).doesNotHaveDuplicates()
                    .containsAll(jobs.keySet());
        }

        // GET /fleet: the same replicas, partitions and counts on every replica.
        for (WorkerProcess replica : replicas) {
            JsonNode fleet = json(replica, "/fleet");
            assertThat(fleet.path("replica").asText()).isEqualTo(replica.name());
            assertThat(fleet.path("partitions").asInt()).isEqualTo(PARTITIONS);
            Map<String, Set<Integer>> described = new java.util.TreeMap<>();
            for (JsonNode member : fleet.path("replicas")) {
                Set<Integer> partitions = new java.util.TreeSet<>();
                member.path("partitions").forEach(p -> partitions.add(p.path("partition").asInt()));
                described.put(member.path("id").asText(), partitions);
                assertThat(member.path("self").asBoolean()).isEqualTo(member.path("id").asText()
                        .equals(replica.name()));
                for (JsonNode partition : member.path("partitions")) {
                    if (!member.path("self").asBoolean()) {
                        assertThat(partition.path("viewLagMs").asLong(-1)).as("%s's view lag of partition %s",
                                replica.name(), partition.path("partition")).isBetween(0L, 10_000L);
                    }
                }
            }
            assertThat(described).as("replicas described by %s: %s", replica.name(), fleet).isEqualTo(owners);
            assertThat(fleet.path("jobs").path("byStatus").path("stored").asInt()).isGreaterThanOrEqualTo(JOBS);
            assertThat(fleet.path("spend").path("todayUsd").decimalValue()).isPositive();
        }
        await("every replica counting the same jobs").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(300)).until(() -> {
                    Set<String> counts = new HashSet<>();
                    for (WorkerProcess replica : replicas) {
                        counts.add(json(replica, "/fleet").path("jobs").toString());
                    }
                    return counts.size() == 1;
                });
    }

    /**
     * {@code DELETE /jobs/{id}} on a replica that does not own the job reaches the owner (a cancel record on the job's
     * request partition), never a second writer: a job being generated is cancelled there, with one completion and
     * its provider copy deleted once the provider allows (not waited for here: 300 s); a job cancelled before its request arrives is never submitted; a stored one is 409.
     */
    @Test
    void aCancelSentToAReplicaThatDoesNotOwnTheJobReachesItsOwner() throws Exception {
        Job slow = deployment.send(100, 1, " [simulate:duration=PT300S]").values().iterator().next();
        WorkerProcess owner = ownerOf(slow.partition());
        WorkerProcess other = notOwnerOf(slow.partition());
        await("the slow job generating, seen from " + other.name()).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> List.of("queued", "in_progress")
                        .contains(json(other, "/jobs/" + slow.id()).path("status").asText()));

        HttpResponse<String> cancelled = HTTP.send(HttpRequest.newBuilder(other.uri("/jobs/" + slow.id()))
                .timeout(Duration.ofSeconds(30)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cancelled.statusCode()).as("DELETE on %s (owner %s): %s", other.name(), owner.name(),
                cancelled.body()).isIn(200, 202);
        assertThat(deployment.awaitOneCompletionEach(List.of(slow), Duration.ofSeconds(60)).get(0)
                .path("outcome").asText()).isEqualTo("cancelled");
        assertThat(stack.provider().simulator().createCount(slow.prompt())).isEqualTo(1);
        for (WorkerProcess replica : replicas) {
            await(replica.name() + " showing the cancel").atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> "cancelled".equals(json(replica, "/jobs/" + slow.id()).path("status").asText()));
        }
        assertThat(owner.logFile()).content().contains("job " + slow.id() + ": cancel forwarded by another replica");
        assertThat(other.logFile()).content().doesNotContain("job " + slow.id() + ": cancel forwarded by another");

        // Cancelled before its request arrives, through a replica that does not own its partition: never submitted.
        int partition = slow.partition();
        String early = null;
        for (int i = 0; early == null; i++) {
            String id = "fleet-early-" + i;
            if (partitionOf(id) == partition) {
                early = id;
            }
        }
        String earlyId = early;
        assertThat(other.cancel(earlyId)).as("DELETE /jobs/%s on %s", earlyId, other.name()).isIn(200, 202);
        await(earlyId + " cancelled before arrival").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "cancelled".equals(json(owner, "/jobs/" + earlyId).path("status").asText()));
        String prompt = "A lighthouse that was never filmed " + earlyId;
        deployment.sendRaw(earlyId, "{\"prompt\":\"" + prompt + "\",\"seconds\":\"4\"}");
        assertThat(deployment.awaitOneCompletionEach(List.of(new Job(earlyId, prompt, partition)),
                Duration.ofSeconds(60)).get(0).path("outcome").asText()).isEqualTo("cancelled");
        assertThat(stack.provider().simulator().createCount(prompt)).as("creates of a job cancelled before arrival")
                .isZero();

        // A job whose request came without a key sits where its producer put it, not where its id hashes to: the
        // cancel goes to the job's own partition (from the view), never to a second writer on the hashed one.
        String unkeyed = "fleet-unkeyed-" + deployment.hashCode();
        int hashed = partitionOf(unkeyed);
        int placed = (hashed + 1) % PARTITIONS;
        String unkeyedPrompt = "A kite over dunes [simulate:duration=PT300S] " + unkeyed;
        deployment.sendUnkeyed(placed, "{\"jobId\":\"" + unkeyed + "\",\"prompt\":\"" + unkeyedPrompt
                + "\",\"seconds\":\"4\"}");
        WorkerProcess notPlaced = notOwnerOf(placed);
        await(unkeyed + " generating, seen from " + notPlaced.name()).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> List.of("queued", "in_progress")
                        .contains(json(notPlaced, "/jobs/" + unkeyed).path("status").asText()));
        assertThat(notPlaced.cancel(unkeyed)).as("DELETE /jobs/%s on %s", unkeyed, notPlaced.name()).isIn(200, 202);
        assertThat(deployment.awaitOneCompletionEach(List.of(new Job(unkeyed, unkeyedPrompt, placed)),
                Duration.ofSeconds(60)).get(0).path("outcome").asText()).isEqualTo("cancelled");
        assertThat(ownerOf(placed).logFile()).content()
                .contains("job " + unkeyed + ": cancel forwarded by another replica: cancelled");

        // A stored job cannot be cancelled: 409 from a replica that does not own it, as from its owner.
        Job done = deployment.send(200, 1, "").values().iterator().next();
        deployment.assertEveryJobCompletedOnce(List.of(done), Duration.ofSeconds(90));
        WorkerProcess notDone = notOwnerOf(done.partition());
        await(notDone.name() + " seeing " + done.id() + " stored").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "stored".equals(json(notDone, "/jobs/" + done.id()).path("status").asText()));
        assertThat(notDone.cancel(done.id())).isEqualTo(409);
        assertThat(ownerOf(done.partition()).cancel(done.id())).isEqualTo(409);
    }

    /**
     * The operator page of one replica, in headless Chromium, shows the whole fleet: jobs of every partition, counts,
     * the last hour's charts, spend, every replica with its partitions; passes an axe-core audit (WCAG 2.1 A/AA); and
     * cancels, from the keyboard alone and after a confirmation, a job that another replica owns. Saves
     * {@code target/operator-page-fleet.png} and {@code target/operator-page-fleet-dialog.png}.
     */
    @Test
    void theOperatorPageShowsTheFleetAndCancelsAnotherReplicasJobFromTheKeyboard() throws Exception {
        Optional<String> chromium = HeadlessChromium.executable();
        assumeTrue(chromium.isPresent(), DebianTools.skipMessage("chromium", "chromium"));
        assumeTrue(DebianTools.onPath("npm"), DebianTools.skipMessage("npm (for axe-core)", "npm"));
        String axe = axeCore();
        WorkerProcess page = replicas.get(0);
        Map<String, Job> done = deployment.send(300, 4, "");
        String slowId = null;
        for (int i = 0; slowId == null; i++) {
            String id = "fleet-page-slow-" + i;
            if (!owners.get(page.name()).contains(partitionOf(id))) {
                slowId = id;
            }
        }
        String id = slowId;
        Job slow = new Job(id, "A heron waiting in reeds [simulate:duration=PT300S] " + id, partitionOf(id));
        deployment.sendRaw(id, "{\"prompt\":\"" + slow.prompt() + "\",\"seconds\":\"4\"}");
        deployment.assertEveryJobCompletedOnce(done.values(), Duration.ofSeconds(90));
        WorkerProcess owner = ownerOf(slow.partition());

        try (HeadlessChromium browser = HeadlessChromium.start(chromium.get(), 1400, 1100)) {
            browser.open(page.uri("/operator/").toString());
            String cancelButton = "document.querySelector('button[data-cancel=\"" + id + "\"]')";
            await("the page showing the fleet").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> browser.evaluate(cancelButton + " !== null").asBoolean()
                            && browser.evaluate("document.querySelectorAll('#replicas-body tr[data-replica]')"
                                    + ".length").asInt() == replicas.size()
                            && done.keySet().stream().allMatch(job -> browser.evaluate("document.querySelector("
                                    + "'tr[data-job-id=\"" + job + "\"]')?.dataset.status").asText()
                                    .equals("stored")));
            assertThat(browser.evaluate("document.getElementById('answered-by').textContent").asText())
                    .contains(page.name());
            JsonNode described = browser.evaluate("[...document.querySelectorAll('#replicas-body tr[data-replica]')]"
                    + ".map(r => r.dataset.replica + (r.dataset.self === 'true' ? ' (self): ' : ': ') + r.textContent)");
            assertThat(described).hasSize(replicas.size());
            for (WorkerProcess replica : replicas) {
                JsonNode partitions = browser.evaluate("document.querySelector('#replicas-body tr[data-replica=\""
                        + replica.name() + "\"]').cells[2].textContent.split(', ').map(Number)");
                Set<Integer> shown = new java.util.TreeSet<>();
                partitions.forEach(p -> shown.add(p.asInt()));
                assertThat(shown).as("%s's partitions on the page: %s", replica.name(), described)
                        .isEqualTo(owners.get(replica.name()));
                assertThat(browser.evaluate("document.querySelector('#replicas-body tr[data-replica=\""
                        + replica.name() + "\"]').dataset.self === 'true'").asBoolean())
                        .isEqualTo(replica == page);
            }
            // Rows of jobs whose partitions the page's replica does not own, answered from its fleet view.
            assertThat(browser.evaluate("[...document.querySelectorAll('#jobs tr[data-job-id]')]"
                    + ".map(r => r.textContent).filter(t => t.includes('fleet view')).length").asInt()).isPositive();
            assertThat(Integer.parseInt(browser.evaluate("document.getElementById('count-stored').textContent")
                    .asText().replaceAll("[^0-9]", ""))).isGreaterThanOrEqualTo(done.size());
            assertThat(browser.evaluate("document.getElementById('spend-today').textContent").asText())
                    .contains("Spent today $");
            for (String chart : List.of("chart-throughput", "chart-failures")) {
                assertThat(browser.evaluate("document.querySelector('#" + chart + " svg[role=img]')"
                        + ".getAttribute('aria-label')").asText()).isNotBlank();
                assertThat(browser.evaluate("document.querySelectorAll('#" + chart + " details tbody tr').length")
                        .asInt()).isEqualTo(60);
            }
            // The stored jobs of the last minutes are in the throughput chart's data.
            assertThat(browser.evaluate("[...document.querySelectorAll('#chart-throughput details tbody tr')]"
                    + ".some(r => /[1-9]/.test(r.lastElementChild.textContent))").asBoolean()).isTrue();

            browser.evaluate(axe);
            JsonNode violations = browser.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', "
                    + "'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => r.violations.map(v => v.id + ': ' + v.help "
                    + "+ ' (' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ') + ')'))");
            assertThat(violations).as("axe-core WCAG 2.1 A/AA violations").isEmpty();
            Path shot = Path.of("target", "operator-page-fleet.png");
            browser.screenshot(shot);
            assertThat(Files.size(shot)).isGreaterThan(10_000);

            // The text filter narrows the table to the job (typed into the search box, applied by its form).
            browser.evaluate("(() => { const q = document.getElementById('filter-q'); q.value = '" + id + "'; "
                    + "q.dispatchEvent(new Event('input', {bubbles: true})); "
                    + "document.getElementById('filter-apply').click(); document.activeElement.blur(); })()");
            await("the table filtered to " + id).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.evaluate("[...document.querySelectorAll('#jobs tr[data-job-id]')]"
                            + ".map(r => r.dataset.jobId).join(' ')").asText().equals(id));
            // Keyboard only: Tab to the job's Cancel button, Enter opens the confirmation with "Keep job" focused.
            String active = "document.activeElement";
            int presses = 0;
            while (!id.equals(browser.evaluate(active + ".dataset?.cancel ?? ''").asText()) && presses < 800) {
                browser.press("Tab");
                presses++;
            }
            assertThat(browser.evaluate(active + ".dataset?.cancel ?? ''").asText())
                    .as("focus after %d Tabs", presses).isEqualTo(id);
            browser.press("Enter");
            assertThat(browser.evaluate("document.getElementById('confirm-cancel').open").asBoolean()).isTrue();
            assertThat(browser.evaluate(active + ".id").asText()).isEqualTo("confirm-cancel-no");
            assertThat(browser.evaluate("document.getElementById('confirm-cancel-text').textContent").asText())
                    .contains(id);
            browser.screenshot(Path.of("target", "operator-page-fleet-dialog.png"));
            // Escape keeps the job, and gives focus back to its button.
            browser.press("Escape");
            assertThat(browser.evaluate("document.getElementById('confirm-cancel').open").asBoolean()).isFalse();
            assertThat(browser.evaluate(active + ".dataset?.cancel ?? ''").asText()).isEqualTo(id);
            assertThat(json(owner, "/jobs/" + id).path("status").asText()).isIn("submitted", "queued", "in_progress");
            // Enter, Tab to "Cancel job", Enter: cancelled through the page's replica, decided by the owner.
            browser.press("Enter");
            browser.press("Tab");
            assertThat(browser.evaluate(active + ".id").asText()).isEqualTo("confirm-cancel-yes");
            browser.press("Enter");
            await("the page announcing the cancel").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> browser.evaluate("document.getElementById('announce').textContent").asText()
                            .contains(id));
            assertThat(browser.evaluate("document.getElementById('announce').textContent").asText())
                    .matches("(?s).*(Job " + id + " cancelled|Cancel of job " + id + " requested).*");
        }
        assertThat(deployment.awaitOneCompletionEach(List.of(slow), Duration.ofSeconds(60)).get(0)
                .path("outcome").asText()).isEqualTo("cancelled");
        assertThat(stack.provider().simulator().createCount(slow.prompt())).isEqualTo(1);
        if (owner != page) {
            assertThat(owner.logFile()).content().contains("job " + id + ": cancel forwarded by another replica");
        }
    }

    /** axe-core's source (src/test/browser, installed with npm ci on first use at the version package.json names). */
    private static String axeCore() throws Exception {
        Path dir = Path.of("src", "test", "browser");
        Path script = dir.resolve("node_modules/axe-core/axe.min.js");
        String wanted = JSON.readTree(dir.resolve("package.json").toFile()).path("dependencies").path("axe-core")
                .asText();
        Path manifest = dir.resolve("node_modules/axe-core/package.json");
        if (!Files.isRegularFile(manifest) || !JSON.readTree(manifest.toFile()).path("version").asText()
                .equals(wanted)) {
            Process npm = new ProcessBuilder("npm", "ci", "--prefix", dir.toString(), "--no-audit", "--no-fund",
                    "--loglevel=error").redirectErrorStream(true).redirectOutput(Path.of("target", "npm-ci.log")
                            .toFile()).start();
            assertThat(npm.waitFor(300, TimeUnit.SECONDS)).as("npm ci in %s within 5 min", dir).isTrue();
            assertThat(npm.exitValue()).as("npm ci in %s: %s", dir, Files.readString(Path.of("target",
                    "npm-ci.log"))).isZero();
        }
        return Files.readString(script);
    }

    private static WorkerProcess ownerOf(int partition) {
        return replicas.stream().filter(r -> owners.get(r.name()).contains(partition)).findFirst().orElseThrow();
    }

    private static WorkerProcess notOwnerOf(int partition) {
        return replicas.stream().filter(r -> !owners.get(r.name()).contains(partition)).findFirst().orElseThrow();
    }

    /** The partition Kafka's default partitioner gives a record keyed {@code jobId}. */
    private static int partitionOf(String jobId) {
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static Set<String> ids(JsonNode list) {
        Set<String> ids = new HashSet<>();
        list.forEach(j -> ids.add(j.path("jobId").asText()));
        return ids;
    }

    private static JsonNode json(WorkerProcess replica, String path) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(replica.uri(path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return answer.statusCode() == 200 ? JSON.readTree(answer.body()) : JSON.createObjectNode();
    }
}
