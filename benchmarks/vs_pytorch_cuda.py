#!/usr/bin/env python3
"""PyTorch CUDA side of the GPU comparison (issue 6, benchmarks/gpu-tornado.sh): the SVG-XL DiT and the LDM decoder of
vs_pytorch.py (same shapes and operations as svg-jvm, random weights, eval, no grad) on a CUDA GPU.

For each precision mode it prints
    RESULT torch <mode> dit_forward batch 2: median M ms (min m) over N
    RESULT torch <mode> sample: 25 steps cfg 4: total T ms = sampler S ms (s ms/step) + decode D ms
where one sample is what `svg sample --n 1 --steps 25 --cfg 4` does: 25 Euler steps, each one DiT forward of the
CFG pair [cond; uncond] (batch 2), then the decoder on the 392x16x16 latent. Modes:
  fp32  float32 with TF32 off (what svg-jvm's TornadoVM kernels compute: plain FP32 FMA, no tensor cores)
  tf32  float32 storage, TF32 tensor-core matmuls and convolutions
  bf16  torch.autocast(bfloat16): what a PyTorch user would run for speed
Attention is F.scaled_dot_product_attention (the fused kernels PyTorch 2 picks). Every timing is wall time with
torch.cuda.synchronize() around it, after warm-up.
Usage: vs_pytorch_cuda.py [--modes fp32,tf32,bf16] [--reps 20] [--steps 25] [--device cuda]
"""
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vs_pytorch  # noqa: E402


def sdpa(q, k, v, scale):
    return F.scaled_dot_product_attention(q, k, v, scale=scale)


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(fn):
    sync()
    t0 = time.perf_counter()
    out = fn()
    sync()
    return out, (time.perf_counter() - t0) * 1e3


def main():
    modes = arg("--modes", "fp32,tf32,bf16").split(",")
    reps, steps = int(arg("--reps", "20")), int(arg("--steps", "25"))
    dev = torch.device(arg("--device", "cuda"))  # --device cpu: a local check of the script itself
    name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
    print("# torch", torch.__version__, "on", name, flush=True)
    if hasattr(F, "scaled_dot_product_attention"):  # torch >= 2.0; Debian's 1.13 keeps matmul-softmax-matmul
        vs_pytorch.attention = sdpa
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    dit = vs_pytorch.DiT().eval().to(dev)
    dec = vs_pytorch.Decoder().eval().to(dev)
    x = torch.randn(2, 256, 392, generator=g).to(dev)
    t = torch.tensor([0.3, 0.3], device=dev)
    y = torch.tensor([207, 1000], device=dev)
    z0 = torch.randn(1, 256, 392, generator=g).to(dev)
    for mode in modes:
        tf32 = mode == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        ctx = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=mode == "bf16")

        def sample():
            z = z0.clone()
            yy = torch.tensor([207, 1000], device=dev)
            dt = 1.0 / steps
            for i in range(steps):
                tt = torch.full((2,), i * dt, device=dev)
                v = dit(torch.cat([z, z]), tt, yy)[:, :, :392].float()
                vc, vu = v[:1], v[1:]
                z = z + dt * (vu + 4.0 * (vc - vu))
            sync()
            t_s = time.perf_counter()
            lat = z.transpose(1, 2).reshape(1, 392, 16, 16)
            img = dec(lat).float()
            return img, t_s

        with torch.no_grad(), ctx:
            for _ in range(3):
                dit(x, t, y)
            fw = [timed(lambda: dit(x, t, y))[1] for _ in range(reps)]
            print("RESULT torch %s dit_forward batch 2: median %.2f ms (min %.2f) over %d"
                  % (mode, statistics.median(fw), min(fw), reps), flush=True)
            sample()  # warm-up (cuDNN algorithm choice for the decoder)
            runs = []
            for _ in range(3):
                sync()
                t0 = time.perf_counter()
                img, t_s = sample()
                sync()
                t1 = time.perf_counter()
                if not torch.isfinite(img).all():
                    raise SystemExit("non-finite image")
                runs.append(((t1 - t0) * 1e3, (t_s - t0) * 1e3, (t1 - t_s) * 1e3))
            tot, smp, dcd = sorted(runs)[1]
            print("RESULT torch %s sample: %d steps cfg 4: total %.1f ms = sampler %.1f ms (%.2f ms/step) + decode %.1f ms"
                  " (median of 3)" % (mode, steps, tot, smp, smp / steps, dcd), flush=True)


if __name__ == "__main__":
    main()
