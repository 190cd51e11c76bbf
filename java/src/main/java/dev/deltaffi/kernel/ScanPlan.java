package dev.deltaffi.kernel;

import dev.deltaffi.kernel.ir.KernelType;
import java.util.List;
import java.util.Optional;

/**
 * The result of the scan machine: the kernel's logical and physical read schemas and the live files
 * to read. Partition values are typed by the kernel, in {@code partitionSchema} order (physical
 * names). {@code kernelCounts}: what the kernel's replay counted (its scan metrics), when the log
 * was replayed in process; empty when a Spark job found the files (the kernel does not run a
 * metadata plan it hands out, so it reports nothing for it: {@code files} is then the count).
 * {@code widensSmallIntegersToDecimal}: type widening made a column a decimal from a byte or short
 * (the files' INT32 values then need Spark's row-based Parquet reader). {@code cost}: what planning
 * took, when the kernel planned this scan (a stream's micro-batch scans are cut from another).
 */
public record ScanPlan(
    KernelType.Struct logicalSchema,
    KernelType.Struct physicalSchema,
    KernelType.Struct partitionSchema,
    List<ScanFileInfo> files,
    Optional<FileCounts> kernelCounts,
    boolean widensSmallIntegersToDecimal,
    List<String> phaseLog,
    Optional<PlanningCost> cost) {

  /**
   * What planning a scan took.
   *
   * @param logBytes the bytes of log (checkpoint parts and commits) the scan's replay covers
   * @param nanos the scan planning's wall time, kernel and Spark jobs together
   */
  public record PlanningCost(long logBytes, long nanos) {}

  /**
   * The kernel's {@code ScanMetadataCompleted} counts of one replay.
   *
   * @param seen {@code add} actions the replay looked at, before pruning and deduplication (a file
   *     added then removed counts; checkpoint row groups skipped by their statistics are not seen)
   * @param kept the live files kept: the files to read
   * @param pruned {@code add} actions the predicate pruned, by partition values and statistics
   *     together (the kernel evaluates both in one skipping predicate)
   */
  public record FileCounts(long seen, long kept, long pruned) {}
}
