package dev.videoworker.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every application setting of the worker ({@code worker.*}); each key is listed in the README's configuration table.
 */
@ConfigMapping(prefix = "worker")
public interface WorkerConfig {

    Provider provider();

    Topics topics();

    Storage storage();

    Poll poll();

    Jobs jobs();

    Requests requests();

    Budget budget();

    Health health();

    FleetView fleetView();

    ClassDataTraining classDataTraining();

    /**
     * A start made only to record which classes the worker loads, for a class-data (AppCDS) archive made by the JDK
     * that will run it ({@code entrypoint.sh cds-archive}): the whole worker starts, without a broker, exercises its own
     * HTTP endpoints, links every class it loaded and exits.
     */
    interface ClassDataTraining {
        /** On: skip the topic check (no broker), then exit after {@link #duration()}. Never on in a real start. */
        @WithDefault("false")
        boolean enabled();

        /**
         * The JVM's class-loading log of this start ({@code -Xlog:class+load=info:file=...}): every class named in it
         * is linked before the exit, since the JVM archives only linked classes of the application's class loader.
         */
        Optional<String> classLog();

        /** How long the worker runs before it exits: the clients' first connection attempts fall in it. */
        @WithDefault("4s")
        Duration duration();
    }

    /** Any replica answers for any job: a read-only view of the other replicas' partitions of the job topic. */
    interface FleetView {
        /** Off: a replica answers {@code GET /jobs...} for the partitions it owns only. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Most jobs of other replicas' partitions the view holds; beyond it, the job changed least recently leaves.
         * 50,000: every job of a 3-replica fleet with 50,000 in flight (each view holds two thirds of them).
         */
        @WithDefault("50000")
        int maxJobs();

        /**
         * Most bytes (estimated: each job's summary and its record packed, ~0.5 KB for a usual job) the view holds;
         * beyond it, too, the job changed least recently leaves. 64 MiB: 50,000 usual jobs take ~25 MiB; long prompts
         * or metadata fill it sooner.
         */
        @WithDefault("67108864")
        long maxBytes();
    }

    /** Health checks beyond Kafka's own. */
    interface Health {
        /** Not live when jobs are generating and no poll has started for this long. */
        @WithDefault("5m")
        Duration pollerStuckAfter();

        /** How often readiness looks up the bucket, in the background (a readiness request reads the last result). */
        @WithDefault("5s")
        Duration objectStoreCheckEvery();
    }

    Webhooks webhooks();

    /** The signed webhook endpoint {@code POST /webhooks/videos} (Standard Webhooks). */
    interface Webhooks {
        /**
         * Signing secrets ({@code whsec_<base64>}), comma-separated: several are accepted during a rotation. Unset: the
         * endpoint does not exist (404) and jobs are followed by polling only. Never logged.
         */
        Optional<List<String>> secret();

        /** How far a webhook's timestamp may be from now, either way; older or newer deliveries are refused. */
        @WithDefault("5m")
        Duration tolerance();

        /**
         * The worker's public base URL (e.g. {@code https://worker.example.com}). Set, jobs at providers whose dialect
         * takes a callback URL (OpenRouter) and that have a webhook secret carry
         * {@code <public-url>/webhooks/providers/<provider>?job=<job id>}, through which an unknown create outcome is
         * learnt; unset, such an outcome ends the job {@code submission_unknown} at once.
         */
        Optional<String> publicUrl();
    }

    /** A spend budget per sliding time window, shared by all replicas (each holds the share of its partitions). */
    interface Budget {
        /** Estimated USD that may be committed to submissions within {@link #window()}; no limit when unset. */
        Optional<BigDecimal> limitUsd();

        /** Length of the sliding window the limit applies to. */
        @WithDefault("24h")
        Duration window();
    }

    InputImages inputImages();

    /** Where reference images ({@code inputReference.uri}) may come from, and how https ones are downloaded. */
    interface InputImages {
        /**
         * Hosts {@code https://} references may name: exact names, case-insensitive, or {@code *.example.com} for any
         * subdomain of example.com. Empty: https references are refused.
         */
        Optional<List<String>> allowedHosts();

        /**
         * CIDR blocks (e.g. {@code 10.1.2.0/24}, {@code 127.0.0.1/32}) an allowed host may resolve to even though they
         * are private, loopback or otherwise internal. Empty: only public addresses.
         */
        Optional<List<String>> allowedNetworks();

        /** Buckets {@code s3://} references may name. Empty: only {@code worker.storage.bucket}. */
        Optional<List<String>> allowedBuckets();

        /** Longest time one https download may take, redirects included. */
        @WithDefault("10s")
        Duration downloadTimeout();

