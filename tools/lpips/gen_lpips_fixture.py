#!/usr/bin/python3
"""Generates svg-nn/src/test/resources/lpips/lpips_fixture.safetensors, the oracle for svg.nn.lpips.LpipsTest.

An independent PyTorch reimplementation of LPIPS (richzhang/PerceptualSimilarity, lpips package, net='vgg',
version 0.1, normalize=False): ScalingLayer, torchvision-VGG16 `features` taps relu1_2..relu5_3, channel-wise unit
normalisation (eps 1e-10), squared difference, 1x1 lin conv without bias, spatial mean, sum over layers.
torchvision is not installed here, so VGG16 is written out by hand.

The LPIPS lin weights are the real official ones (vgg_lin_official.pth, as shipped with the SVG repository).
Real VGG16 weights (~530 MB) cannot be committed, so the VGG weights are random, drawn from a counter-based hash that
the Java test reproduces bit for bit (see `hash_uniform`): no 59 MB weight file in the repository.
Everything is computed in float64 so the expected values carry no float32 rounding of their own.

Run: /usr/bin/python3 tools/lpips/gen_lpips_fixture.py   (torch 1.13, CPU)
"""
import json, math, os, struct
import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "svg-nn", "src", "test", "resources", "lpips")

# torchvision vgg16 `features` (config D): conv indices and channels; 'M' = MaxPool2d(2, 2)
CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
TAPS = [3, 8, 15, 22, 29]  # indices of the ReLUs relu1_2, relu2_2, relu3_3, relu4_3, relu5_3
SHIFT = [-.030, -.088, -.188]
SCALE = [.458, .448, .450]


def lowbias32(x):
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def hash_uniform(tensor_id, n):
    """n float32 values in [-1, 1): u_i = lowbias32(i + lowbias32(tensor_id * 0x9E3779B9 + 1)) >> 8, times 2^-23, minus 1."""
    key = lowbias32(np.array([(tensor_id * 0x9E3779B9 + 1) & 0xFFFFFFFF], dtype=np.uint64))[0]
    i = np.arange(n, dtype=np.uint64)
    h = lowbias32((i + np.uint64(key)) & np.uint64(0xFFFFFFFF))
    return ((h >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -23)) - np.float32(1.0)


def vgg_weights():
    """features.{idx}.weight/bias: He-uniform weights (bound sqrt(6 / fan_in)), biases uniform in [-0.05, 0.05)."""
    sd, cin, idx, tid = {}, 3, 0, 0
    for v in CFG:
        if v == "M":
            idx += 1
            continue
        fan_in = cin * 9
        bound = np.float32(math.sqrt(6.0 / fan_in))
        w = hash_uniform(tid, v * cin * 9) * bound
        b = hash_uniform(tid + 1000, v) * np.float32(0.05)
        sd[f"features.{idx}.weight"] = torch.from_numpy(w.reshape(v, cin, 3, 3).copy())
        sd[f"features.{idx}.bias"] = torch.from_numpy(b.copy())
        cin, idx, tid = v, idx + 2, tid + 1
    return sd


def vgg_taps(x, sd):
    outs, idx = [], 0
    for v in CFG:
        if v == "M":
            x = F.max_pool2d(x, 2, 2)
            idx += 1
        else:
            x = F.relu(F.conv2d(x, sd[f"features.{idx}.weight"].double(), sd[f"features.{idx}.bias"].double(), padding=1))
            if idx + 1 in TAPS:
                outs.append(x)
            idx += 2
    return outs


def lpips(x0, x1, sd, lins):
    shift = torch.tensor(SHIFT, dtype=torch.float64).view(1, 3, 1, 1)
    scale = torch.tensor(SCALE, dtype=torch.float64).view(1, 3, 1, 1)
    f0 = vgg_taps((x0 - shift) / scale, sd)
    f1 = vgg_taps((x1 - shift) / scale, sd)
    total = 0
    for k, (a, b) in enumerate(zip(f0, f1)):
        a = a / (torch.sqrt(torch.sum(a ** 2, dim=1, keepdim=True)) + 1e-10)
        b = b / (torch.sqrt(torch.sum(b ** 2, dim=1, keepdim=True)) + 1e-10)
        d = F.conv2d((a - b) ** 2, lins[k].double())
        total = total + d.mean([2, 3], keepdim=True)
    return total.view(-1)  # one value per image pair


def save_safetensors(path, tensors, metadata):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    torch.manual_seed(20251125)
    lin_sd = torch.load(os.path.join(RES, "vgg_lin_official.pth"), map_location="cpu")
    lins = [lin_sd[f"lin{k}.model.1.weight"] for k in range(5)]
    sd = vgg_weights()
    out = {}
    # case a: a batch of 2 non-square pairs (32x48, even at every pooling); the second pair is close (x1 = x0 + noise)
    a0 = (torch.rand(2, 3, 32, 48) * 2 - 1)
    a1 = (torch.rand(2, 3, 32, 48) * 2 - 1)
    a1[1] = (a0[1] + 0.1 * torch.randn(3, 32, 48)).clamp(-1, 1)
    # case b: 36x44, so max-pooling floors odd sizes (9x11 -> 4x5)
    b0 = (torch.rand(1, 3, 36, 44) * 2 - 1)
    b1 = (torch.rand(1, 3, 36, 44) * 2 - 1)
    for name, x0, x1 in (("a", a0, a1), ("b", b0, b1)):
        y0 = x0.double().requires_grad_(True)
        y1 = x1.double()
        d = lpips(y0, y1, sd, lins)
        d.sum().backward()  # gradient of the summed distances w.r.t. the first image
        out[f"{name}.x0"], out[f"{name}.x1"] = x0, x1
        out[f"{name}.lpips"] = d.detach()
        out[f"{name}.grad_x0"] = y0.grad
        print(name, d.detach().numpy(), "grad |max|", float(y0.grad.abs().max()))
    # a few raw weights, so the Java test can check its hash generator before anything else
    out["check.features.0.weight"] = sd["features.0.weight"]
    out["check.features.28.bias"] = sd["features.28.bias"]
    save_safetensors(os.path.join(RES, "lpips_fixture.safetensors"), out,
                     {"generator": "tools/lpips/gen_lpips_fixture.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
