package dev.deltaffi.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FileUrisTest {

  @Test
  void resolvesReferencesAsUrisNotStrings() {
    String base = "file:///t/a%20b/_delta_log/_sidecars/";
    assertEquals(
        "file:/t/a%20b/_delta_log/_sidecars/x.parquet",
        FileUris.resolve(base, "x.parquet").toString());
    assertEquals(
        "file:/t/a%20b/_delta_log/y%20z.parquet",
        FileUris.resolve(base, "../y z.parquet").toString());
    assertEquals(
        "file:/elsewhere/w.parquet", FileUris.resolve(base, "/elsewhere/w.parquet").toString());
    assertEquals(
        "s3://bucket/k%5B1%5D.parquet",
        FileUris.resolve(base, "s3://bucket/k[1].parquet").toString());
  }

  @Test
  void aColonInTheFirstSegmentIsAPathNotAScheme() {
    String root = "file:///t/";
    assertEquals(
        "file:/t/time=1971-07-22T03:06:40.000000Z/p.parquet",
        FileUris.resolve(root, "time=1971-07-22T03:06:40.000000Z/p.parquet").toString());
    assertEquals("s3://b/x:y/p.parquet", FileUris.resolve(root, "s3://b/x:y/p.parquet").toString());
  }

  @Test
  void keepsEscapesAndEncodesWhatAUriCannotHold() {
    assertEquals(
        "file:///a/50%25/b%20c%C3%A9", FileUris.parse("file:///a/50%25/b c\u00e9").toString());
  }

  @Test
  void readerPathIsDecodedAndFilePathIsSparksForm() {
    var uri = FileUris.parse("file:///a/b%20c/50%25/x.json");
    assertEquals("file:/a/b c/50%/x.json", FileUris.readerPath(uri));
    assertEquals(
        "file:/a/g\\[x\\]\\{y,z\\}\\*\\?.json",
        FileUris.readerPath(FileUris.parse("file:///a/g%5Bx%5D%7By,z%7D*%3F.json")));
    assertEquals("file:/a/b%20c/50%25/x.json", FileUris.sparkFilePath(uri));
    assertEquals(
        "s3a://bucket/t/x%20y.json",
        FileUris.sparkFilePath(FileUris.parse("s3a://bucket/t/x%20y.json")));
  }

  @Test
  void filesOutsideTheTableRootAreRefusedAfterDecodingAndNormalising() {
    String root = "file:///data/t/";
    for (String inside :
        List.of(
            "file:///data/t/part=1/x.parquet",
            "file:/data/t/x.parquet",
            "file:///data/t/a/../b/x.parquet",
            "file:///data/t/deletion_vector_1.bin")) {
      FileUris.requireInside(root, inside);
      FileUris.requireInside("file:///data/t", inside);
    }
    for (String outside :
        List.of(
            "file:///data/outside/x.parquet",
            "file:///data/t/../outside/x.parquet",
            "file:///data/t/%2E%2E/outside/x.parquet",
            "file:///data/t/part=0/../../x.parquet",
            "file:///data/tt/x.parquet",
            "s3a://bucket/data/t/x.parquet",
            "file://otherhost/data/t/x.parquet",
            "file:///etc/passwd")) {
      FileOutsideTableException refused =
          assertThrows(
              FileOutsideTableException.class, () -> FileUris.requireInside(root, outside));
      assertTrue(refused.getMessage().contains(outside), refused.getMessage());
    }
  }
}