        /** Redirects followed at most; each target must be https and on the allow-list. */
        @WithDefault("3")
        int maxRedirects();

        /** PKCS12 trust store whose certificates the https client trusts in addition to the JVM's CAs. */
        Optional<String> trustStore();

        /** Password of {@link #trustStore()}; never logged. */
        Optional<String> trustStorePassword();
    }

    /** Limits on incoming request records. */
    interface Requests {
        /** Larger record values are rejected unread ({@code payload_too_large}). */
        @WithDefault("1048576")
        int maxBytes();

        /** Largest {@code metadata} (serialised JSON) carried by a job; it is copied into every event. */
        @WithDefault("16384")
        int maxMetadataBytes();

        /** Request records handled at once (their journal writes share transactions); each is acknowledged alone. */
        @WithDefault("64")
        int maxConcurrent();

        /** Largest {@code data:} reference URI; larger images go through the store ({@code s3://}). */
        @WithDefault("524288")
        int maxDataUriBytes();
    }

    /** The default provider's models, keyed by model name. Built-in defaults are the Sora 2 rules. */
    Map<String, Model> models();

    /** How the catalogs of all providers are read. */
    Catalog catalog();

    interface Catalog {
        /** A model retiring within this long is announced in its jobs' status events (and in a metric). */
        @WithDefault("30d")
        Duration retirementNotice();
    }

    /**
     * Further providers, keyed by name ({@code worker.providers.<name>.*}), besides the default one of
     * {@code worker.provider.*}; each with its own dialect, key and model catalog.
     */
    Map<String, NamedProvider> providers();

    /**
     * The default provider ({@code worker.provider.*}, catalog {@code worker.models}): named {@code openai} unless
     * {@link #name()} says otherwise. Its retry policy applies to every provider.
     */
    interface Provider {
        /** The provider's name: in job states (the pinned route), events and metrics. */
        @WithDefault("openai")
        String name();

        /** Base URL; its path is kept and the dialect's paths ({@code /v1/videos} for {@code openai}) follow it. */
        @WithDefault("https://api.openai.com")
        String baseUrl();

        /** How the provider's API is shaped: {@code openai}, {@code openrouter}, {@code together}, {@code url-result}. */
        @WithDefault("openai")
        String dialect();

        /** Bearer key; read from {@code SORA_API_KEY}, falling back to {@code OPENAI_API_KEY}. Never logged. */
        Optional<String> apiKey();

        /** A file holding the key (a mounted secret), read at start; wins over {@link #apiKey()}. */
        Optional<String> apiKeyFile();

        /** The name of the key, written into job states instead of the key itself. */
        @WithDefault("default")
        String keyName();

        /** Create calls in flight at once; more wait (their read timeout starts when they are sent). */
        @WithDefault("16")
        int maxConcurrentCreates();

        /** Routing order among providers of one model: lower first. */
        @WithDefault("100")
        int priority();

        /** Most polls (retrieve calls) per second sent to this provider by this replica; unset: no limit. */
        Optional<Double> pollsPerSecond();

        /** Whether the provider's copy is deleted once the S3 copy is verified (where the dialect can delete). */
        @WithDefault("true")
        boolean deleteAfterStore();

        /** Retries of retrieve, list, delete and opening content (never of a create). */
        Retry retry();

        /** Where result URLs (and redirects) off a provider's own origin may lead; applies to every provider. */
        ResultUrls resultUrls();

        /**
         * The guard of downloads from another host than the provider's (always without the key): a signed result URL,
         * or a redirect of the content endpoint.
         */
        interface ResultUrls {
            /**
             * Hosts such a download may reach: exact names or {@code *.example.com}. Empty: any host whose addresses
             * are all public. A host named here may be reached over plain http.
             */
            Optional<List<String>> allowedHosts();

            /**
             * CIDR blocks such a download may connect to even though they are private, loopback or otherwise
             * internal. Empty: public addresses only. An IP address inside them may be reached over plain http.
             */
            Optional<List<String>> allowedNetworks();
        }
    }

    /**
     * Capped exponential backoff with jitter for transient provider failures (connection errors, timeouts, 408, 409,
     * 429, 5xx); a provider's {@code retry-after-ms} or {@code Retry-After} replaces the computed wait.
     */
    interface Retry {
        /** Calls in all for one operation, the first included; 1 turns retries off. */
        @WithDefault("4")
        int maxAttempts();

        /** Backoff before the first retry; it doubles for each further one. */
        @WithDefault("500ms")
        Duration initialBackoff();

        /** Largest computed backoff. */
        @WithDefault("8s")
        Duration maxBackoff();

        /**
         * Share of the backoff that is random, in [0, 1]: 1 is full jitter (a wait anywhere between zero and the
         * backoff), 0 none.
         */
        @WithDefault("1.0")
        double jitter();

