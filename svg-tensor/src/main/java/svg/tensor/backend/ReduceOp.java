package svg.tensor.backend;

/** Reductions over the last axis of a contiguous tensor. ARGMAX returns indices as floats. */
public enum ReduceOp { SUM, MAX, ARGMAX }
