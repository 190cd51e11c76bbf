package dev.deltaffi.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.AliasIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.AnalysisContext;
import org.apache.spark.sql.catalyst.analysis.RelationTimeTravel;
import org.apache.spark.sql.catalyst.analysis.ResolvedTable;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.catalyst.catalog.CatalogUtils;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.AnalyzeColumn;
import org.apache.spark.sql.catalyst.plans.logical.AnalyzeTable;
import org.apache.spark.sql.catalyst.plans.logical.CreateTable;
import org.apache.spark.sql.catalyst.plans.logical.CreateTableAsSelect;
import org.apache.spark.sql.catalyst.plans.logical.DescribeColumn;
import org.apache.spark.sql.catalyst.plans.logical.DescribeRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.RefreshTable;
import org.apache.spark.sql.catalyst.plans.logical.ReplaceTableAsSelect;
import org.apache.spark.sql.catalyst.plans.logical.ShowColumns;
import org.apache.spark.sql.catalyst.plans.logical.ShowCreateTable;
import org.apache.spark.sql.catalyst.plans.logical.ShowPartitions;
import org.apache.spark.sql.catalyst.plans.logical.ShowTableProperties;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.TableSpecBase;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.catalyst.streaming.StreamingRelationV2;
import org.apache.spark.sql.catalyst.types.DataTypeUtils;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.connector.catalog.CatalogV2Util;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractPartialFunction;

/**
 * Catalog tables created with {@code USING delta-ffi LOCATION '...'}, read as delta-ffi's
 * DataSource V2 table in every session. Spark's session catalog hands a custom session catalog
 * (delta-spark's {@code DeltaCatalog}) such a table as a V1 table, and Spark's V1 path only reads
 * V1 sources, so the table is resolved here, before Spark's relation resolution (with the hint
 * rules): reads, streams, {@code VERSION AS OF} / {@code TIMESTAMP AS OF}, {@code DESCRIBE TABLE}
 * (schema, partitioning and properties from the Delta log, never from the catalog). Writes and
 * managed tables are refused: delta-ffi is read-only. {@code DROP TABLE} is Spark's: the table is
 * EXTERNAL, so its data stays.
 */
final class CatalogTables extends Rule<LogicalPlan> {
  private final SparkSession session;