        /** Largest wait a provider's {@code Retry-After} can impose between two attempts. */
        @WithDefault("30s")
        Duration maxRetryAfter();
    }

    /** Kafka topic names. */
    interface Topics {
        @WithDefault("video.requests")
        String requests();

        @WithDefault("video.jobs")
        String jobs();

        @WithDefault("video.status")
        String status();

        @WithDefault("video.completed")
        String completed();

        @WithDefault("video.requests.dlq")
        String dlq();

        /** Partitions of topics the worker creates; {@code video.jobs} always gets the count of the request topic. */
        @WithDefault("3")
        int partitions();

        @WithDefault("1")
        short replicationFactor();

        /** Create missing topics at start-up. */
        @WithDefault("true")
        boolean create();
    }

    /** S3-compatible object store reached through the MinIO SDK. */
    interface Storage {
        @WithDefault("http://localhost:9000")
        String endpoint();

        @WithDefault("us-east-1")
        String region();

        Optional<String> accessKey();

        Optional<String> secretKey();

        /** Bucket used when a request names none. */
        @WithDefault("videos")
        String bucket();

        /**
         * Whether the worker creates {@link #bucket()} when it is missing (on first use). A bucket a request names is
         * never created: a job stored there fails {@code storage_refused} if it does not exist.
         */
        @WithDefault("true")
        boolean createBucket();

        /**
         * Buckets a request's {@code output.bucket} may name, besides {@link #bucket()} (always allowed: requests that
         * name no bucket are stored there anyway). Empty: only {@link #bucket()}. Others are rejected before any paid
         * call ({@code output_bucket_not_allowed}).
         */
        Optional<List<String>> allowedOutputBuckets();

        /** Object key template; variables: {jobId}, {videoId}, {model}, {size}, {seconds}. */
        @WithDefault("{jobId}.mp4")
        String keyTemplate();

        /** Multipart part size of uploads of unknown length (S3 minimum is 5 MiB). */
        @WithDefault("8388608")
        long partSize();

        /**
         * Parts of one upload sent at once (1 to 64); an upload holds at most {@code upload-parallelism + 1} parts in
         * memory (one more is read while the others are sent). 2 by measurement: 1.2-1.3 times the rate of 1 on 2
         * cores, 3 and 4 no faster (docs/benchmarks.md, 2026-12-06).
         */
        @WithDefault("2")
        int uploadParallelism();

        /**
         * At start, multipart uploads in {@link #bucket()} whose keys fit {@link #keyTemplate()} and that were begun
         * longer ago than this are aborted in the background: what a killed replica left behind. Longer than any upload
         * can take, so a live upload of another replica is left alone; {@code 0s} turns the sweep off.
         */
        @WithDefault("2h")
        Duration abortUploadsOlderThan();

        /** Storing stops being tried this long before the provider's copy expires; the job then fails {@code expired}. */
        @WithDefault("1m")
        Duration expiryMargin();

        /** How long storing is tried when the provider gave no expiry time; then {@code storage_failed}. */
        @WithDefault("1h")
        Duration retryFor();

        /** Longest wait between two attempts to store a video (the waits double from one second up to this). */
        @WithDefault("30s")
        Duration retryMaxBackoff();

        /** Largest input-reference image read from the store, decoded from data: or downloaded over https. */
        @WithDefault("20971520")
        long maxInputImageBytes();
    }

    /** Following a submitted job until it ends. */
    interface Poll {
        /**
         * Wait before polling again after a failed poll or a failed write, and the first wait between attempts to
         * delete a timed-out video. Regular polls follow the adaptive schedule ({@link #minInterval()} to
         * {@link #maxInterval()}).
         */
        @WithDefault("10s")
        Duration interval();

        /** Shortest wait between two polls of a job: the cadence around its expected end; provider hints included. */
        @WithDefault("2s")
        Duration minInterval();

        /** Longest wait between two polls of a job, however far it seems from done; provider hints included. */
        @WithDefault("2m")
        Duration maxInterval();

        /** Share of each planned wait that is random, in [0, 1): 0.15 spreads waits over ±15% of the plan. */
        @WithDefault("0.15")
        double jitter();

        /** How long a job usually takes from submission, for models that name no {@code expected-duration}. */
        @WithDefault("3m")
        Duration expectedDuration();

        /** A job still not finished this long after submission ends {@code failed/timeout}. */
        @WithDefault("30m")
        Duration deadline();
    }

    /** Durable job state and its lifecycle. */
    interface Jobs {
        /** Prefix of the transactional ids of the job journal: one per partition, shared by all replicas. */
        @WithDefault("sora-video-worker")
        String transactionalIdPrefix();

