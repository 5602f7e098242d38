#!/usr/bin/python3
"""PyTorch side of benchmarks/vs-pytorch.sh: the four SVG networks written as plain PyTorch modules with the same
shapes and operations as svg-jvm (random weights, eval, no grad).

Run as a server driven by the Java side (svg.bench.VsPyTorch) so that both systems alternate in one run:
    vs_pytorch.py NET --threads 2
prints "ready PARAMS" once the network and its input exist, then answers each line "run" on stdin with the wall
milliseconds of one forward, "rss" with the peak resident set (VmHWM, kB) and exits on "quit" or end of input.
NET: dino (DINOv3 ViT-S/16+, batch 8, 256x256), dit (SVG-XL DiT, batch 2, 256 tokens x 392 channels),
decoder (LDM decoder, batch 1, 392x16x16 -> 256x256), resvit (residual ViT, batch 8, 256x256).

Debian's torch 1.13 has no F.scaled_dot_product_attention, so attention is matmul -> softmax -> matmul (what the
official code falls back to); the residual ViT uses nn.MultiheadAttention as torchvision does (its fused fast path
applies in eval/no-grad). The OpenMP wait policy is chosen by the caller through OMP_WAIT_POLICY.
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def attention(q, k, v, scale):  # [B, H, N, d]
    return torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * scale, dim=-1).matmul(v)


# ---------------------------------------------------------------- DINOv3 ViT-S/16+

def rope_tables(h, w, head_dim, base=100.0):
    q = head_dim // 4
    periods = base ** (2 * torch.arange(q, dtype=torch.float32) / (head_dim // 2))
    ch = (torch.arange(h, dtype=torch.float32) + 0.5) / h * 2 - 1
    cw = (torch.arange(w, dtype=torch.float32) + 0.5) / w * 2 - 1
    coords = torch.stack(torch.meshgrid(ch, cw, indexing="ij"), dim=-1).flatten(0, 1)  # [HW, 2]
    angles = 2 * math.pi * coords[:, :, None] / periods[None, None, :]  # [HW, 2, q]
    angles = angles.flatten(1, 2).tile(2)  # [HW, head_dim]
    return torch.sin(angles), torch.cos(angles)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class DinoAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.register_buffer("bias_mask", torch.cat([torch.ones(dim), torch.zeros(dim), torch.ones(dim)]))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, sin, cos):
        b, n, c = x.shape
        qkv = F.linear(x, self.qkv.weight, self.qkv.bias * self.bias_mask).reshape(b, n, 3, self.heads, self.hd)
        q, k, v = [t.transpose(1, 2) for t in qkv.unbind(2)]
        p = n - sin.shape[0]
        q = torch.cat((q[:, :, :p], q[:, :, p:] * cos + rotate_half(q[:, :, p:]) * sin), dim=2)
        k = torch.cat((k[:, :, :p], k[:, :, p:] * cos + rotate_half(k[:, :, p:]) * sin), dim=2)
        o = attention(q, k, v, self.hd ** -0.5)
        return self.proj(o.transpose(1, 2).reshape(b, n, c))


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        d = int(hidden * 2 / 3)
        d += -d % 8
        self.w1, self.w2, self.w3 = nn.Linear(dim, d), nn.Linear(dim, d), nn.Linear(d, dim)

    def forward(self, x):
        return self.w3(F.silu(self.w1(x)) * self.w2(x))


class DinoBlock(nn.Module):
    def __init__(self, dim, heads, ratio):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-5), nn.LayerNorm(dim, eps=1e-5)
        self.attn = DinoAttention(dim, heads)
        self.mlp = SwiGLU(dim, int(dim * ratio))
        self.ls1, self.ls2 = nn.Parameter(torch.full((dim,), 1e-5)), nn.Parameter(torch.full((dim,), 1e-5))

    def forward(self, x, sin, cos):
        x = x + self.ls1 * self.attn(self.norm1(x), sin, cos)
        return x + self.ls2 * self.mlp(self.norm2(x))


class DinoV3(nn.Module):
    def __init__(self, dim=384, depth=12, heads=6, ratio=6.0, storage=4, patch=16):
        super().__init__()
        self.patch, self.heads = patch, heads
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.mask_token = nn.Parameter(torch.zeros(1, dim))  # unused in inference, kept so parameter counts match
        self.storage_tokens = nn.Parameter(torch.randn(1, storage, dim) * 0.02)
        self.blocks = nn.ModuleList([DinoBlock(dim, heads, ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-5)

    def forward(self, x):  # forward_features: normed patch tokens
        b, _, h, w = x.shape
        gh, gw = h // self.patch, w // self.patch
        p = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(b, -1, -1), self.storage_tokens.expand(b, -1, -1), p], dim=1)
        sin, cos = rope_tables(gh, gw, x.shape[-1] // self.heads)
        for blk in self.blocks:
            x = blk(x, sin, cos)
        return self.norm(x)


# ---------------------------------------------------------------- residual ViT (torchvision layout)

class EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.self_attention(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class ResidualViT(nn.Module):
    def __init__(self, size=256, patch=16, layers=6, heads=8, dim=384, mlp=1536, out=8):
        super().__init__()
        n = (size // patch) ** 2
        self.conv_proj = nn.Conv2d(3, dim, patch, patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.layers = nn.Sequential(*[EncoderBlock(dim, heads, mlp) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim, eps=1e-6)
        self.heads = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, out))

    def forward(self, x):
        b = x.shape[0]
        p = self.conv_proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(b, -1, -1), p], dim=1) + self.pos_embedding
        x = self.ln(self.layers(x))[:, 1:]
        return self.heads(x).transpose(1, 2)


# ---------------------------------------------------------------- LDM decoder

def group_norm(c):
    return nn.GroupNorm(32, c, eps=1e-6)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = group_norm(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2, self.conv2 = group_norm(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if self.nin_shortcut is not None else x) + h


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = group_norm(c)
        self.q, self.k, self.v, self.proj_out = [nn.Conv2d(c, c, 1) for _ in range(4)]

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(x)
        q = self.q(y).reshape(b, c, h * w).permute(0, 2, 1)
        k = self.k(y).reshape(b, c, h * w)
        v = self.v(y).reshape(b, c, h * w)
        a = torch.softmax(torch.bmm(q, k) * c ** -0.5, dim=2)  # [b, hw(q), hw(k)]
        o = torch.bmm(v, a.permute(0, 2, 1)).reshape(b, c, h, w)
        return x + self.proj_out(o)


class Decoder(nn.Module):
    def __init__(self, ch=128, out_ch=3, ch_mult=(1, 1, 2, 2, 4), num_res_blocks=2, attn_res=(16,), resolution=256,
                 z_channels=392):
        super().__init__()
        levels = len(ch_mult)
        block_in = ch * ch_mult[-1]
        res = resolution >> (levels - 1)
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, 1, 1)
        self.mid = nn.ModuleList([ResnetBlock(block_in, block_in), AttnBlock(block_in), ResnetBlock(block_in, block_in)])
        self.stages = nn.ModuleList()
        for i in reversed(range(levels)):
            block_out = ch * ch_mult[i]
            stage = nn.ModuleList()
            for _ in range(num_res_blocks + 1):
                stage.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if res in attn_res:
                    stage.append(AttnBlock(block_in))
            if i != 0:
                stage.append(nn.Upsample(scale_factor=2, mode="nearest"))
                stage.append(nn.Conv2d(block_in, block_in, 3, 1, 1))
                res *= 2
            self.stages.append(stage)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, out_ch, 3, 1, 1)

    def forward(self, z):
        h = self.conv_in(z)
        for m in self.mid:
            h = m(h)
        for stage in self.stages:
            for m in stage:
                h = m(h)
        return self.conv_out(F.silu(self.norm_out(h)))


# ---------------------------------------------------------------- SVG DiT

def sincos_2d(dim, grid):
    def one(d, pos):
        omega = 1.0 / 10000 ** (torch.arange(d // 2, dtype=torch.float64) / (d / 2.0))
        out = pos.reshape(-1)[:, None] * omega[None]
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)
    g = torch.arange(grid, dtype=torch.float64)
    gw, gh = torch.meshgrid(g, g, indexing="xy")
    return torch.cat([one(dim // 2, gh), one(dim // 2, gw)], dim=1).float()[None]


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class DiTAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.q_norm, self.k_norm = nn.LayerNorm(self.hd, eps=1e-5), nn.LayerNorm(self.hd, eps=1e-5)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4).unbind(0)
        o = attention(self.q_norm(q), self.k_norm(k), v, self.hd ** -0.5)
        return self.proj(o.transpose(1, 2).reshape(b, n, c))


class DiTBlock(nn.Module):
    def __init__(self, dim, heads, ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.attn = DiTAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        hidden = int(dim * ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, dim))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, x, c):
        sm, cm, gm, sf, cf, gf = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gm.unsqueeze(1) * self.attn(modulate(self.norm1(x), sm, cm))
        return x + gf.unsqueeze(1) * self.mlp(modulate(self.norm2(x), sf, cf))


class DiT(nn.Module):
    def __init__(self, in_ch=392, grid=16, dim=1152, depth=28, heads=16, classes=1000):
        super().__init__()
        self.ln1 = nn.Linear(in_ch, dim)
        self.register_buffer("pos_embed", sincos_2d(dim, grid))
        self.t_mlp = nn.Sequential(nn.Linear(256, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.y_table = nn.Embedding(classes + 1, dim)
        self.blocks = nn.ModuleList([DiTBlock(dim, heads) for _ in range(depth)])
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.final_ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))
        self.final = nn.Linear(dim, 2 * in_ch)  # learn_sigma

    def forward(self, x, t, y):
        half = 128
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
        args = t[:, None].float() * freqs[None]
        c = self.t_mlp(torch.cat([torch.cos(args), torch.sin(args)], dim=-1)) + self.y_table(y)
        h = self.ln1(x) + self.pos_embed
        for blk in self.blocks:
            h = blk(h, c)
        shift, scale = self.final_ada(c).chunk(2, dim=1)
        return self.final(modulate(self.norm_final(h), shift, scale))


# ---------------------------------------------------------------- server

def build(net):
    g = torch.Generator().manual_seed(0)
    if net == "dino":
        m = DinoV3()
        args = (torch.randn(8, 3, 256, 256, generator=g),)
    elif net == "resvit":
        m = ResidualViT()
        args = (torch.randn(8, 3, 256, 256, generator=g),)
    elif net == "decoder":
        m = Decoder()
        args = (torch.randn(1, 392, 16, 16, generator=g),)
    elif net == "dit":
        m = DiT()
        args = (torch.randn(2, 256, 392, generator=g), torch.tensor([0.3, 0.3]), torch.tensor([207, 1000]))
    else:
        raise SystemExit("unknown network " + net + " (dino, dit, decoder, resvit)")
    return m.eval(), args


def peak_rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    net = sys.argv[1]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with torch.no_grad():
        model, args = build(net)
        print("ready", sum(p.numel() for p in model.parameters()), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "run":
                t0 = time.perf_counter()
                out = model(*args)
                ms = (time.perf_counter() - t0) * 1e3
                if not torch.isfinite(out).all():
                    raise SystemExit("non-finite output")
                print("%.3f" % ms, flush=True)
            elif cmd == "rss":
                print(peak_rss_kb(), flush=True)
            elif cmd == "quit":
                break
            else:
                raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
