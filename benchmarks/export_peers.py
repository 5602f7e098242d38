#!/usr/bin/python3
"""Exports the PyTorch networks of benchmarks/vs_pytorch.py (same modules, same seed, so the same weights and inputs)
for the JVM peers of benchmarks/vs-jvm-peers.sh:
    export_peers.py NET OUTDIR
writes OUTDIR/NET.pt (TorchScript trace, for libtorch through DJL), OUTDIR/NET.onnx (opset 17, for ONNX Runtime; big
models keep their weights in external data files beside it), OUTDIR/NET.in<i> (each input as raw little-endian data:
float32 or int64), OUTDIR/NET.out (PyTorch's output, float32) and OUTDIR/NET.meta (one line per input: name dtype shape;
then "out shape"). Run with Debian's /usr/bin/python3 (torch 1.13).

Torch 1.13's ONNX exporter lacks two things these networks use, so two symbolics are registered here:
aten::tile (DINOv3's RoPE tables) and aten::layer_norm without affine parameters (the DiT's norms: 1.13 passes None
weight/bias on to LayerNormalization, which needs a scale; we give it constant ones and zeros).
"""
import os
import sys

import torch
import torch.onnx
from torch.onnx import symbolic_helper as sh
from torch.onnx import register_custom_op_symbolic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vs_pytorch  # noqa: E402

OPSET = 17


def tile_symbolic(g, self, dims):
    # torch.tile(x, dims): left-pad dims with ones to x's rank, then ONNX Tile with those repeats
    reps = sh._maybe_get_const(dims, "is")
    rank = sh._get_tensor_rank(self)
    reps = list(reps)
    if rank is not None and len(reps) < rank:
        reps = [1] * (rank - len(reps)) + reps
    return g.op("Tile", self, g.op("Constant", value_t=torch.tensor(reps, dtype=torch.int64)))


def layer_norm_symbolic(g, x, normalized_shape, weight, bias, eps, cudnn_enable):
    shape = sh._get_const(normalized_shape, "is", "normalized_shape")
    eps = sh._get_const(eps, "f", "eps")
    if sh._is_none(weight):
        weight = g.op("Constant", value_t=torch.ones(shape, dtype=torch.float32))
    if sh._is_none(bias):
        bias = g.op("Constant", value_t=torch.zeros(shape, dtype=torch.float32))
    return g.op("LayerNormalization", x, weight, bias, epsilon_f=eps, axis_i=-len(shape))


register_custom_op_symbolic("aten::tile", tile_symbolic, OPSET)
register_custom_op_symbolic("aten::layer_norm", layer_norm_symbolic, OPSET)


def main():
    net, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)  # as vs_pytorch.main does before build
    torch.set_num_threads(int(os.environ.get("EXPORT_THREADS", "2")))
    with torch.no_grad():
        model, args = vs_pytorch.build(net)
        ref = model(*args)
        names = ["in%d" % i for i in range(len(args))]
        meta = []
        for i, a in enumerate(args):
            dt = "f32" if a.dtype == torch.float32 else "i64"
            a = a.contiguous().to(torch.float32 if dt == "f32" else torch.int64)
            a.numpy().tofile(os.path.join(out, "%s.in%d" % (net, i)))
            meta.append("%s %s %s" % (names[i], dt, " ".join(str(s) for s in a.shape)))
        ref.contiguous().float().numpy().tofile(os.path.join(out, net + ".out"))
        meta.append("out f32 " + " ".join(str(s) for s in ref.shape))
        with open(os.path.join(out, net + ".meta"), "w") as f:
            f.write("\n".join(meta) + "\n")
        traced = torch.jit.trace(model, args, check_trace=False)
        traced = torch.jit.freeze(traced)
        traced.save(os.path.join(out, net + ".pt"))
        # with autograd on, nn.MultiheadAttention (resvit) takes its composite path: 1.13 cannot export the fused
        # aten::_native_multi_head_attention that it uses under no_grad
        with torch.enable_grad():
            torch.onnx.export(model, args, os.path.join(out, net + ".onnx"), opset_version=OPSET,
                              input_names=names, output_names=["out"], do_constant_folding=True)
        print("exported", net, "params", sum(p.numel() for p in model.parameters()), flush=True)


if __name__ == "__main__":
    main()
