package dev.deltaffi.kernel.ir;

/**
 * Callbacks the native plan walker makes, in the seed's visitor style: every call builds one object
 * and returns its id; composite objects receive their children's ids. Children are always visited
 * before their parents. Column names and paths arrive as String[] segments.
 */
public interface KernelVisitor {

  // --- types
  int primitiveType(String name);

  int decimalType(int precision, int scale);

  int arrayType(int element, boolean containsNull);

  int mapType(int key, int value, boolean valueContainsNull);

  int structField(
      String name, int type, boolean nullable, String[] metadataKeys, String[] metadataValues);

  /**
   * A struct type this visitor already built for a schema with the same 128-bit content key (the
   * walker skips visiting it again), or -1 when there is none.
   */
  int knownStructType(long keyHigh, long keyLow);

  /** A struct type of these fields, whose schema has the given content key. */
  int structType(int[] fields, long keyHigh, long keyLow);

  // --- literals (each returns an Expr.Literal)
  int nullLiteral(int type);

  int booleanLiteral(boolean value);

  int byteLiteral(byte value);

  int shortLiteral(short value);

  int intLiteral(int value);

  int longLiteral(long value);

  int floatLiteral(float value);

  int doubleLiteral(double value);

  int stringLiteral(String value);

  int binaryLiteral(byte[] value);

  /** unscaled: two's-complement big-endian bytes of the unscaled value. */
  int decimalLiteral(byte[] unscaled, int precision, int scale);

  int dateLiteral(int daysSinceEpoch);

  int timestampLiteral(long microsSinceEpoch);

  int timestampNtzLiteral(long microsSinceEpoch);

  int structLiteral(int type, int[] values);

  int arrayLiteral(int type, int[] elements);

  int mapLiteral(int type, int[] keys, int[] values);

  // --- expressions
  int column(String[] path);

  int predicateExpression(int predicate);

  /** keep is -1 when the struct is always kept. */
  int structExpression(int[] fields, int keep);

  int fieldPatch(boolean keepInput, int[] insertions, boolean optional);

  int structPatch(
      String[] inputPath,
      String[] patchedFields,
      int[] fieldPatches,
      int[] prepended,
      int[] appended);

  int unaryExpression(String op, int child);

  int binaryExpression(String op, int left, int right);

  int variadicExpression(String op, int[] children);

  int parseJson(int json, int schema);

  /** timezone is null for UTC. */
  int mapToStruct(int map, String timezone);

  int cast(int child, int type);

  int unsupportedExpression(String kind, String description);

  // --- predicates
  int booleanPredicate(int expr);

  int notPredicate(int predicate);

  int isNullPredicate(int expr);

  int binaryPredicate(String op, int left, int right);

  int junctionPredicate(String op, int[] children);

  int unsupportedPredicate(String kind, String description);

  // --- plan operators
  int columnName(String[] path);

  /**
   * A Parquet scan, its files column-wise: file i is at locations[i], of sizes[i] bytes, modified
   * at lastModified[i] (ms); rowMajorConstants holds files * constantColumns.length literal ids,
   * each file's constants in column order.
   */
  int scanParquet(
      String[] locations,
      long[] sizes,
      long[] lastModified,
      int[] rowMajorConstants,
      String[] constantColumns,
      int schema);

  /** A JSON scan, its files as {@link #scanParquet}'s. */
  int scanJson(
      String[] locations,
      long[] sizes,
      long[] lastModified,
      int[] rowMajorConstants,
      String[] constantColumns,
      int schema);

  /** rowMajorLiterals holds rows * schema-width literal ids. */
  int values(int schema, int[] rowMajorLiterals);

  int relationSource(String id, int schema);

  int project(int expr, int schema);

  int filter(int predicate);

  /** Column arguments are columnName ids; deletionVectorColumn is -1 when absent. */
  int dynamicScan(
      int schema,
      String fileType,
      String baseUrl,
      String[] constantColumns,
      int pathColumn,
      int sizeColumn,
      int lastModifiedColumn,
      int deletionVectorColumn);

  /** Column arguments are columnName ids, -1 where the kind has no such operand. */
  int aggregation(String kind, int value, int sentinel, int key);

  int aggregate(int[] groupBy, int[] aggregations, int schema);

  int semiJoin(boolean inverted, int[] probeKeys, int[] buildKeys);

  int unionAll();

  int unsupportedOperator(String name);

  int planNode(int op, int[] inputs);

  int plan(int schema, int[] nodes);
}
