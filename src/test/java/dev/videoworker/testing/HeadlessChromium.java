package dev.videoworker.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Headless Chromium with one page, driven over the Chrome DevTools Protocol, for tests that must press real keys in a
 * page (focus order, a dialog that Escape closes) or look at it, which {@code --dump-dom} and {@code --screenshot}
 * cannot do.
 *
 * <p>It needs only the JDK's HTTP and WebSocket clients and Jackson: Selenium and Playwright fetch drivers or browsers
 * from the network, which the build machines do not have. Every wait has a deadline, so a browser that hangs fails the
 * test instead of stalling the build. One instance is meant for one test thread.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(5);
    private static final int SHIFT = 8;
    private static final String LAST_OUTPUT = "Chromium's last output:";

    /** A key as Chromium's input pipeline wants it; {@code text} is what the key types, null for none. */
    private record Key(String key, String code, int keyCode, String text) {
    }

    private static final Map<String, Key> KEYS = Map.of(
            "Tab", new Key("Tab", "Tab", 9, null),
            // "\r": what a real Enter types; without it, or with "\n", Chromium does not click a focused button
            "Enter", new Key("Enter", "Enter", 13, "\r"),
            "Escape", new Key("Escape", "Escape", 27, null),
            " ", new Key(" ", "Space", 32, " "),
            "ArrowLeft", new Key("ArrowLeft", "ArrowLeft", 37, null),
            "ArrowUp", new Key("ArrowUp", "ArrowUp", 38, null),
            "ArrowRight", new Key("ArrowRight", "ArrowRight", 39, null),
            "ArrowDown", new Key("ArrowDown", "ArrowDown", 40, null),
            "Home", new Key("Home", "Home", 36, null),
            "End", new Key("End", "End", 35, null));

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Process process;
    private final Path profile;
    private final Path log;
    private final Thread killOnExit;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** Events (messages without an id) since the last {@link #open}; guarded by itself, notified on each arrival. */
    private final List<JsonNode> events = new ArrayList<>();
    private final Object sending = new Object();
    private WebSocket socket;
    private volatile String disconnected;
    private boolean closed;

    private HeadlessChromium(Process process, Path profile, Path log, Thread killOnExit) {
        this.process = process;
        this.profile = profile;
        this.log = log;
        this.killOnExit = killOnExit;
    }

    /** The Chromium executable on the PATH (chromium, chromium-browser, google-chrome), if any. */
    public static Optional<String> executable() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path candidate = Path.of(directory, name);
                if (!directory.isEmpty() && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toString());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Starts Chromium with a fresh profile (temp dir, deleted on close) and a window size; connects to its one page.
     * Fails within 30 s, with Chromium's last output, if it does not come up.
     */
    public static HeadlessChromium start(String executable, int width, int height) throws IOException,
            InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile-");
        Path log = profile.resolve("chromium-output.log");
        // Without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed
        // network refuses; it has been seen to hang there. Port 0: Chromium picks a free one and writes it to
        // DevToolsActivePort, so parallel tests never race for a port.
        List<String> command = List.of(executable, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                "about:blank");
        // Output to a file, never a pipe: nobody reads a pipe, and a full one would block Chromium.
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            deleteRecursively(profile);
            throw e;
        }
        // A test JVM that ends abruptly never reaches close(): without this the browser would outlive it.
        Thread killOnExit = new Thread(() -> {
            kill(process);
            deleteRecursively(profile);
        }, "stop-chromium-" + process.pid());
        Runtime.getRuntime().addShutdownHook(killOnExit);
        HeadlessChromium chromium = new HeadlessChromium(process, profile, log, killOnExit);
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            int port = chromium.awaitDevToolsPort(deadline);
            chromium.connect(chromium.pageSocketUrl(port, deadline), deadline);
            chromium.call("Page.enable", chromium.params());
            // Lifecycle events carry the loader id, so open() can tell this navigation's load from an earlier one's.
            chromium.call("Page.setLifecycleEventsEnabled", chromium.params().put("enabled", true));
            // Chromium 156's headless window keeps room for a tab strip and toolbar (900x600 leaves a 900x457 page):
            // the page itself gets the size asked for, so screenshots and layouts are width x height.
            chromium.call("Emulation.setDeviceMetricsOverride", chromium.params().put("width", width)
                    .put("height", height).put("deviceScaleFactor", 1).put("mobile", false));
            // A headless page has no focus until the first key press: until then document.hasFocus() is false, an
            // element that autofocus or a script focuses gets no focus events and :focus does not match it.
            chromium.call("Emulation.setFocusEmulationEnabled", chromium.params().put("enabled", true));
            return chromium;
        } catch (IOException | InterruptedException | RuntimeException e) {
            String output = chromium.lastOutput();
            chromium.close();
            if (e instanceof InterruptedException) {
                throw (InterruptedException) e;
            }
            String reason = String.valueOf(e.getMessage());
            // a call that timed out has already quoted the output
            throw new IOException("could not start " + executable + ": " + reason
                    + (reason.contains(LAST_OUTPUT) ? "" : output), e);
        }
    }

    /** Loads url and waits until the load event; a network error (refused, DNS) fails with Chromium's error text. */
    public void open(String url) {
        long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
        synchronized (events) {
            events.clear();
        }
        JsonNode navigation = call("Page.navigate", params().put("url", url));
        if (navigation.hasNonNull("errorText")) {
            throw new IllegalStateException("could not open " + url + ": " + navigation.get("errorText").asText());
        }
        if (!navigation.hasNonNull("loaderId")) {
            return; // a same-document navigation (only the fragment changed): there is no load to wait for
        }
        String loader = navigation.get("loaderId").asText();
        awaitEvent("the load event of " + url, event -> "Page.lifecycleEvent".equals(event.path("method").asText())
                && "load".equals(event.path("params").path("name").asText())
                && loader.equals(event.path("params").path("loaderId").asText()), deadline);
    }

    /**
     * Evaluates an expression in the page (promises awaited), returns its value as JSON (returnByValue); throws with
     * the exception text when the page threw. {@code undefined} comes back as JSON null, and NaN, Infinity, -0 and
     * BigInts, which JSON cannot hold, as text ("NaN", "12n").
     */
    public JsonNode evaluate(String expression) {
        JsonNode answer = call("Runtime.evaluate", params().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        JsonNode thrown = answer.get("exceptionDetails");
        if (thrown != null) {
            JsonNode exception = thrown.path("exception");
            String what = exception.hasNonNull("description") ? exception.get("description").asText()
                    : exception.path("value").toString();
            throw new IllegalStateException("the page threw (" + thrown.path("text").asText() + ") evaluating "
                    + expression + ": " + what);
        }
        JsonNode result = answer.path("result");
        if (result.hasNonNull("unserializableValue")) {
            return TextNode.valueOf(result.get("unserializableValue").asText());
        }
        return result.has("value") ? result.get("value") : NullNode.getInstance();
    }

    /**
     * Dispatches a real key press (keyDown + keyUp through Input.dispatchKeyEvent) to the focused element: at least
     * "Tab", "Shift+Tab", "Enter", "Escape", " " (Space), also the arrows ("ArrowDown", ...), "Home" and "End", each
     * also with "Shift+". Unlike a synthetic KeyboardEvent it does what the key does: moves focus, clicks a focused
     * button, closes a modal dialog. Returns once the page has handled both events.
     */
    public void press(String key) {
        boolean shift = key.startsWith("Shift+") && key.length() > "Shift+".length();
        Key pressed = KEYS.get(shift ? key.substring("Shift+".length()) : key);
        if (pressed == null) {
            throw new IllegalArgumentException("no such key: \"" + key + "\"; known: " + KEYS.keySet().stream()
                    .sorted().map(k -> "\"" + k + "\"").collect(Collectors.joining(", ")) + ", each also with Shift+");
        }
        int modifiers = shift ? SHIFT : 0;
        call("Input.dispatchKeyEvent", keyEvent("keyDown", pressed, modifiers));
        call("Input.dispatchKeyEvent", keyEvent("keyUp", pressed, modifiers));
    }

    /** Saves a PNG screenshot of the page (Page.captureScreenshot), width x height; creates missing folders. */
    public void screenshot(Path png) {
        JsonNode shot = call("Page.captureScreenshot", params().put("format", "png"));
        byte[] image = Base64.getDecoder().decode(shot.path("data").asText());
        try {
            Path folder = png.toAbsolutePath().getParent();
            if (folder != null) {
                Files.createDirectories(folder);
            }
            Files.write(png, image);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the screenshot to " + png, e);
        }
    }

    /** Kills Chromium and every process it started, then removes the profile; safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        disconnect("the browser was closed");
        if (socket != null) {
            socket.abort();
        }
        kill(process);
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway, and finds nothing left to kill
        }
        deleteRecursively(profile);
    }

    private int awaitDevToolsPort(long deadline) throws IOException, InterruptedException {
        Path portFile = profile.resolve("DevToolsActivePort");
        while (true) {
            if (Files.exists(portFile)) {
                // First line the port, second the browser's path; a line end means the port is written in full.
                String content = Files.readString(portFile, StandardCharsets.UTF_8);
                int lineEnd = content.indexOf('\n');
                if (lineEnd > 0) {
                    return Integer.parseInt(content.substring(0, lineEnd).trim());
                }
            }
            if (!process.isAlive()) {
                throw new IOException("Chromium exited with code " + process.exitValue()
                        + " before it opened its DevTools port");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("Chromium did not open its DevTools port within " + START_TIMEOUT.toSeconds()
                        + " s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * The WebSocket address of the page target. Chromium 156 also lists "browser_ui" targets (its omnibox popup),
     * hence the filter on the type.
     */
    private String pageSocketUrl(int port, long deadline) throws IOException, InterruptedException {
        URI list = URI.create("http://127.0.0.1:" + port + "/json/list");
        while (true) {
            String answer = null;
            try {
                answer = http.send(HttpRequest.newBuilder(list).timeout(remaining(deadline)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                // not serving yet: asked again below, until the deadline
            }
            if (answer != null) {
                for (JsonNode target : json.readTree(answer)) {
                    if ("page".equals(target.path("type").asText()) && target.hasNonNull("webSocketDebuggerUrl")) {
                        return target.get("webSocketDebuggerUrl").asText();
                    }
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("no page target in " + list + " within " + START_TIMEOUT.toSeconds() + " s: "
                        + answer);
            }
            Thread.sleep(50);
        }
    }

    private void connect(String url, long deadline) throws IOException, InterruptedException {
        try {
            socket = http.newWebSocketBuilder().connectTimeout(remaining(deadline))
                    .buildAsync(URI.create(url), new Listener())
                    .get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("could not connect to " + url, e);
        }
    }

    /** Sends one command and waits for the answer with the same id; fails naming the method, never waits forever. */
    private JsonNode call(String method, ObjectNode params) {
        long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            String gone = disconnected;
            if (gone != null) {
                throw new IllegalStateException(method + ": " + gone);
            }
            ObjectNode command = json.createObjectNode().put("id", id).put("method", method);
            command.set("params", params);
            String text = json.writeValueAsString(command);
            // The JDK WebSocket refuses a send while an earlier one is still in flight.
            synchronized (sending) {
                socket.sendText(text, true).get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
            }
            JsonNode response = answer.get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
            JsonNode error = response.get("error");
            if (error != null) {
                throw new IllegalStateException(method + " failed: " + error.path("message").asText()
                        + (error.hasNonNull("data") ? " (" + error.get("data").asText() + ")" : ""));
            }
            return response.path("result");
        } catch (TimeoutException e) {
            throw new IllegalStateException(method + " got no answer from Chromium within "
                    + CALL_TIMEOUT.toSeconds() + " s" + lastOutput(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(method + ": " + e.getCause().getMessage() + lastOutput(), e.getCause());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(method + ": parameters are not JSON", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " was interrupted", e);
        } finally {
            pending.remove(id);
        }
    }

    private JsonNode awaitEvent(String what, Predicate<JsonNode> wanted, long deadline) {
        synchronized (events) {
            int seen = 0;
            while (true) {
                for (; seen < events.size(); seen++) {
                    if (wanted.test(events.get(seen))) {
                        return events.get(seen);
                    }
                }
                String gone = disconnected;
                if (gone != null) {
                    throw new IllegalStateException("waiting for " + what + ": " + gone);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(what + " did not come within " + CALL_TIMEOUT.toSeconds() + " s"
                            + lastOutput());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for " + what, e);
                }
            }
        }
    }

    /** An answer goes to the call waiting for its id; anything else is an event, kept for {@link #awaitEvent}. */
    private void receive(String message) {
        JsonNode node;
        try {
            node = json.readTree(message);
        } catch (JsonProcessingException e) {
            disconnect("Chromium sent a message that is not JSON: "
                    + message.substring(0, Math.min(200, message.length())));
            return;
        }
        if (node.has("id")) {
            CompletableFuture<JsonNode> answer = pending.get(node.get("id").asInt());
            if (answer != null) {
                answer.complete(node);
            }
        } else {
            synchronized (events) {
                events.add(node);
                events.notifyAll();
            }
        }
    }

    /** Fails every call in flight and every later one at once, instead of at its timeout. */
    private void disconnect(String reason) {
        disconnected = reason;
        pending.values().forEach(answer -> answer.completeExceptionally(new IllegalStateException(reason)));
        synchronized (events) {
            events.notifyAll();
        }
    }

    private final class Listener implements WebSocket.Listener {

        /** Larger messages (a screenshot, a long string) arrive in parts of 16 KiB or less; they are joined here. */
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                String complete = message.toString();
                message.setLength(0);
                receive(complete);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            disconnect("Chromium closed the DevTools connection (" + statusCode + (reason.isEmpty() ? "" : " " + reason)
                    + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            disconnect("the DevTools connection failed: " + error);
        }
    }

    private ObjectNode keyEvent(String type, Key key, int modifiers) {
        ObjectNode event = params().put("type", type).put("modifiers", modifiers).put("key", key.key())
                .put("code", key.code()).put("windowsVirtualKeyCode", key.keyCode())
                .put("nativeVirtualKeyCode", key.keyCode());
        if ("keyDown".equals(type) && key.text() != null) {
            event.put("text", key.text()).put("unmodifiedText", key.text());
        }
        return event;
    }

    private ObjectNode params() {
        return json.createObjectNode();
    }

    /** Chromium's last lines of output, for a failure message; without the D-Bus complaints every start prints. */
    private String lastOutput() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.contains("dbus")).toList();
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
            return tail.isBlank() ? "" : "\n" + LAST_OUTPUT + "\n" + tail;
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    /**
     * SIGKILL to the browser and its descendants (zygotes, renderers, GPU process), taken before the browser dies
     * because its orphans would no longer be listed under it; waits a little for them to go.
     */
    private static void kill(Process process) {
        List<ProcessHandle> tree = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // gone or going; nothing more to do than SIGKILL
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Best effort: a file left in a temp dir must not fail the test that is closing the browser. */
    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // left to the system's temp cleaning
        }
    }
}
