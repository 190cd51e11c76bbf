package dev.deltaffi.plan;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.inline;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.when;

import dev.deltaffi.kernel.FileUris;
import dev.deltaffi.kernel.PlanRunner;
import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.kernel.ir.PlanNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Runs a kernel plan as Spark DataFrames: one DataFrame per node (a node feeding two consumers is
 * built once; nodes arrive in topological order), the last node's being the result.
 */
public final class PlanTranslator implements PlanRunner {

  /** The kernel's field-metadata key marking an engine-populated metadata column. */
  private static final String METADATA_SPEC = "delta.metadataSpec";

  private final SparkSession spark;

  public PlanTranslator(SparkSession spark) {
    this.spark = spark;
  }

  @Override
  public Dataset<Row> toDataFrame(Plan plan) {
    List<Dataset<Row>> built = new ArrayList<>();
    for (PlanNode node : plan.nodes()) {
      List<Dataset<Row>> inputs = new ArrayList<>();
      for (int input : node.inputs()) {
        if (input < 0 || input >= built.size()) {
          throw new IllegalArgumentException(
              "Plan node " + built.size() + " reads node " + input + ", which is not before it");
        }
        inputs.add(built.get(input));
      }
      built.add(translate(node.op(), inputs));
    }
    if (built.isEmpty()) {
      throw new IllegalArgumentException("Empty kernel plan");
    }
    return Conform.toSchema(built.get(built.size() - 1), SparkTypes.toSpark(plan.schema()));
  }

  private Dataset<Row> translate(PlanNode.Op op, List<Dataset<Row>> inputs) {
    if (op instanceof PlanNode.ScanJson s) {
      arity(op, inputs, 0);
      return scan("json", s.files(), s.constantColumns(), s.schema());
    } else if (op instanceof PlanNode.ScanParquet s) {
      arity(op, inputs, 0);
      return scan("parquet", s.files(), s.constantColumns(), s.schema());
    } else if (op instanceof PlanNode.Values v) {
      arity(op, inputs, 0);
      return values(v);
    } else if (op instanceof PlanNode.Project p) {
      Dataset<Row> input = arity(op, inputs, 1).get(0);
      List<Column> columns = new ExpressionTranslator(input).projection(p.expr(), p.schema());
      return Conform.toSchema(
          input.select(columns.toArray(Column[]::new)), SparkTypes.toSpark(p.schema()));
    } else if (op instanceof PlanNode.Filter f) {
      Dataset<Row> input = arity(op, inputs, 1).get(0);
      // SQL WHERE keeps only rows where the predicate is TRUE.
      return input.filter(new ExpressionTranslator(input).predicate(f.predicate()));
    } else if (op instanceof PlanNode.DynamicScan d) {
      return dynamicScan(d, arity(op, inputs, 1).get(0));
    } else if (op instanceof PlanNode.Aggregate a) {
      return aggregate(a, arity(op, inputs, 1).get(0));
    } else if (op instanceof PlanNode.SemiJoin j) {
      arity(op, inputs, 2);
      return semiJoin(j, inputs.get(0), inputs.get(1));
    } else if (op instanceof PlanNode.UnionAll) {
      if (inputs.isEmpty()) {
        throw new IllegalArgumentException("UnionAll without inputs");
      }
      // Bag union by position.
      return inputs.stream().reduce(Dataset::union).orElseThrow();
    } else if (op instanceof PlanNode.RelationSource r) {
      throw new UnsupportedOperationException(
          "Unsupported kernel plan operator RelationSource (relation " + r.id() + ")");
    }
    throw new UnsupportedOperationException(
        "Unsupported kernel plan operator " + ((PlanNode.Unsupported) op).name());
  }

  private static List<Dataset<Row>> arity(PlanNode.Op op, List<Dataset<Row>> inputs, int expected) {
    if (inputs.size() != expected) {
      throw new IllegalArgumentException(
          op.getClass().getSimpleName() + " takes " + expected + " inputs, got " + inputs.size());
    }
    return inputs;
  }

  private Dataset<Row> scan(
      String format,
      List<PlanNode.ScanFile> files,
      List<String> constantColumns,
      KernelType.Struct schema) {
    List<String> locations = new ArrayList<>();
    List<List<Column>> constants = new ArrayList<>();
    for (PlanNode.ScanFile file : files) {
      if (file.constants().size() != constantColumns.size()) {
        throw new IllegalArgumentException(
            "Scan file "
                + file.location()
                + " has "
                + file.constants().size()
                + " constants for "
                + constantColumns.size()
                + " constant columns");
      }
      locations.add(file.location());
      constants.add(file.constants().stream().map(SparkTypes::literal).toList());
    }
    return readFiles(format, locations, constants, constantColumns, schema);
  }

