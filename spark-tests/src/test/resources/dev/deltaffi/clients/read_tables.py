"""Reads Delta tables with format("delta-ffi") and writes each one's rows as Parquet.

spark-submit --jars delta-ffi.jar read_tables.py OUT TABLE...: the rows of the i-th TABLE (a path,
or path@vN for a version) go to OUT/i. StandaloneClusterTest submits it to a standalone cluster.
"""

import sys

from pyspark.sql import SparkSession

out, tables = sys.argv[1], sys.argv[2:]
spark = SparkSession.builder.appName("delta-ffi cluster read").getOrCreate()
print("application", spark.sparkContext.applicationId, "master", spark.sparkContext.master)
for i, table in enumerate(tables):
    spark.read.format("delta-ffi").load(table).write.parquet(f"{out}/{i}")
    print("wrote", table, "to", f"{out}/{i}")
spark.stop()
