package dev.deltaffi.objectstore;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One request the S3 server received, path style ({@code /BUCKET/KEY}): its method, path, query
 * string and {@code Range} header (empty when absent).
 */
public record S3Request(String method, String path, String query, String range) {

  /** What a request costs on S3: its pricing class, more or less. */
  public enum Kind {
    /** ListObjects(V2) on the bucket. */
    LIST,
    /** HeadObject (a file's status) or HeadBucket. */
    HEAD,
    /** GetObject: a file's bytes, all or a range. */
    GET,
    /** PutObject, and the parts of multipart uploads. */
    PUT,
    /** Anything else: POST (multipart, bulk delete), DELETE, other bucket GETs. */
    OTHER
  }

  private static final Set<String> LIST_PARAMETERS =
      Set.of("list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after");

  public Kind kind() {
    switch (method) {
      case "HEAD":
        return Kind.HEAD;
      case "PUT":
        return Kind.PUT;
      case "GET":
        if (!key().isEmpty()) {
          return Kind.GET;
        }
        boolean listing =
            query.isEmpty()
                || Arrays.stream(query.split("&"))
                    .map(p -> p.split("=", 2)[0])
                    .allMatch(LIST_PARAMETERS::contains);
        return listing ? Kind.LIST : Kind.OTHER;
      default:
        return Kind.OTHER;
    }
  }

  /** The object key: the path after the bucket (empty for a request on the bucket). */
  public String key() {
    String rest = path.startsWith("/") ? path.substring(1) : path;
    int slash = rest.indexOf('/');
    return slash < 0 ? "" : rest.substring(slash + 1);
  }

  /**
   * What the request is about: the object key, or for a listing {@code list PREFIX} (the decoded
   * {@code prefix} parameter).
   */
  public String object() {
    if (kind() != Kind.LIST) {
      return key();
    }
    String prefix =
        Arrays.stream(query.split("&"))
            .filter(p -> p.startsWith("prefix="))
            .map(p -> URLDecoder.decode(p.substring("prefix=".length()), StandardCharsets.UTF_8))
            .findFirst()
            .orElse("");
    return "list " + prefix;
  }

  /** {@code GET /bucket?list-type=2&prefix=t/_delta_log/ } as one line. */
  @Override
  public String toString() {
    return kind()
        + "\t"
        + method
        + " "
        + path
        + (query.isEmpty() ? "" : "?" + query)
        + (range.isEmpty() ? "" : "  Range: " + range);
  }

  /** How many of {@code requests} are of each kind, every kind listed (zeros too). */
  public static Map<Kind, Long> counts(Collection<S3Request> requests) {
    Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    for (Kind kind : Kind.values()) {
      counts.put(kind, 0L);
    }
    requests.forEach(r -> counts.merge(r.kind(), 1L, Long::sum));
    return counts;
  }

  /** {@code LIST 3, HEAD 5, GET 9, PUT 0, OTHER 0 (total 17)}. */
  public static String summary(Collection<S3Request> requests) {
    return counts(requests).entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", "))
        + " (total "
        + requests.size()
        + ")";
  }
}
