package dev.deltaffi.kernel;

import dev.deltaffi.kernel.ir.KernelType;
import java.util.List;

/**
 * The result of the scan machine: the kernel's logical and physical read schemas and the live files
 * to read. Partition values are typed by the kernel, in {@code partitionSchema} order (physical
 * names).
 */
public record ScanPlan(
    KernelType.Struct logicalSchema,
    KernelType.Struct physicalSchema,
    KernelType.Struct partitionSchema,
    List<ScanFileInfo> files,
    List<String> phaseLog) {}