  /**
   * Reads all files as ONE Spark scan (a scan per file joined by unions costs a job each). The
   * per-file constant columns come from looking each row's {@code _metadata.file_path} up in a map
   * from file to constants.
   */
  private Dataset<Row> readFiles(
      String format,
      List<String> locations,
      List<List<Column>> constants,
      List<String> constantColumns,
      KernelType.Struct schema) {
    StructType target = SparkTypes.toSpark(schema);
    if (locations.isEmpty()) {
      return spark.createDataFrame(List.of(), target);
    }
    List<KernelType.Field> dataFields = new ArrayList<>();
    for (KernelType.Field field : schema.fields()) {
      if (!constantColumns.contains(field.name()) && !field.metadata().containsKey(METADATA_SPEC)) {
        dataFields.add(field);
      }
    }
    List<URI> uris = locations.stream().map(FileUris::parse).toList();
    DataFrameReader reader =
        spark.read().schema(SparkTypes.toSpark(new KernelType.Struct(dataFields)));
    String[] paths = uris.stream().map(FileUris::readerPath).toArray(String[]::new);
    Dataset<Row> data =
        format.equals("json")
            // A corrupt commit line must fail the read (naming the file), not vanish as NULLs.
            ? reader.option("mode", "FAILFAST").option("timeZone", "UTC").json(paths)
            : reader.parquet(paths);

    Column filePath = col("_metadata.file_path");
    Column fileConstants = null;
    if (!constantColumns.isEmpty()) {
      List<Column> entries = new ArrayList<>();
      for (int i = 0; i < uris.size(); i++) {
        entries.add(lit(FileUris.sparkFilePath(uris.get(i))));
        List<Column> values = new ArrayList<>();
        for (int j = 0; j < constantColumns.size(); j++) {
          values.add(constants.get(i).get(j).alias("c" + j));
        }
        entries.add(struct(values.toArray(Column[]::new)));
      }
      fileConstants = try_element_at(map(entries.toArray(Column[]::new)), filePath);
    }
    List<Column> columns = new ArrayList<>();
    for (KernelType.Field field : schema.fields()) {
      int constant = constantColumns.indexOf(field.name());
      Column column;
      if (constant >= 0) {
        column =
            when(
                    fileConstants.isNull(),
                    raise_error(concat(lit("No file constants for scanned file "), filePath)))
                .otherwise(fileConstants.getField("c" + constant));
      } else if (field.metadata().containsKey(METADATA_SPEC)) {
        column = metadataColumn(format, field);
      } else {
        column = ExpressionTranslator.column(List.of(field.name()));
      }
      columns.add(column.alias(field.name()));
    }
    return Conform.checkRequired(data.select(columns.toArray(Column[]::new)), target);
  }

  private static Column metadataColumn(String format, KernelType.Field field) {
    String spec = field.metadata().get(METADATA_SPEC);
    if (format.equals("parquet") && spec.equals("row_index")) {
      return col("_metadata.row_index");
    }
    throw new UnsupportedOperationException(
        "Unsupported metadata column " + field.name() + " (" + spec + ") in a " + format + " scan");
  }

