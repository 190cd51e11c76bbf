package dev.deltaffi.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NativeKernelTest {

  /** Every int constant of NativeKernel is one the native side defines, with the same value. */
  @Test
  void theConstantsJavaAndRustShareAgree() throws IllegalAccessException {
    Map<String, String> java = new TreeMap<>();
    for (Field field : NativeKernel.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
        java.put(field.getName(), Integer.toString(field.getInt(null)));
      }
    }
    Map<String, String> rust =
        Arrays.stream(NativeKernel.sharedConstants())
            .map(pair -> pair.split("=", 2))
            .collect(Collectors.toMap(pair -> pair[0], pair -> pair[1], (a, b) -> a, TreeMap::new));
    assertEquals(rust, java);
  }
}
