package dev.deltaffi.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ImmutableFilesTest {

  @Test
  void aFileIsReadOnceAndAFailedReadKeepsNothing() throws IOException {
    ImmutableFiles files = new ImmutableFiles(1 << 20);
    AtomicInteger reads = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      byte[] bytes =
          files.get(
              "s3a://b/t/deletion_vector_1.bin",
              () -> {
                reads.incrementAndGet();
                return new byte[] {1, 2};
              });
      assertArrayEquals(new byte[] {1, 2}, bytes);
    }
    assertEquals(1, reads.get());
    String missing = "s3a://b/t/deletion_vector_2.bin";
    FileNotFoundException notFound = new FileNotFoundException(missing);
    assertSame(
        notFound,
        assertThrows(
            FileNotFoundException.class,
            () ->
                files.get(
                    missing,
                    () -> {
                      throw notFound;
                    })));
    assertFalse(files.keeps(missing));
    assertArrayEquals(new byte[] {3}, files.get(missing, () -> new byte[] {3}));
  }

  @Test
  void theOldestFilesGoFirstBeyondTheBound() throws IOException {
    ImmutableFiles files = new ImmutableFiles(10);
    files.get("a", () -> new byte[6]);
    files.get("b", () -> new byte[6]);
    assertFalse(files.keeps("a"));
    assertTrue(files.keeps("b"));
  }
}
