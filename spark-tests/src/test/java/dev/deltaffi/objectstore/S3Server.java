package dev.deltaffi.objectstore;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaffi.clients.PipInstalls;
import dev.deltaffi.clients.Subprocess;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * moto's S3 API server ({@code moto[server]}, pip-installed at {@link #MOTO_VERSION} through {@link
 * PipInstalls}) on a free loopback port, in a Python process of its own, with one bucket ({@link
 * #BUCKET}). The server records every request it receives before answering it ({@code s3_server.py}
 * beside this class's resources), so {@link #requests()} is what reached the server, not what a
 * client says it sent: {@link #reset()} before a read, {@link #requests()} after it. {@link
 * #close()} ends the process.
 */
public final class S3Server implements AutoCloseable {

  /** moto's version, pinned: its S3 answers (listing pages, error codes) are part of the test. */
  public static final String MOTO_VERSION = "5.2.5";

  /** The one bucket the server holds. */
  public static final String BUCKET = "delta-ffi-tests";

  private static final String RECORDER = "/_requests";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern PORT_LINE = Pattern.compile("(?m)^port (\\d+)$");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Subprocess process;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private S3Server(Subprocess process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts the server (installing moto on the first run), waits for it and creates the bucket. */
  public static S3Server start(Path logDir) {
    Path moto = PipInstalls.installed("moto[server]", MOTO_VERSION, "The S3 request count tests");
    Path script = copyScript(logDir);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("PYTHONSTARTUP");
    env.put("PYTHONPATH", moto.toString());
    env.put("PYTHONUNBUFFERED", "1");
    // moto must never reach for real credentials or AWS: none here, and no proxy either.
    env.keySet().removeIf(name -> name.startsWith("AWS_") || name.toLowerCase().endsWith("_proxy"));
    long started = System.nanoTime();
    Subprocess process =
        Subprocess.start(
            "s3-server",
            List.of(PipInstalls.PYTHON, script.toString(), "--max-seconds", "3600"),
            logDir,
            env,
            logDir);
    S3Server server;
    try {
      server = new S3Server(process, awaitPort(process));
      server.createBucket();
      server.reset();
    } catch (RuntimeException | Error e) {
      process.destroyTree();
      throw e;
    }
    System.out.printf(
        "moto %s S3 server on %s, bucket %s, up in %d ms%n",
        MOTO_VERSION,
        server.endpoint(),
        BUCKET,
        Duration.ofNanos(System.nanoTime() - started).toMillis());
    return server;
  }

  /** {@code http://127.0.0.1:PORT}: what {@code fs.s3a.endpoint} names. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * System property: S3A's input stream ({@code fs.s3a.input.stream.type}: {@code classic}, {@code
   * analytics}, ...) for every reader; unset, S3A's default.
   */
  public static final String INPUT_STREAM_TYPE_PROPERTY = "deltaffi.s3a.inputStreamType";

  /**
   * S3A against this server: its endpoint without TLS, path-style URLs (no bucket host names),
   * fixed credentials (moto takes any), its default region, no bucket probe when a file system
   * starts and few retries, so that a failure shows at once. Spark settings of the same names
   * (without {@code spark.hadoop.}) reach Hadoop's configuration.
   */
  public Map<String, String> s3aSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("fs.s3a.endpoint", endpoint());
    settings.put("fs.s3a.endpoint.region", "us-east-1");
    settings.put("fs.s3a.path.style.access", "true");
    settings.put("fs.s3a.connection.ssl.enabled", "false");
    settings.put(
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    settings.put("fs.s3a.access.key", "delta-ffi-test");
    settings.put("fs.s3a.secret.key", "delta-ffi-test");
    settings.put("fs.s3a.bucket.probe", "0");
    settings.put("fs.s3a.attempts.maximum", "1");
    settings.put("fs.s3a.retry.limit", "1");
    // S3A's own default input stream unless asked: Hadoop 3.5's is the analytics stream, which
    // asks for each file's status (HEAD) when it opens it, given its length or not (and, as
    // measured, GETs a small file once for several opens); "classic" opens a file of known
    // length without a HEAD.
    String streamType = System.getProperty(INPUT_STREAM_TYPE_PROPERTY);
    if (streamType != null && !streamType.isBlank()) {
      settings.put("fs.s3a.input.stream.type", streamType);
    }
    return settings;
  }

  /** Copies the table folder {@code local} to {@code s3a://BUCKET/name} and returns that URL. */
  public static String upload(Path local, String name, Configuration conf) {
    String table = s3a(name);
    try {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(table);
      // The local file system leaves out its .crc side files when it lists the folder.
      target
          .getFileSystem(conf)
          .copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), target);
    } catch (IOException e) {
      throw new UncheckedIOException("could not upload " + local + " to " + table, e);
    }
    return table;
  }

  /**
   * Closes the bucket's S3A file system, which also drops it from Hadoop's cache: the next read
   * starts a new client, with nothing kept from earlier reads.
   */
  public static void closeClients(Configuration conf) {
    try {
      FileSystem.get(URI.create(s3a("")), conf).close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code s3a://BUCKET/relative}. */
  public static String s3a(String relative) {
    return "s3a://" + BUCKET + "/" + relative;
  }

  /** Forgets the requests received so far. */
  public void reset() {
    send(HttpRequest.newBuilder(recorder()).DELETE());
  }

  /** The requests received since the last {@link #reset()}, in arrival order. */
  public List<S3Request> requests() {
    String body = send(HttpRequest.newBuilder(recorder()).GET());
    try {
      String[][] rows = JSON.readValue(body, String[][].class);
      return Arrays.stream(rows).map(r -> new S3Request(r[0], r[1], r[2], r[3])).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("the S3 server's request log is not JSON: " + body, e);
    }
  }

  /** The last lines the server wrote (its own per-request log among them). */
  public String report() {
    return process.report();
  }

  @Override
  public void close() {
    process.destroyTree();
  }

  private void createBucket() {
    // Unsigned: moto takes it for S3 in its default region, us-east-1, as it does signed ones.
    send(
        HttpRequest.newBuilder(URI.create(endpoint() + "/" + BUCKET))
            .PUT(HttpRequest.BodyPublishers.noBody()));
  }

  private URI recorder() {
    return URI.create(endpoint() + RECORDER);
  }

  private String send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        fail(
            "the S3 server answered "
                + response.statusCode()
                + " to "
                + response.request().method()
                + " "
                + response.uri()
                + ": "
                + response.body()
                + "\n"
                + process.report());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("the S3 server did not answer\n" + process.report(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted talking to the S3 server", e);
    }
  }

  /** The port the server prints once it listens. */
  private static int awaitPort(Subprocess process) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher port = PORT_LINE.matcher(process.stdout());
      if (port.find()) {
        return Integer.parseInt(port.group(1));
      }
      if (!process.isAlive()) {
        fail("the S3 server exited before it listened\n" + process.report());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the S3 server", e);
      }
    }
    fail("the S3 server did not listen within " + START_TIMEOUT + "\n" + process.report());
    return -1;
  }

  private static Path copyScript(Path logDir) {
    try (InputStream in = S3Server.class.getResourceAsStream("s3_server.py")) {
      if (in == null) {
        throw new IllegalStateException("s3_server.py is not on the test classpath");
      }
      Files.createDirectories(logDir);
      Path script = logDir.resolve("s3_server.py");
      Files.write(script, in.readAllBytes());
      return script;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
