package dev.deltaffi.plan;

import static dev.deltaffi.plan.ExpressionTranslatorTest.assertFailsWith;
import static dev.deltaffi.plan.Ir.BOOLEAN;
import static dev.deltaffi.plan.Ir.LONG;
import static dev.deltaffi.plan.Ir.STRING;
import static dev.deltaffi.plan.Ir.col;
import static dev.deltaffi.plan.Ir.isNotNull;
import static dev.deltaffi.plan.Ir.lit;
import static dev.deltaffi.plan.Ir.notNull;
import static dev.deltaffi.plan.Ir.nullLit;
import static dev.deltaffi.plan.Ir.nullable;
import static dev.deltaffi.plan.Ir.path;
import static dev.deltaffi.plan.Ir.struct;
import static dev.deltaffi.plan.Ir.structExpr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.deltaffi.kernel.PlanRunner;
import dev.deltaffi.kernel.ir.Expr;
import dev.deltaffi.kernel.ir.KernelType;
import dev.deltaffi.kernel.ir.Plan;
import dev.deltaffi.kernel.ir.PlanNode;
import dev.deltaffi.kernel.ir.Pred;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanTranslatorTest {

  private static SparkSession spark;
  private static PlanRunner runner;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.start();
    runner = new PlanTranslator(spark);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  // --- helpers

  private static PlanNode node(PlanNode.Op op, int... inputs) {
    return new PlanNode(op, inputs);
  }

  private static Plan plan(KernelType.Struct schema, PlanNode... nodes) {
    return new Plan(schema, List.of(nodes));
  }

  /** The rows, as strings, sorted: plans promise no row order. */
  private static List<String> rows(Dataset<Row> relation) {
    return relation.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  private static Path write(String relative, String content) throws IOException {
    Path file = tmp.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    return file;
  }

  /** The kernel's form of a file URL: file:///..., percent-encoded. */
  private static String url(Path file) {
    return file.toUri().toString();
  }

  private static PlanNode.ScanFile scanFile(Path file, Expr.Literal... constants) {
    return new PlanNode.ScanFile(url(file), 0, 0, List.of(constants));
  }

  /** Writes one Parquet file with Spark and moves it to {@code relative}. */
  private static Path writeParquet(String relative, StructType schema, Row... rows)
      throws IOException {
    Path staging = tmp.resolve("staging-" + relative.replace('/', '_'));
    spark.createDataFrame(List.of(rows), schema).coalesce(1).write().parquet(staging.toString());
    Path part;
    try (Stream<Path> files = Files.list(staging)) {
      part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().get();
    }
    Path target = tmp.resolve(relative);
    Files.createDirectories(target.getParent());
    return Files.move(part, target);
  }

  private static Expr.Literal longLit(long value) {
    return lit(value);
  }

  private static PlanNode.Values values(KernelType.Struct schema, List<Expr.Literal>... rows) {
    return new PlanNode.Values(schema, List.of(rows));
  }

  // --- scans

  private static final KernelType.Struct ADD =
      struct(notNull("path", STRING), nullable("size", LONG));
  private static final KernelType.Struct COMMIT_SCHEMA =
      struct(nullable("add", ADD), notNull("version", LONG));

  @Test
  void scanJsonReadsAllFilesInOneScanWithPerFileConstants() throws IOException {
    // A space, a percent sign and glob brackets: encoded in both URL forms, never globbed.
    Path v0 =
        write(
            "tab le%41[x]/_delta_log/00000000000000000000.json",
            "{\"add\":{\"path\":\"a\",\"size\":1}}\n{\"other\":1}\n");
    Path v1 =
        write(
            "tab le%41[x]/_delta_log/00000000000000000001.json",
            "{\"add\":{\"path\":\"b\",\"size\":2}}\n");
    PlanNode.ScanJson scan =
        new PlanNode.ScanJson(
            List.of(scanFile(v0, longLit(0)), scanFile(v1, longLit(1))),
            List.of("version"),
            COMMIT_SCHEMA);
    Dataset<Row> result = runner.toDataFrame(plan(COMMIT_SCHEMA, node(scan)));
    assertEquals(List.of("[[a,1],0]", "[[b,2],1]", "[null,0]"), rows(result));
    assertEquals(SparkTypes.toSpark(COMMIT_SCHEMA), result.schema());
    String physical = result.queryExecution().executedPlan().toString();
    assertEquals(1, physical.split("FileScan json", -1).length - 1, physical);
  }

  @Test
  void scanJsonFailsOnACorruptLineNamingTheFile() throws IOException {
    Path bad =
        write(
            "corrupt/_delta_log/00000000000000000003.json",
            "{\"add\":{\"path\":\"a\",\"size\":1}}\n{\"add\": not json\n");
    PlanNode.ScanJson scan =
        new PlanNode.ScanJson(
            List.of(scanFile(bad, longLit(3))), List.of("version"), COMMIT_SCHEMA);
    Dataset<Row> result = runner.toDataFrame(plan(COMMIT_SCHEMA, node(scan)));
    assertFailsWith("00000000000000000003.json", result::collectAsList);
  }

  @Test
  void scanJsonFailsWhenARequiredFieldIsMissing() throws IOException {
    Path file = write("required/_delta_log/00000000000000000000.json", "{\"add\":{\"size\":1}}\n");
    PlanNode.ScanJson scan =
        new PlanNode.ScanJson(
            List.of(scanFile(file, longLit(0))), List.of("version"), COMMIT_SCHEMA);
    assertFailsWith(
        "add.path", () -> runner.toDataFrame(plan(COMMIT_SCHEMA, node(scan))).collectAsList());
  }

  @Test
  void scanOfNoFilesIsAnEmptyRelationOfTheSchema() {
    for (PlanNode.Op scan :
        List.of(
            new PlanNode.ScanJson(List.of(), List.of("version"), COMMIT_SCHEMA),
            new PlanNode.ScanParquet(List.of(), List.of("version"), COMMIT_SCHEMA))) {
      Dataset<Row> result = runner.toDataFrame(plan(COMMIT_SCHEMA, node(scan)));
      assertEquals(SparkTypes.toSpark(COMMIT_SCHEMA), result.schema());
      assertEquals(0, result.count());
    }
  }

  @Test
  void scanParquetFillsMissingNullableColumnsAndRowIndexes() throws IOException {
    StructType written =
        new StructType().add("a", DataTypes.LongType).add("b", DataTypes.StringType);
    Path file =
        writeParquet(
            "parquet dir/part 0.parquet",
            written,
            RowFactory.create(1L, "x"),
            RowFactory.create(2L, "y"));
    KernelType.Struct schema =
        struct(
            notNull("a", LONG),
            nullable("missing", STRING),
            notNull("version", LONG),
            new KernelType.Field("row", LONG, false, Map.of("delta.metadataSpec", "row_index")));
    PlanNode.ScanParquet scan =
        new PlanNode.ScanParquet(List.of(scanFile(file, longLit(5))), List.of("version"), schema);
    Dataset<Row> result = runner.toDataFrame(plan(schema, node(scan)));
    assertEquals(List.of("[1,null,5,0]", "[2,null,5,1]"), rows(result));
    assertEquals(SparkTypes.toSpark(schema), result.schema());

    KernelType.Struct required = struct(notNull("a", LONG), notNull("absent", STRING));
    PlanNode.ScanParquet strict =
        new PlanNode.ScanParquet(List.of(scanFile(file)), List.of(), required);
    assertFailsWith(
        "absent", () -> runner.toDataFrame(plan(required, node(strict))).collectAsList());
  }

  // --- values, project, filter

  @Test
  void valuesProduceTheirRowsOrNone() {
    KernelType.Struct inner = struct(nullable("city", STRING));
    KernelType.Struct schema = struct(notNull("id", LONG), nullable("address", inner));
    PlanNode.Values two =
        values(
            schema,
            List.of(lit(1L), lit(inner, List.of(lit("NYC")))),
            List.of(lit(2L), nullLit(inner)));
    Dataset<Row> result = runner.toDataFrame(plan(schema, node(two)));
    assertEquals(List.of("[1,[NYC]]", "[2,null]"), rows(result));
    assertEquals(SparkTypes.toSpark(schema), result.schema());
    Dataset<Row> none = runner.toDataFrame(plan(schema, node(values(schema))));
    assertEquals(0, none.count());
    assertEquals(SparkTypes.toSpark(schema), none.schema());
  }

  private static final KernelType.Struct AB = struct(nullable("a", LONG), nullable("b", STRING));

  private static PlanNode abRows() {
    return node(
        values(
            AB,
            List.of(lit(1L), lit("one")),
            List.of(lit(2L), nullLit(STRING)),
            List.of(nullLit(LONG), lit("three"))));
  }

  @Test
  void projectTakesNamesAndNullabilityFromItsSchemaByPosition() {
    KernelType.Struct schema =
        struct(
            nullable("x.y", STRING),
            notNull("is_a", BOOLEAN),
            nullable("nested", struct(nullable("n", LONG))));
    Expr expr = structExpr(col("b"), Ir.predicate(isNotNull(col("a"))), structExpr(col("a")));
    Dataset<Row> result =
        runner.toDataFrame(plan(schema, abRows(), node(new PlanNode.Project(expr, schema), 0)));
    assertEquals(SparkTypes.toSpark(schema), result.schema());
    assertEquals(
        List.of("[null,true,[2]]", "[one,true,[1]]", "[three,false,[null]]"), rows(result));

    KernelType.Struct strict = struct(notNull("b", STRING));
    Plan violating =
        plan(strict, abRows(), node(new PlanNode.Project(structExpr(col("b")), strict), 0));
    assertFailsWith(
        "NULL value appeared in non-nullable field",
        () -> runner.toDataFrame(violating).collectAsList());
  }

  @Test
  void filterKeepsOnlyTrueRows() {
    Pred aIsOne = Ir.binary("EQUAL", col("a"), lit(1L));
    Dataset<Row> result =
        runner.toDataFrame(plan(AB, abRows(), node(new PlanNode.Filter(aIsOne), 0)));
    assertEquals(List.of("[1,one]"), rows(result));
    // NOT(a = 1) is NULL on the third row, which is dropped as well.
    Dataset<Row> negated =
        runner.toDataFrame(plan(AB, abRows(), node(new PlanNode.Filter(new Pred.Not(aIsOne)), 0)));
    assertEquals(List.of("[2,null]"), rows(negated));
  }

  @Test
  void outputSchemaIsThePlanSchemaEvenWhereSparkKnowsMore() {
    // Spark infers `a` non-null after the filter; the plan still declares it nullable.
    Dataset<Row> result =
        runner.toDataFrame(plan(AB, abRows(), node(new PlanNode.Filter(isNotNull(col("a"))), 0)));
    assertEquals(SparkTypes.toSpark(AB), result.schema());
    assertEquals(List.of("[1,one]", "[2,null]"), rows(result));
  }

  // --- aggregate

  private static final KernelType.Struct GROUPED_INPUT =
      struct(
          nullable("g", STRING), nullable("v", LONG), nullable("s", STRING), nullable("k", LONG));

  private static PlanNode groupedRows() {
    return node(
        values(
            GROUPED_INPUT,
            List.of(lit("a"), lit(1L), lit("x"), lit(1L)),
            List.of(lit("a"), lit(2L), lit("x"), lit(3L)),
            List.of(lit("a"), nullLit(LONG), lit("x"), lit(5L)), // winning key, NULL value
            List.of(lit("a"), lit(9L), nullLit(STRING), lit(7L)), // NULL sentinel: ignored
            List.of(lit("a"), lit(8L), lit("x"), nullLit(LONG)), // NULL key: ignored
            List.of(lit("b"), lit(4L), lit("x"), lit(2L))));
  }

  private static List<PlanNode.Agg> everyAggregation() {
    return List.of(
        new PlanNode.Agg("MIN", path("v"), null, null),
        new PlanNode.Agg("MAX", path("v"), null, null),
        new PlanNode.Agg("SUM", path("v"), null, null),
        new PlanNode.Agg("COUNT", path("v"), null, null),
        new PlanNode.Agg("COUNT_STAR", null, null, null),
        new PlanNode.Agg("MIN_NON_NULL_BY", path("v"), path("s"), path("k")),
        new PlanNode.Agg("MAX_NON_NULL_BY", path("v"), path("s"), path("k")));
  }

  private static final List<KernelType.Field> AGG_FIELDS =
      List.of(
          nullable("min", LONG),
          nullable("max", LONG),
          nullable("sum", LONG),
          notNull("count", LONG),
          notNull("count_star", LONG),
          nullable("min_by", LONG),
          nullable("max_by", LONG));

  @Test
  void groupedAggregateComputesEveryKind() {
    List<KernelType.Field> fields = new ArrayList<>(List.of(nullable("group", STRING)));
    fields.addAll(AGG_FIELDS);
    KernelType.Struct schema = new KernelType.Struct(fields);
    PlanNode.Aggregate aggregate =
        new PlanNode.Aggregate(List.of(path("g")), everyAggregation(), schema);
    Dataset<Row> result = runner.toDataFrame(plan(schema, groupedRows(), node(aggregate, 0)));
    assertEquals(SparkTypes.toSpark(schema), result.schema());
    assertEquals(List.of("[a,1,9,20,4,5,1,null]", "[b,4,4,4,1,1,4,4]"), rows(result));
  }

  @Test
  void ungroupedAggregateYieldsOneRowEvenOverNoInput() {
    KernelType.Struct schema = new KernelType.Struct(AGG_FIELDS);
    PlanNode.Aggregate aggregate = new PlanNode.Aggregate(List.of(), everyAggregation(), schema);
    Dataset<Row> all = runner.toDataFrame(plan(schema, groupedRows(), node(aggregate, 0)));
    assertEquals(List.of("[1,9,24,5,6,1,null]"), rows(all));
    Dataset<Row> none =
        runner.toDataFrame(plan(schema, node(values(GROUPED_INPUT)), node(aggregate, 0)));
    assertEquals(List.of("[null,null,null,0,0,null,null]"), rows(none));
    assertEquals(SparkTypes.toSpark(schema), none.schema());
  }

  // --- joins and unions

  private static final KernelType.Struct DV =
      struct(notNull("storageType", STRING), nullable("offset", LONG));
  private static final KernelType.Struct KEY = struct(nullable("path", STRING), nullable("dv", DV));
  private static final KernelType.Struct KEYED = struct(nullable("key", KEY), nullable("n", LONG));

  private static Expr.Literal key(String path, Expr.Literal dv) {
    return lit(KEY, List.of(path == null ? nullLit(STRING) : lit(path), dv));
  }

  private static Expr.Literal dv(String storage, Long offset) {
    return lit(DV, List.of(lit(storage), offset == null ? nullLit(LONG) : lit(offset)));
  }

  @Test
  void semiAndAntiJoinTreatNullsAsEqualAtEveryDepth() {
    PlanNode probe =
        node(
            values(
                KEYED,
                List.of(key("a", nullLit(DV)), lit(1L)),
                List.of(key("b", dv("u", null)), lit(2L)),
                List.of(key("c", dv("u", 4L)), lit(3L)),
                List.of(nullLit(KEY), lit(4L))));
    PlanNode build =
        node(
            values(
                KEYED,
                List.of(key("a", nullLit(DV)), lit(10L)),
                List.of(key("b", dv("u", null)), lit(20L)),
                List.of(key("c", dv("u", 5L)), lit(30L)),
                List.of(nullLit(KEY), lit(40L))));
    List<List<String>> keys = List.of(path("key"));
    Dataset<Row> semi =
        runner.toDataFrame(
            plan(KEYED, probe, build, node(new PlanNode.SemiJoin(false, keys, keys), 0, 1)));
    assertEquals(List.of("[[a,null],1]", "[[b,[u,null]],2]", "[null,4]"), rows(semi));
    Dataset<Row> anti =
        runner.toDataFrame(
            plan(KEYED, probe, build, node(new PlanNode.SemiJoin(true, keys, keys), 0, 1)));
    assertEquals(List.of("[[c,[u,4]],3]"), rows(anti));
  }

  @Test
  void unionAllConcatenatesAnyNumberOfInputsByPosition() {
    KernelType.Struct other = struct(nullable("z", LONG), nullable("w", STRING));
    Dataset<Row> result =
        runner.toDataFrame(
            plan(
                AB,
                abRows(),
                node(values(other, List.of(lit(7L), lit("seven")))),
                abRows(),
                node(new PlanNode.UnionAll(), 0, 1, 2)));
    assertEquals(SparkTypes.toSpark(AB), result.schema());
    assertEquals(7, result.count());
    assertTrue(rows(result).contains("[7,seven]"));
  }

  // --- dynamic scan and the DAG

  private static final KernelType.Struct SIDECAR_FILES =
      struct(
          notNull("path", STRING),
          notNull("size", LONG),
          notNull("filemod", LONG),
          nullable("version", LONG),
          nullable("dv", DV));
  private static final KernelType.Struct SIDECAR_ROWS =
      struct(nullable("a", LONG), nullable("version", LONG));

  private static PlanNode.DynamicScan dynamicScan(String baseUrl) {
    return new PlanNode.DynamicScan(
        SIDECAR_ROWS,
        "PARQUET",
        baseUrl,
        List.of("version"),
        path("path"),
        path("size"),
        path("filemod"),
        path("dv"));
  }

  private static List<Expr.Literal> sidecar(String path, long version, Expr.Literal dv) {
    return List.of(lit(path), lit(0L), lit(0L), lit(version), dv);
  }

  @Test
  void dynamicScanResolvesPathsAgainstTheBaseUrlAndReadsOnce() throws Exception {
    StructType written = new StructType().add("a", DataTypes.LongType);
    Path first = writeParquet("side cars/_sidecars/one.parquet", written, RowFactory.create(1L));
    Path second = writeParquet("elsewhere/two 2.parquet", written, RowFactory.create(2L));
    String base = url(first.getParent());
    assertTrue(base.endsWith("/") && base.contains("%20"), base);
    PlanNode files =
        node(
            values(
                SIDECAR_FILES,
                sidecar("one.parquet", 7, nullLit(DV)),
                sidecar(url(second), 8, nullLit(DV)))); // an absolute URL replaces the base
    // The scan feeds two consumers: it must be built (and its input collected) once.
    Pred always = new Pred.BooleanExpression(lit(true));
    Plan plan =
        plan(
            SIDECAR_ROWS,
            files,
            node(dynamicScan(base), 0),
            node(new PlanNode.Filter(always), 1),
            node(new PlanNode.Filter(always), 1),
            node(new PlanNode.UnionAll(), 2, 3));
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart jobStart) {
            jobs.incrementAndGet();
          }
        };
    spark.sparkContext().addSparkListener(counter);
    Dataset<Row> result;
    try {
      result = runner.toDataFrame(plan);
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
    assertEquals(1, jobs.get());
    assertEquals(List.of("[1,7]", "[1,7]", "[2,8]", "[2,8]"), rows(result));
  }

  @Test
  void dynamicScanRejectsAFileWithADeletionVector() throws IOException {
    StructType written = new StructType().add("a", DataTypes.LongType);
    Path file = writeParquet("dv/_sidecars/one.parquet", written, RowFactory.create(1L));
    PlanNode files = node(values(SIDECAR_FILES, sidecar("one.parquet", 1, dv("u", 1L))));
    Plan plan = plan(SIDECAR_ROWS, files, node(dynamicScan(url(file.getParent())), 0));
    assertFailsWith("deletion vector", () -> runner.toDataFrame(plan));
  }

  @Test
  void unsupportedOperatorsFailNamingTheOperator() {
    assertFailsWith(
        "RelationSource",
        () -> runner.toDataFrame(plan(AB, node(new PlanNode.RelationSource("r1", AB)))));
    assertFailsWith(
        "write_json",
        () ->
            runner.toDataFrame(
                plan(AB, abRows(), node(new PlanNode.Unsupported("write_json"), 0))));
  }

  // --- a protocol-and-metadata replay, as the kernel plans it

  @Test
  void protocolMetadataReplayPicksTheLatestNonNullActions() throws IOException {
    KernelType.Struct protocol =
        struct(notNull("minReaderVersion", new KernelType.Primitive("integer")));
    KernelType.Struct metadata = struct(notNull("id", STRING), nullable("name", STRING));
    KernelType.Struct actions =
        struct(
            nullable("protocol", protocol),
            nullable("metaData", metadata),
            notNull("version", LONG));
    StructType checkpointSchema =
        new StructType()
            .add("protocol", new StructType().add("minReaderVersion", DataTypes.IntegerType))
            .add(
                "metaData",
                new StructType().add("id", DataTypes.StringType).add("name", DataTypes.StringType));
    Path checkpoint =
        writeParquet(
            "pm/_delta_log/00000000000000000002.checkpoint.parquet",
            checkpointSchema,
            RowFactory.create(RowFactory.create(1), null),
            RowFactory.create(null, RowFactory.create("id-1", "old")));
    Path v3 =
        write(
            "pm/_delta_log/00000000000000000003.json",
            "{\"metaData\":{\"id\":\"id-1\",\"name\":null}}\n{\"add\":{\"path\":\"x\"}}\n");
    Path v4 = write("pm/_delta_log/00000000000000000004.json", "{\"commitInfo\":{}}\n");
    KernelType.Struct result =
        struct(
            nullable("protocol", protocol),
            nullable("metaData", metadata),
            nullable("protocol_version", LONG),
            nullable("metadata_version", LONG));
    Pred relevant =
        new Pred.Junction(
            "OR",
            List.of(
                isNotNull(col("protocol", "minReaderVersion")), isNotNull(col("metaData", "id"))));
    Plan plan =
        plan(
            result,
            node(
                new PlanNode.ScanJson(
                    List.of(scanFile(v3, longLit(3)), scanFile(v4, longLit(4))),
                    List.of("version"),
                    actions)),
            node(
                new PlanNode.ScanParquet(
                    List.of(scanFile(checkpoint, longLit(2))), List.of("version"), actions)),
            node(new PlanNode.UnionAll(), 0, 1),
            node(new PlanNode.Filter(relevant), 2),
            node(
                new PlanNode.Aggregate(
                    List.of(),
                    List.of(
                        new PlanNode.Agg(
                            "MAX_NON_NULL_BY", path("protocol"), path("protocol"), path("version")),
                        new PlanNode.Agg(
                            "MAX_NON_NULL_BY", path("metaData"), path("metaData"), path("version")),
                        new PlanNode.Agg(
                            "MAX_NON_NULL_BY", path("version"), path("protocol"), path("version")),
                        new PlanNode.Agg(
                            "MAX_NON_NULL_BY", path("version"), path("metaData"), path("version"))),
                    result),
                3));
    Dataset<Row> replayed = runner.toDataFrame(plan);
    assertEquals(SparkTypes.toSpark(result), replayed.schema());
    // The newest metadata (version 3) wins with its NULL name; the protocol comes from version 2.
    assertEquals(List.of("[[1],[id-1,null],2,3]"), rows(replayed));
    // The kernel's filter on required leaf fields reaches the Parquet reader (row-group skipping).
    String physical = replayed.queryExecution().executedPlan().toString();
    assertTrue(
        physical.contains("PushedFilters: [Or(IsNotNull(protocol.minReaderVersion)"), physical);
  }
}
