/**
 * JMH benchmarks of the CPU backend's hot paths: GEMM at the current tile ({@link svg.bench.jmh.GemmJmh}), fused
 * attention ({@link svg.bench.jmh.AttentionJmh}), conv2d and its gradients ({@link svg.bench.jmh.ConvJmh}) and a
 * whole training step of the model's DiT and decoder ({@link svg.bench.jmh.TrainStepJmh}). Run them with
 * {@code benchmarks/jmh.sh [JMH options] [regexp]} (docs/performance.md, "JMH"). The side-by-side scripts
 * (gemm-vs-openblas.sh, vs-pytorch.sh, train-vs-pytorch.sh) remain the comparisons against other libraries.
 */
package svg.bench.jmh;
