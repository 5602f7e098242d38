"""PyTorch CPU reference for svg.bench.TrainStepBench: the same DiT (official models_SVG.py structure: adaLN-Zero
blocks, QK-norm, tanh-GELU MLP, learn_sigma) and LDM decoder configuration of the default model, timed as
forward + backward + AdamW step. Run with Debian's torch: /usr/bin/python3 benchmarks/train_step_torch.py [threads]."""
import math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
if len(sys.argv) > 1:
    torch.set_num_threads(int(sys.argv[1]))
print("threads", torch.get_num_threads())


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class Attn(nn.Module):
    def __init__(s, d, h):
        super().__init__(); s.h = h; s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d)
        s.qn = nn.LayerNorm(d // h); s.kn = nn.LayerNorm(d // h)

    def forward(s, x):
        b, t, d = x.shape
        q, k, v = s.qkv(x).reshape(b, t, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)
        q, k = s.qn(q), s.kn(k)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // s.h), -1)
        return s.proj((a @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.n1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6); s.n2 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        s.attn = Attn(d, h)
        s.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))
        s.ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))

    def forward(s, x, c):
        a, b_, g, a2, b2, g2 = s.ada(c).chunk(6, 1)
        x = x + g.unsqueeze(1) * s.attn(modulate(s.n1(x), a, b_))
        return x + g2.unsqueeze(1) * s.mlp(modulate(s.n2(x), a2, b2))


class DiT(nn.Module):
    def __init__(s, c=72, d=128, depth=4, h=4, tokens=16, classes=10):
        super().__init__()
        s.ln1 = nn.Linear(c, d); s.pos = nn.Parameter(torch.randn(1, tokens, d), requires_grad=False)
        s.t = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d)); s.y = nn.Embedding(classes + 1, d)
        s.blocks = nn.ModuleList(Block(d, h) for _ in range(depth))
        s.fn = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6); s.fada = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))
        s.out = nn.Linear(d, 2 * c)

    def forward(s, x, t, y):
        f = torch.exp(-math.log(10000) * torch.arange(128) / 128)
        a = t[:, None] * f[None]
        c = s.t(torch.cat([torch.cos(a), torch.sin(a)], -1)) + s.y(y)
        x = s.ln1(x) + s.pos
        for b in s.blocks:
            x = b(x, c)
        sh, sc = s.fada(c).chunk(2, 1)
        return s.out(modulate(s.fn(x), sh, sc))


def norm(c):
    return nn.GroupNorm(32, c, eps=1e-6)


class Res(nn.Module):
    def __init__(s, i, o):
        super().__init__()
        s.n1 = norm(i); s.c1 = nn.Conv2d(i, o, 3, 1, 1); s.n2 = norm(o); s.c2 = nn.Conv2d(o, o, 3, 1, 1)
        s.nin = nn.Conv2d(i, o, 1) if i != o else None

    def forward(s, x):
        h = s.c2(F.silu(s.n2(s.c1(F.silu(s.n1(x))))))
        return (s.nin(x) if s.nin is not None else x) + h


class Attn2d(nn.Module):
    def __init__(s, c):
        super().__init__(); s.n = norm(c); s.q = nn.Conv2d(c, c, 1); s.k = nn.Conv2d(c, c, 1); s.v = nn.Conv2d(c, c, 1); s.o = nn.Conv2d(c, c, 1)

    def forward(s, x):
        b, c, h, w = x.shape
        n = s.n(x)
        q, k, v = s.q(n).reshape(b, c, -1), s.k(n).reshape(b, c, -1), s.v(n).reshape(b, c, -1)
        a = torch.softmax(q.transpose(1, 2) @ k * c ** -0.5, -1)
        return x + s.o((v @ a.transpose(1, 2)).reshape(b, c, h, w))


class Decoder(nn.Module):
    """LDM Decoder with ch 32, ch_mult (1,1,1,2), num_res_blocks 0, no attention at any level (mid block has one)."""

    def __init__(s, z=72, ch=32, mult=(1, 1, 1, 2), nrb=0):
        super().__init__()
        bi = ch * mult[-1]
        s.cin = nn.Conv2d(z, bi, 3, 1, 1)
        s.m1 = Res(bi, bi); s.ma = Attn2d(bi); s.m2 = Res(bi, bi)
        s.up = nn.ModuleList()
        for i in reversed(range(len(mult))):
            bo = ch * mult[i]
            blocks = nn.ModuleList()
            for _ in range(nrb + 1):
                blocks.append(Res(bi, bo)); bi = bo
            lvl = nn.Module(); lvl.block = blocks
            lvl.upc = nn.Conv2d(bi, bi, 3, 1, 1) if i != 0 else None
            s.up.append(lvl)
        s.nout = norm(bi); s.cout = nn.Conv2d(bi, 3, 3, 1, 1)

    def forward(s, z):
        h = s.m2(s.ma(s.m1(s.cin(z))))
        for lvl in s.up:
            for b in lvl.block:
                h = b(h)
            if lvl.upc is not None:
                h = lvl.upc(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return s.cout(F.silu(s.nout(h)))


def bench(name, step, warm=3, iters=10):
    for _ in range(warm):
        step()
    ts = []
    for _ in range(iters):
        s = time.perf_counter(); step(); ts.append(time.perf_counter() - s)
    ts.sort()
    print(f"{name}: median {ts[iters // 2]:.4f} s/step (min {ts[0]:.4f}, max {ts[-1]:.4f})")


dit = DiT(); opt = torch.optim.AdamW(dit.parameters(), lr=1e-4, weight_decay=0)
x1 = torch.randn(64, 16, 72); y = torch.arange(64) % 10


def dit_step():
    opt.zero_grad()
    z0 = torch.randn_like(x1); t = torch.rand(64); t = 0.4 * t / (1 + (0.4 - 1) * t)
    zt = (1 - t[:, None, None]) * z0 + t[:, None, None] * x1
    v = dit(zt, t, y)[:, :, :72]
    ((v - (x1 - z0)) ** 2).mean().backward(); opt.step()


bench("DiT step (hidden 128, depth 4, 16 tokens x 72 ch, batch 64)", dit_step)
dec = Decoder(); dopt = torch.optim.AdamW(dec.parameters(), lr=1e-4, weight_decay=0)
z = torch.randn(32, 72, 4, 4); target = torch.rand(32, 3, 32, 32) * 2 - 1


def dec_step():
    dopt.zero_grad(); (dec(z) - target).abs().mean().backward(); dopt.step()


bench("decoder step (ch 32, mult 1,1,1,2, 4x4x72 -> 32x32, batch 32, L1)", dec_step)
