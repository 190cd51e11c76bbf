package dev.deltaffi.kernel.ir;

/** What a Consume phase asks the engine to do: an I/O request or a query plan. */
public sealed interface Operation permits IoOperation, Plan {}
