package dev.deltaffi.kernel;

import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One live data file. {@code location} is the absolute URI (add.path resolved against the table
 * root); {@code partitionValues} follows ScanPlan.partitionSchema (empty row when unpartitioned);
 * {@code deletionVector} is the file's {@code add.deletionVector} descriptor, null when it has none
 * (decoded on executors by {@link DeletionVectors#deletedRows}). {@code baseRowId} and {@code
 * defaultRowCommitVersion} are the file's row tracking values, null when it has none.
 */
public record ScanFileInfo(
    String location,
    long size,
    long modificationTime,
    InternalRow partitionValues,
    DeletionVectors.Descriptor deletionVector,
    Long baseRowId,
    Long defaultRowCommitVersion)
    implements Serializable {}
