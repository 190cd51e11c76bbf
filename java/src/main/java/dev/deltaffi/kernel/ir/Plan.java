package dev.deltaffi.kernel.ir;

import java.util.List;

/** A kernel query plan: nodes in topological order, the last one terminal. */
public record Plan(KernelType.Struct schema, List<PlanNode> nodes) {}
