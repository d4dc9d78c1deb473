/**
 * One test class per op family ({@code Conv2dOpTest}, {@code GemmOpTest}, {@code GroupNormOpTest},
 * {@code ElementwiseOpTest}, {@code ResampleOpTest}, {@code AttentionOpTest}, {@code ChannelsOpTest},
 * {@code EmbeddingOpTest}, {@code TimestepEmbeddingOpTest}, {@code ReductionOpTest},
 * {@code CrossEntropyOpTest}, {@code RandomOpTest}), following {@code autograd.Ops} and the
 * {@code Backend} interface. Each holds tables of cases, one line per case:
 * <ul>
 *   <li>{@link org.timetuner4j.testing.OpCase}: the CPU backend (and its fast paths) against a
 *       reference nobody here computed with our code: the defining sum or loop in double, or
 *       PyTorch's values;</li>
 *   <li>{@link org.timetuner4j.testing.GradCase}: the autograd op's backward against central
 *       finite differences ({@link org.timetuner4j.testing.GradCheck});</li>
 *   <li>{@link org.timetuner4j.testing.CudaCase}: CUDA against the CPU backend, on our kernels and
 *       with cuBLAS/cuDNN, in a method tagged {@code gpu} (left out of {@code mvn test}, run by
 *       the GPU session's {@code go.sh test --include-tag gpu}; skipped without a GPU).</li>
 * </ul>
 * The .cu kernels also run on the CPU under a C++ emulator: kernels/emu/emu_test.cpp, driven by
 * backend/cuda/KernelEmulatorTest. Tests of whole models and sampling stay in their packages.
 */
package org.timetuner4j.ops;
