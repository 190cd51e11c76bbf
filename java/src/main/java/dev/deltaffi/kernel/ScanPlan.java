package dev.deltaffi.kernel;

import dev.deltaffi.kernel.ir.KernelType;
import java.util.List;
import java.util.OptionalLong;

/**
 * The result of the scan machine: the kernel's logical and physical read schemas and the live files
 * to read. Partition values are typed by the kernel, in {@code partitionSchema} order (physical
 * names). {@code totalFiles} counts the table's live files before partition pruning and data
 * skipping, when the log was replayed in process (empty when a Spark job found the files). {@code
 * widensSmallIntegersToDecimal}: type widening made a column a decimal from a byte or short (the
 * files' INT32 values then need Spark's row-based Parquet reader).
 */
public record ScanPlan(
    KernelType.Struct logicalSchema,
    KernelType.Struct physicalSchema,
    KernelType.Struct partitionSchema,
    List<ScanFileInfo> files,
    OptionalLong totalFiles,
    boolean widensSmallIntegersToDecimal,
    List<String> phaseLog) {}
