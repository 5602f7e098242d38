#!/usr/bin/python3
"""Generates svg-nn/src/test/resources/inception/inception_fixture.safetensors, the oracle for
svg.nn.inception.FidInceptionV3Test.

An independent PyTorch reimplementation of pytorch-fid's InceptionV3 (pytorch_fid/inception.py, the FID variant that
loads pt_inception-2015-12-05-6726825d.pth): torchvision's Inception3 blocks with FIDInceptionA/C/E_1 (average pooling
with count_include_pad=False in branch_pool) and FIDInceptionE_2 (max pooling in branch_pool), BasicConv2d = conv
without bias + BatchNorm2d(eps=0.001) + ReLU, up to the 2048-d pool3 features (adaptive average pooling after
Mixed_7c). Input handling as pytorch-fid's InceptionV3(resize_input=True, normalize_input=True): bilinear resize to
299x299 (align_corners=False), then 2x - 1. torchvision is not installed here, so the blocks are written out; module
and attribute names follow torchvision, so state_dict() keys are the real file's keys (Conv2d_1a_3x3.conv.weight,
Mixed_5b.branch1x1.bn.running_mean, ...).

The real weights (~92 MB) cannot be downloaded or committed, so the weights are random, drawn from the counter-based
hash of tools/lpips (see hash_uniform) that the Java test reproduces bit for bit: BasicConv2d number t (in state-dict
order) uses tensor ids 8t (conv weight, He-uniform bound sqrt(6 / fan_in)), 8t+1 (bn.weight = 1 + 0.2 u),
8t+2 (bn.bias = 0.1 u), 8t+3 (bn.running_mean = 0.1 u), 8t+4 (bn.running_var = 1 + 0.5 u), u uniform in [-1, 1).
The forward runs in float64, so the expected features carry no float32 rounding of their own.

Run: /usr/bin/python3 tools/inception/gen_inception_fixture.py   (Debian python3-torch 1.13 + python3-numpy, CPU, ~15 s)
"""
import json, math, os, struct
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "svg-nn", "src", "test", "resources", "inception")


class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, **kw):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


class FIDInceptionA(nn.Module):
    def __init__(self, cin, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(cin, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, bd, bp], 1)


class FIDInceptionC(nn.Module):
    def __init__(self, cin, c7):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for i in range(1, 6):
            bd = getattr(self, f"branch7x7dbl_{i}")(bd)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, bd, bp], 1)


class InceptionD(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, b7, bp], 1)


class FIDInceptionE(nn.Module):
    """FIDInceptionE_1 (max_pool=False: average pooling without the padded zeros) or FIDInceptionE_2 (max pooling)."""

    def __init__(self, cin, max_pool):
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(cin, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        if self.max_pool:
            bp = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            bp = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([b1, b3, bd, self.branch_pool(bp)], 1)


class FidInceptionV3(nn.Module):
    """pytorch-fid's fid_inception_v3() (module order as torchvision's Inception3, aux_logits=False), to pool3."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b = FIDInceptionA(192, 32)
        self.Mixed_5c = FIDInceptionA(256, 64)
        self.Mixed_5d = FIDInceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = FIDInceptionC(768, 128)
        self.Mixed_6c = FIDInceptionC(768, 160)
        self.Mixed_6d = FIDInceptionC(768, 160)
        self.Mixed_6e = FIDInceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = FIDInceptionE(1280, max_pool=False)
        self.Mixed_7c = FIDInceptionE(2048, max_pool=True)
        self.fc = nn.Linear(2048, 1008)  # in the real file; unused for FID

    def forward(self, x01, taps):
        x = F.interpolate(x01, size=(299, 299), mode="bilinear", align_corners=False)
        x = 2 * x - 1
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        taps["block0"] = x.mean((2, 3))
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        taps["block1"] = x.mean((2, 3))
        for n in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e"):
            x = getattr(self, "Mixed_" + n)(x)
        taps["block2"] = x.mean((2, 3))
        for n in ("7a", "7b", "7c"):
            x = getattr(self, "Mixed_" + n)(x)
        return F.adaptive_avg_pool2d(x, output_size=(1, 1)).flatten(1)


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


def hash_state_dict(model):
    sd, convs = {}, []
    for name, m in model.named_modules():
        if isinstance(m, BasicConv2d):
            convs.append((name, m))
    for t, (name, m) in enumerate(convs):
        w = m.conv.weight
        fan_in = w.shape[1] * w.shape[2] * w.shape[3]
        bound = np.float32(math.sqrt(6.0 / fan_in))
        c = w.shape[0]
        sd[name + ".conv.weight"] = torch.from_numpy((hash_uniform(8 * t, w.numel()) * bound).reshape(w.shape).copy())
        sd[name + ".bn.weight"] = torch.from_numpy(np.float32(1) + np.float32(0.2) * hash_uniform(8 * t + 1, c))
        sd[name + ".bn.bias"] = torch.from_numpy(np.float32(0.1) * hash_uniform(8 * t + 2, c))
        sd[name + ".bn.running_mean"] = torch.from_numpy(np.float32(0.1) * hash_uniform(8 * t + 3, c))
        sd[name + ".bn.running_var"] = torch.from_numpy(np.float32(1) + np.float32(0.5) * hash_uniform(8 * t + 4, c))
    return sd, [n for n, _ in convs]


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
    torch.manual_seed(20251126)
    model = FidInceptionV3().double().eval()
    sd, conv_names = hash_state_dict(model)
    missing, unexpected = model.load_state_dict({k: v.double() for k, v in sd.items()}, strict=False)
    # only fc.* (unused) and BatchNorm's num_batches_tracked may stay at their defaults
    assert all(k.startswith("fc.") or k.endswith("num_batches_tracked") for k in missing), missing
    assert not unexpected, unexpected
    out = {}
    cases = {
        "a": torch.rand(2, 3, 32, 32),  # the size of the default model's images
        "b": torch.rand(1, 3, 28, 36),  # non-square, other scale factors in the resize
    }
    with torch.no_grad():
        for name, x in cases.items():
            taps = {}
            f = model(x.double(), taps)
            out[name + ".x"] = x
            out[name + ".pool3"] = f
            for k, v in taps.items():
                out[f"{name}.{k}"] = v
            print(name, tuple(x.shape), "pool3 mean", float(f.mean()), "max", float(f.max()), "min", float(f.min()))
    out["check.Conv2d_1a_3x3.conv.weight"] = sd["Conv2d_1a_3x3.conv.weight"]
    out["check.Mixed_7c.branch_pool.bn.running_var"] = sd["Mixed_7c.branch_pool.bn.running_var"]
    keys = [k for k in model.state_dict().keys()]
    save_safetensors(os.path.join(RES, "inception_fixture.safetensors"), out,
                     {"generator": "tools/inception/gen_inception_fixture.py", "torch": torch.__version__,
                      "convs": json.dumps(conv_names), "state_dict_keys": json.dumps(keys)})


if __name__ == "__main__":
    main()
