package dev.deltaffi.kernel;

import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One live data file. {@code location} is the absolute URI (add.path resolved against the table
 * root); {@code partitionValues} follows ScanPlan.partitionSchema (empty row when unpartitioned);
 * {@code deletionVector} is true when the file carries a deletion vector.
 */
public record ScanFileInfo(
    String location,
    long size,
    long modificationTime,
    InternalRow partitionValues,
    boolean deletionVector)
    implements Serializable {}