  private Dataset<Row> values(PlanNode.Values values) {
    StructType target = SparkTypes.toSpark(values.schema());
    if (values.rows().isEmpty()) {
      return spark.createDataFrame(List.of(), target);
    }
    List<Column> rows = new ArrayList<>();
    for (List<Expr.Literal> row : values.rows()) {
      List<Column> fields = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        fields.add(SparkTypes.literal(row.get(i)).alias(target.fields()[i].name()));
      }
      rows.add(struct(fields.toArray(Column[]::new)));
    }
    Dataset<Row> relation = spark.range(1).select(inline(array(rows.toArray(Column[]::new))));
    return Conform.toSchema(relation, target);
  }

  /**
   * Reads the files named by the input rows (resolved against the base URL) as one scan. The input
   * holds few rows (sidecar files), so they are collected on the driver.
   */
  private Dataset<Row> dynamicScan(PlanNode.DynamicScan scan, Dataset<Row> input) {
    String format =
        switch (scan.fileType()) {
          case "PARQUET" -> "parquet";
          case "JSON" -> "json";
          default ->
              throw new UnsupportedOperationException(
                  "DynamicScan of " + scan.fileType() + " files");
        };
    List<Column> selected = new ArrayList<>();
    selected.add(ExpressionTranslator.column(scan.pathColumn()));
    for (String name : scan.constantColumns()) {
      selected.add(ExpressionTranslator.column(List.of(name)));
    }
    if (scan.deletionVectorColumn() != null) {
      selected.add(ExpressionTranslator.column(scan.deletionVectorColumn()));
    }
    List<String> locations = new ArrayList<>();
    List<List<Column>> constants = new ArrayList<>();
    for (Row row : input.select(selected.toArray(Column[]::new)).collectAsList()) {
      String location = FileUris.resolve(scan.baseUrl(), row.getString(0)).toString();
      if (scan.deletionVectorColumn() != null && !row.isNullAt(row.length() - 1)) {
        throw new UnsupportedOperationException(
            "DynamicScan: file " + location + " carries a deletion vector, which is not supported");
      }
      List<Column> values = new ArrayList<>();
      for (int j = 0; j < scan.constantColumns().size(); j++) {
        KernelType type = scan.schema().field(scan.constantColumns().get(j)).type();
        values.add(lit(row.get(j + 1)).cast(SparkTypes.toSpark(type)));
      }
      locations.add(location);
      constants.add(values);
    }
    return readFiles(format, locations, constants, scan.constantColumns(), scan.schema());
  }

  private Dataset<Row> aggregate(PlanNode.Aggregate aggregate, Dataset<Row> input) {
    List<KernelType.Field> output = aggregate.schema().fields();
    int keyCount = aggregate.groupBy().size();
    if (aggregate.aggs().isEmpty() || output.size() != keyCount + aggregate.aggs().size()) {
      throw new IllegalArgumentException(
          "Aggregate needs at least one aggregation and a schema field per key and aggregation");
    }
    List<Column> keys = new ArrayList<>();
    for (int i = 0; i < keyCount; i++) {
      keys.add(ExpressionTranslator.column(aggregate.groupBy().get(i)).alias(output.get(i).name()));
    }
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < aggregate.aggs().size(); i++) {
      aggs.add(aggregation(aggregate.aggs().get(i)).alias(output.get(keyCount + i).name()));
    }
    Column first = aggs.get(0);
    Column[] rest = aggs.subList(1, aggs.size()).toArray(Column[]::new);
    // Ungrouped, Spark's global aggregate yields one row even over no input, as the kernel wants.
    Dataset<Row> result =
        keys.isEmpty()
            ? input.agg(first, rest)
            : input.groupBy(keys.toArray(Column[]::new)).agg(first, rest);
    return Conform.toSchema(result, SparkTypes.toSpark(aggregate.schema()));
  }

  private static Column aggregation(PlanNode.Agg agg) {
    return switch (agg.kind()) {
      case "MIN" -> min(ExpressionTranslator.column(agg.value()));
      case "MAX" -> max(ExpressionTranslator.column(agg.value()));
      case "SUM" -> sum(ExpressionTranslator.column(agg.value()));
      case "COUNT" -> count(ExpressionTranslator.column(agg.value()));
      case "COUNT_STAR" -> count(lit(1));
      case "MIN_NON_NULL_BY" ->
          min_by(ExpressionTranslator.column(agg.value()), qualifyingKey(agg));
      case "MAX_NON_NULL_BY" ->
          max_by(ExpressionTranslator.column(agg.value()), qualifyingKey(agg));
      default -> throw new UnsupportedOperationException("Unsupported aggregation " + agg.kind());
    };
  }

  /**
   * The key of rows whose sentinel is non-NULL, NULL otherwise: min_by/max_by skip NULL keys, and
   * keep a NULL value on the winning row (unlike max or first(ignoreNulls), which would resurrect
   * an older value).
   */
  private static Column qualifyingKey(PlanNode.Agg agg) {
    return when(
        ExpressionTranslator.column(agg.sentinel()).isNotNull(),
        ExpressionTranslator.column(agg.key()));
  }

  /** Semi (anti when inverted) join on NULL-safe key equality: NULLs, nested too, are equal. */
  private static Dataset<Row> semiJoin(
      PlanNode.SemiJoin join, Dataset<Row> probe, Dataset<Row> build) {
    if (join.probeKeys().size() != join.buildKeys().size()) {
      throw new IllegalArgumentException("SemiJoin has unequal probe and build key counts");
    }
    // Build keys under fresh names, so that the condition never confuses the two sides.
    List<Column> buildKeys = new ArrayList<>();
    for (int i = 0; i < join.buildKeys().size(); i++) {
      buildKeys.add(ExpressionTranslator.column(join.buildKeys().get(i)).alias("__build_key_" + i));
    }
    Dataset<Row> keys = build.select(buildKeys.toArray(Column[]::new));
    Column condition = lit(true);
    for (int i = 0; i < join.probeKeys().size(); i++) {
      condition =
          condition.and(
              ExpressionTranslator.column(join.probeKeys().get(i))
                  .eqNullSafe(keys.col("__build_key_" + i)));
    }
    return probe.join(keys, condition, join.inverted() ? "left_anti" : "left_semi");
  }
}
