/**
 * Tensor files: reading and writing model weights and tensors.
 *
 * <ul>
 *   <li>{@link svg.tensor.io.SafetensorsFile} / {@link svg.tensor.io.Safetensors}: safetensors, memory-mapped through
 *       the FFM API and fully validated at open (corrupt or truncated files give an IOException naming the file and
 *       the problem); writes are atomic and C-contiguous, as F32, F16 or BF16 (round to nearest even).</li>
 *   <li>{@link svg.tensor.io.TorchCheckpoint}: PyTorch checkpoints (torch.save zip archives of torch 1.6 to 2.x, and
 *       the older non-zip format) read with a restricted unpickler: only the globals needed to rebuild tensors are
 *       accepted, anything else raises {@link svg.tensor.io.UnsafePickleException}; nothing is ever executed.</li>
 *   <li>{@link svg.tensor.io.TensorFiles}: one entry point that detects the format by magic bytes.</li>
 *   <li>{@link svg.tensor.io.Json}: the small strict JSON reader/writer used for headers and configuration.</li>
 * </ul>
 * Every stored dtype (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL) loads as a float32 {@link svg.tensor.Tensor}.
 */
package svg.tensor.io;