  CatalogTables(SparkSession session) {
    this.session = session;
  }

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return plan.resolveOperatorsDown(
        new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
          @Override
          public boolean isDefinedAt(LogicalPlan node) {
            return node instanceof UnresolvedRelation
                || node instanceof RelationTimeTravel
                || node instanceof UnresolvedTableValuedFunction
                || METADATA_COMMANDS.stream().anyMatch(command -> command.isInstance(node))
                || SqlRelations.writeTarget(node) != null
                || node instanceof CreateTable
                || node instanceof CreateTableAsSelect
                || node instanceof ReplaceTableAsSelect;
          }

          @Override
          public LogicalPlan apply(LogicalPlan node) {
            return DeltaFfiErrors.asSparkErrors(() -> resolve(node));
          }
        });
  }

  /** The node with a delta-ffi catalog table in it resolved; any other node as it is. */
  private LogicalPlan resolve(LogicalPlan node) {
    if (node instanceof RelationTimeTravel travel
        && travel.relation() instanceof UnresolvedRelation relation) {
      return find(relation.multipartIdentifier())
          .<LogicalPlan>map(
              table -> {
                Map<String, String> options = options(table, relation);
                options.putAll(SqlRelations.timeTravelOptions(session, travel));
                return relation(table, options);
              })
          .orElse(node);
    }
    if (node instanceof UnresolvedRelation relation) {
      return find(relation.multipartIdentifier())
          .<LogicalPlan>map(
              table ->
                  relation.isStreaming()
                      ? streamingRelation(table, options(table, relation))
                      : relation(table, options(table, relation)))
          .orElse(node);
    }
    if (node instanceof UnresolvedTableValuedFunction function
        && function.name().size() == 1
        && function.name().head().equalsIgnoreCase(TABLE_CHANGES)) {
      return changesTable(function).orElse(node);
    }
    if (METADATA_COMMANDS.stream().anyMatch(command -> command.isInstance(node))) {
      return node.mapChildren(
          new AbstractFunction1<LogicalPlan, LogicalPlan>() {
            @Override
            public LogicalPlan apply(LogicalPlan child) {
              return resolvedTable(child).orElse(child);
            }
          });
    }
    LogicalPlan target = SqlRelations.writeTarget(node);
    if (target != null) {
      // Spark's session catalog would store a change to the table; the Delta log, which
      // delta-ffi reads, would never see it.
      SqlRelations.nameParts(target)
          .flatMap(this::find)
          .ifPresent(
              table -> {
                throw DeltaFfiErrors.<RuntimeException>undeclared(
                    DeltaFfiErrors.readOnly(table.identifier().unquotedString()));
              });
      return node;
    }
    if (node instanceof CreateTable create && isDeltaFfi(create.tableSpec())) {
      Option<String> location = create.tableSpec().location();
      if (location.isEmpty()) {
        throw DeltaFfiErrors.<RuntimeException>undeclared(
            DeltaFfiErrors.readOnly(
                "a new managed table (CREATE TABLE ... USING delta-ffi needs the LOCATION of an"
                    + " existing Delta table)"));
      }
      // Refuse a location that holds no Delta table now, not at the first read.
      DeltaFfiTable.openSnapshot(
              session, ReadOptions.parse(Map.of(DeltaOptions.PATH.key, location.get()), false))
          .close();
      return node;
    }
    if ((node instanceof CreateTableAsSelect ctas && isDeltaFfi(ctas.tableSpec()))
        || (node instanceof ReplaceTableAsSelect rtas && isDeltaFfi(rtas.tableSpec()))) {
      throw DeltaFfiErrors.<RuntimeException>undeclared(
          DeltaFfiErrors.readOnly("a table created AS SELECT"));
    }
    return node;
  }

  /**
   * Commands that read a table's metadata (or refuse V2 tables): the delta-ffi table they name is
   * resolved as Spark resolves a V2 table, so they show the Delta log's schema and properties (a
   * custom session catalog would hand them the empty V1 entry).
   */
  private static final List<Class<? extends LogicalPlan>> METADATA_COMMANDS =
      List.of(
          DescribeRelation.class,
          DescribeColumn.class,
          ShowTableProperties.class,
          ShowColumns.class,
          ShowCreateTable.class,
          ShowPartitions.class,
          RefreshTable.class,
          AnalyzeTable.class,
          AnalyzeColumn.class);

  /** {@code plan} resolved to the delta-ffi table it names, which nothing will scan. */
  private Optional<LogicalPlan> resolvedTable(LogicalPlan plan) {
    return SqlRelations.nameParts(plan)
        .flatMap(this::find)
        .map(
            table -> {
              Table loaded = load(table, options(table, null));
              if (loaded instanceof DeltaFfiTable deltaFfiTable) {
                deltaFfiTable.releaseSnapshot(); // described, never scanned
              }
              return ResolvedTable.create(sessionCatalog(), identifier(table), loaded);
            });
  }

  /**
   * delta-spark's {@code table_changes(table, start [, end])} on a delta-ffi table: its change data
   * feed, with each bound a version (an integer) or a timestamp (a string in the session time
   * zone). Empty for any other table, which delta-spark's function (when its extension is set)
   * reads.
   */
  private Optional<LogicalPlan> changesTable(UnresolvedTableValuedFunction function) {
    List<Expression> arguments = CollectionConverters.asJava(function.functionArgs());
    if (arguments.isEmpty()
        || !(arguments.get(0) instanceof Literal name)
        || !(name.value() instanceof UTF8String tableName)) {
      return Optional.empty();
    }
    Optional<CatalogTable> found;
    try {
      found =
          find(session.sessionState().sqlParser().parseMultipartIdentifier(tableName.toString()));
    } catch (ParseException e) {
      return Optional.empty(); // no table name: Spark's (or delta-spark's) error
    }
    if (found.isEmpty()) {
      return Optional.empty();
    }
    CatalogTable table = found.get();
    if (arguments.size() < 2 || arguments.size() > 3) {
      throw new ReadOptions.InvalidOptionException(
          TABLE_CHANGES
              + " takes a table name, a starting version or timestamp, and optionally an ending"
              + " one; got "
              + arguments.size()
              + " arguments for "
              + table.identifier().unquotedString());
    }
    Map<String, String> options = options(table, null);
    options.put(DeltaOptions.READ_CHANGE_FEED.key, "true");
    bound(table, arguments.get(1), DeltaOptions.STARTING_VERSION, DeltaOptions.STARTING_TIMESTAMP)
        .forEach(options::put);
    if (arguments.size() == 3) {
      bound(table, arguments.get(2), DeltaOptions.ENDING_VERSION, DeltaOptions.ENDING_TIMESTAMP)
          .forEach(options::put);
    }
    return Optional.of(relation(table, options));
  }

  /**
   * A bound of {@code table_changes}: a version option for an integer, a timestamp for a string.
   */
  private static Map<String, String> bound(
      CatalogTable table, Expression argument, DeltaOptions version, DeltaOptions timestamp) {
    if (argument instanceof Literal literal && literal.value() != null) {
      if (literal.dataType() instanceof IntegerType || literal.dataType() instanceof LongType) {
        return Map.of(version.key, literal.value().toString());
      }
      if (literal.dataType() instanceof StringType) {
        return Map.of(timestamp.key, literal.value().toString());
      }
    }
    throw new ReadOptions.InvalidOptionException(
        TABLE_CHANGES
            + " of "
            + table.identifier().unquotedString()
            + " takes a version (an integer) or a timestamp (a string) as a bound, not "
            + argument);
  }

  private static final String TABLE_CHANGES = "table_changes";

  private static boolean isDeltaFfi(TableSpecBase spec) {
    return spec.provider().isDefined()
        && spec.provider().get().equalsIgnoreCase(DeltaFfiDataSource.SHORT_NAME);
  }

  /**
   * The session catalog's table {@code nameParts} names, when it is a delta-ffi table; a temporary
   * view of that name hides it, as in Spark's own resolution.
   */
  Optional<CatalogTable> find(Seq<String> nameParts) {
    SessionCatalog catalog = session.sessionState().catalog();
    List<String> parts = CollectionConverters.asJava(nameParts);
    if (parts.isEmpty() || parts.size() > 3 || catalog.isTempView(nameParts)) {
      return Optional.empty();
    }
    String sessionCatalogName = CatalogManager.SESSION_CATALOG_NAME();
    List<String> qualified;
    if (parts.size() == 3) {
      qualified = parts;
    } else {
      // Unqualified names resolve in the view's namespace while a view's text is analysed.
      List<String> current =
          AnalysisContext.get().catalogAndNamespace().isEmpty()
              ? currentCatalogAndNamespace()
              : CollectionConverters.asJava(AnalysisContext.get().catalogAndNamespace());
      if (parts.size() == 2) {
        qualified = List.of(current.get(0), parts.get(0), parts.get(1));
      } else if (current.size() == 2) {
        qualified = List.of(current.get(0), current.get(1), parts.get(0));
      } else {
        return Optional.empty();
      }
    }
    if (!qualified.get(0).equalsIgnoreCase(sessionCatalogName)) {
      return Optional.empty();
    }
    TableIdentifier identifier =
        new TableIdentifier(
            qualified.get(2), Option.apply(qualified.get(1)), Option.apply(sessionCatalogName));
    if (!catalog.tableExists(identifier)) {
      return Optional.empty();
    }
    CatalogTable table;
    try {
      table = catalog.getTableMetadata(identifier);
    } catch (AnalysisException e) {
      return Optional.empty(); // dropped since
    }
    boolean deltaFfi =
        table.provider().isDefined()
            && table
                .provider()
                .get()
                .toLowerCase(Locale.ROOT)
                .equals(DeltaFfiDataSource.SHORT_NAME);
    return deltaFfi ? Optional.of(table) : Optional.empty();
  }

  private List<String> currentCatalogAndNamespace() {
    CatalogManager manager = session.sessionState().catalogManager();
    List<String> current = new ArrayList<>();
    current.add(manager.currentCatalog().name());
    current.addAll(List.of(manager.currentNamespace()));
    return current;
  }

  /** The read options of a catalog table: its own (CREATE TABLE ... OPTIONS), the read's, path. */
  private static Map<String, String> options(CatalogTable table, UnresolvedRelation relation) {
    Map<String, String> options =
        new HashMap<>(CollectionConverters.asJava(table.storage().properties()));
    if (relation != null) {
      options.putAll(relation.options().asCaseSensitiveMap());
    }
    options.put(DeltaOptions.PATH.key, CatalogUtils.URIToString(table.location()));
    return options;
  }

  /** What the catalog adds to the table's properties, as delta-spark's table adds it. */
  private static Map<String, String> catalogProperties(CatalogTable table) {
    Map<String, String> properties = new HashMap<>();
    if (table.tableType().equals(CatalogTableType.EXTERNAL())) {
      properties.put(TableCatalog.PROP_EXTERNAL, "true");
    }
    if (table.owner() != null && !table.owner().isEmpty()) {
      properties.put(TableCatalog.PROP_OWNER, table.owner());
    }
    CollectionConverters.asJava(table.storage().properties())
        .forEach((key, value) -> properties.put(TableCatalog.OPTION_PREFIX + key, value));
    return properties;
  }

  private Table load(CatalogTable table, Map<String, String> options) {
    return load(table, options, false);
  }

  private Table load(CatalogTable table, Map<String, String> options, boolean streaming) {
    return DeltaFfiDataSource.load(
        session, ReadOptions.parse(options, streaming), catalogProperties(table));
  }

  /**
   * The table's relation under its qualified name. The relation names no catalog: Spark would check
   * the table again through the session catalog at execution, which hands a custom session
   * catalog's caller the V1 table (with the empty schema a delta-ffi table is stored with).
   */
  private LogicalPlan relation(CatalogTable table, Map<String, String> options) {
    return alias(
        table,
        SqlRelations.relation(load(table, options), options, Option.empty(), Option.empty()));
  }

  /**
   * The relation of a stream of the table ({@code readStream.table}), as Spark's analyzer makes it
   * for a V2 table, under its qualified name; like {@link #relation}, it names no catalog.
   */
  private LogicalPlan streamingRelation(CatalogTable table, Map<String, String> options) {
    Table loaded = load(table, options, true);
    LogicalPlan relation =
        new StreamingRelationV2(
            Option.empty(),
            loaded.name(),
            loaded,
            new CaseInsensitiveStringMap(options),
            DataTypeUtils.toAttributes(CatalogV2Util.v2ColumnsToStructType(loaded.columns())),
            Option.empty(),
            Option.empty(),
            Option.empty(),
            StreamingRelationV2.apply$default$9());
    return alias(table, relation);
  }

  private static LogicalPlan alias(CatalogTable table, LogicalPlan relation) {
    List<String> qualifier = List.of(CatalogManager.SESSION_CATALOG_NAME(), table.database());
    return new SubqueryAlias(
        new AliasIdentifier(
            table.identifier().table(), CollectionConverters.asScala(qualifier).toSeq()),
        relation);
  }

  private TableCatalog sessionCatalog() {
    return (TableCatalog) session.sessionState().catalogManager().v2SessionCatalog();
  }

  private static Identifier identifier(CatalogTable table) {
    return Identifier.of(new String[] {table.database()}, table.identifier().table());
  }
}
