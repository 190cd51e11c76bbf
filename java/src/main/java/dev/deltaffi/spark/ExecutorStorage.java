package dev.deltaffi.spark;

import dev.deltaffi.io.HadoopIo;
import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * What an executor needs for the kernel to read a table's files there (deletion vectors, change
 * feed slices): the session's Hadoop configuration, broadcast once per scan, and whether reads are
 * confined to the table root ({@link KernelEngines#CONFINE_TO_TABLE_ROOT_CONF}).
 */
record ExecutorStorage(
    Broadcast<SerializableConfiguration> hadoopConf, String tableRoot, boolean confined)
    implements Serializable {

  static ExecutorStorage of(SparkSession spark, String tableRoot) {
    return new ExecutorStorage(
        SerializableConfiguration.broadcast(
            spark.sparkContext(),
            ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().newHadoopConf()),
        tableRoot,
        KernelEngines.confinesToTableRoot(spark));
  }

  /** The storage the kernel reads through on this executor. */
  HadoopIo open() {
    HadoopIo io = new HadoopIo(hadoopConf.value().value());
    return confined ? io.confinedTo(tableRoot) : io;
  }
}