        /** Terminal jobs leave memory this long after they ended (a small marker stays until the tombstone). */
        @WithDefault("1h")
        Duration retention();

        /**
         * Most jobs the in-memory index holds. Beyond it, ended jobs leave it first, the longest-ended first (only
         * their id, status and version stay, so a repeated id is still recognised); jobs under way never leave it.
         */
        @WithDefault("100000")
        int indexMaxJobs();

        /** Most bytes (estimated) the in-memory index holds; ended jobs leave it first, as for the count. */
        @WithDefault("268435456")
        long indexMaxBytes();

        /**
         * Terminal jobs are tombstoned in the job topic this long after they ended; their id may then be reused. The
         * start-up refuses a value shorter than the request topic keeps a record (retention.ms + segment.ms) plus
         * {@link #tombstoneMargin()}: a request read again after its job was forgotten would be paid for again. The
         * default fits a request topic with Kafka's defaults (7 d + 7 d).
         */
        @WithDefault("15d")
        Duration tombstoneAfter();

        /** How long a create call may take at most; a job found in {@code submitting} is reconciled after that. */
        @WithDefault("70s")
        Duration createTimeout();

        /**
         * After a create call whose outcome is unknown, how long (from the intent) the provider's list is searched for
         * the video, with growing pauses, before a new create may be sent; lists of some providers show a new video
         * only seconds or minutes later.
         */
        @WithDefault("10m")
        Duration reconcileWindow();

        /** Create calls per job at most (each one only after a reconciliation proved the previous made nothing). */
        @WithDefault("3")
        int maxSubmitAttempts();

        /** Jobs of one replica being submitted or generated at most; more wait, with the request consumer paused. */
        @WithDefault("100")
        int maxInFlight();

        /** How long the limit stays lowered after the provider answered {@code 429 Too many running tasks}. */
        @WithDefault("2m")
        Duration concurrencyCooldown();

        /** How long a job keeps trying a create call the provider refused with 429 before it fails. */
        @WithDefault("30m")
        Duration rateLimitedFor();

        /**
         * How much longer than the request topic keeps a record a finished job is remembered at least: room for the
         * broker's retention check running late and for clocks (of producers and replicas) that disagree.
         */
        @WithDefault("1d")
        Duration tombstoneMargin();

        /**
         * After a create call whose outcome is unknown at a provider without a list that calls back (OpenRouter), how
         * long (from the intent) the job waits in {@code submitting} for the provider's callback before it ends
         * {@code submission_unknown}. The provider calls back only once the video is final, so this is longer than
         * any generation may take.
         */
        @WithDefault("60m")
        Duration callbackWindow();
    }

    /** One more provider: like {@link Provider}, with a catalog of its own. */
    interface NamedProvider {
        String baseUrl();

        @WithDefault("openai")
        String dialect();

        Optional<String> apiKey();

        Optional<String> apiKeyFile();

        @WithDefault("default")
        String keyName();

        @WithDefault("16")
        int maxConcurrentCreates();

        @WithDefault("100")
        int priority();

        Optional<Double> pollsPerSecond();

        @WithDefault("true")
        boolean deleteAfterStore();

        /** Secret(s) of the provider's signed callbacks, when it sends any. */
        Optional<List<String>> webhookSecret();

        /** The models this provider serves, by the name requests use. */
        Map<String, Model> models();
    }

    /** One entry of the model catalog. */
    interface Model {
        /** The model's name at the provider, when it differs from the catalog name (e.g. {@code openai/sora-2}). */
        Optional<String> providerModel();

        /** The day the provider switches the model off: requests from that day on are rejected {@code model_retired}. */
        Optional<LocalDate> retiresOn();

        /** Allowed sizes; the first is the default. */
        List<String> sizes();

        /** Allowed durations in seconds. */
        List<String> seconds();

        /** Price per second of video, when it does not depend on the size. */
        Optional<BigDecimal> pricePerSecond();

        /** Price per second by size; wins over {@link #pricePerSecond()} for the sizes it names. */
        @WithName("price-per-second-by-size")
        Map<String, BigDecimal> pricePerSecondBySize();

        /** Price of one clip whatever its duration; used when no per-second price applies. */
        Optional<BigDecimal> pricePerClip();

        /** Deadline of this model's jobs from submission (overrides {@code worker.poll.deadline}). */
        Optional<Duration> deadline();

        /**
         * How long this model's jobs usually take from submission (overrides {@code worker.poll.expected-duration});
         * polls are planned around it until the provider reports progress.
         */
        Optional<Duration> expectedDuration();

        /** Whether an input reference image is accepted. */
        @WithDefault("true")
        boolean inputReference();
    }
}
