package dev.deltaffi.spark;

import dev.deltaffi.kernel.DeltaKernelException;
import dev.deltaffi.kernel.FileOutsideTableException;
import dev.deltaffi.kernel.InvalidTableException;
import dev.deltaffi.kernel.MissingFileException;
import dev.deltaffi.kernel.TableNotFoundException;
import dev.deltaffi.kernel.UnsupportedTableFeatureException;
import dev.deltaffi.kernel.VersionNotFoundException;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.ErrorClassesJsonReader;
import org.apache.spark.QueryContext;
import org.apache.spark.sql.AnalysisException;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The project's Spark errors: each user-facing failure leaves the DataSource as an {@link
 * AnalysisException} with an error condition and SQLSTATE of delta-ffi's own, kept in {@code
 * error/delta-ffi-error-conditions.json} as Spark and Delta keep theirs, so that PySpark raises an
 * {@code AnalysisException} whose message is one line. The original exception (the kernel's typed
 * one, its Java cause) stays the cause.
 */
final class DeltaFfiErrors {
  private static final String CONDITIONS = "error/delta-ffi-error-conditions.json";

  private static final ErrorClassesJsonReader READER =
      new ErrorClassesJsonReader(
          CollectionConverters.asScala(List.<URL>of(resource(CONDITIONS))).toList());

  private DeltaFfiErrors() {}

  /** A failure as delta-ffi's Spark error. */
  static final class DeltaFfiAnalysisException extends AnalysisException {
    private final String condition;

    DeltaFfiAnalysisException(String condition, Map<String, String> parameters, Throwable cause) {
      super(
          render(condition, parameters),
          Option.empty(),
          Option.empty(),
          Option.apply(cause),
          Option.apply(condition),
          scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(parameters)),
          new QueryContext[0]);
      this.condition = condition;
    }

    @Override
    public String getSqlState() {
      return READER.getSqlState(condition);
    }
  }

  /**
   * Runs an entry point Spark calls (loading a table, planning a scan); a failure leaves it as a
   * Spark error. AnalysisException is a checked exception to Java only: Spark's Scala callers
   * declare none, so it is thrown undeclared.
   */
  static <T> T asSparkErrors(Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      AnalysisException spark = toSpark(e);
      if (spark == null) {
        throw e;
      }
      throw DeltaFfiErrors.<RuntimeException>undeclared(spark);
    }
  }

  /** The Spark error of a failure, null when it is not one of delta-ffi's (a bug: left as is). */
  static AnalysisException toSpark(RuntimeException e) {
    String condition = conditionOf(e);
    return condition == null
        ? null
        : new DeltaFfiAnalysisException(condition, Map.of("message", oneLine(e.getMessage())), e);
  }

  /** A path that exists but holds no Delta table, and why. */
  static AnalysisException notADeltaTable(String path, String reason, Throwable cause) {
    return new DeltaFfiAnalysisException(
        "DELTA_FFI_NOT_A_DELTA_TABLE", Map.of("path", path, "reason", reason), cause);
  }

  /** A write through delta-ffi. */
  static AnalysisException readOnly(String path) {
    return new DeltaFfiAnalysisException("DELTA_FFI_READ_ONLY", Map.of("path", path), null);
  }

  @SuppressWarnings("unchecked")
  static <E extends Throwable> E undeclared(Throwable e) throws E {
    throw (E) e;
  }

  /** The error condition of one of delta-ffi's failures; null for any other exception. */
  static String conditionOf(RuntimeException e) {
    if (e instanceof DeltaTableReadException read) {
      return read.condition();
    } else if (e instanceof TableNotFoundException) {
      return "DELTA_FFI_TABLE_NOT_FOUND";
    } else if (e instanceof VersionNotFoundException) {
      return "DELTA_FFI_VERSION_NOT_FOUND";
    } else if (e instanceof UnsupportedTableFeatureException) {
      return "DELTA_FFI_UNSUPPORTED_TABLE_FEATURE";
    } else if (e instanceof InvalidTableException) {
      return "DELTA_FFI_INVALID_TABLE";
    } else if (e instanceof MissingFileException) {
      return "DELTA_FFI_MISSING_FILE";
    } else if (e instanceof FileOutsideTableException) {
      return "DELTA_FFI_FILE_OUTSIDE_TABLE";
    } else if (e instanceof DeltaKernelException) {
      return "DELTA_FFI_KERNEL_ERROR";
    } else if (e instanceof ReadOptions.InvalidOptionException) {
      return "DELTA_FFI_INVALID_OPTION";
    } else if (e instanceof DeltaOptions.UnsupportedOptionException) {
      return "DELTA_FFI_UNSUPPORTED_OPTION";
    }
    return null;
  }

  /** "[CONDITION] message SQLSTATE: xxxxx", as Spark renders its own errors. */
  private static String render(String condition, Map<String, String> parameters) {
    return "["
        + condition
        + "] "
        + READER.getErrorMessage(
            condition,
            scala.collection.immutable.Map$.MODULE$.from(
                CollectionConverters.asScala(Map.<String, Object>copyOf(parameters))))
        + " SQLSTATE: "
        + READER.getSqlState(condition);
  }

  /** A kernel message may carry a backtrace or nested causes on later lines: the first is kept. */
  private static String oneLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static URL resource(String name) {
    URL url = DeltaFfiErrors.class.getClassLoader().getResource(name);
    if (url == null) {
      throw new IllegalStateException("The jar has no " + name);
    }
    return url;
  }
}
