"""PyTorch CPU reference for svg.bench.TrainStepBench: the same DiT (official models_SVG.py structure: adaLN-Zero
blocks, QK-norm, tanh-GELU MLP, learn_sigma) and LDM decoder, timed as forward + backward + AdamW step. The
architecture comes as arguments, printed by `TrainStepBench --torch-args` from the model's config (see
benchmarks/train-vs-pytorch.sh). Run with Debian's torch:
/usr/bin/python3 benchmarks/train_step_torch.py [--threads T] [--warmup W] [--iters N] [--nets dit,decoder] ARCH..."""
import argparse, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("threads_pos", nargs="?", type=int, help="thread count (the older positional form of --threads)")
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("--iters", type=int, default=10)
ap.add_argument("--nets", default="dit,decoder")
ap.add_argument("--grid", type=int, default=8)
ap.add_argument("--channels", type=int, default=72)
ap.add_argument("--hidden", type=int, default=128)
ap.add_argument("--depth", type=int, default=4)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--mlp-ratio", type=float, default=4.0)
ap.add_argument("--classes", type=int, default=10)
ap.add_argument("--learn-sigma", type=int, default=1)
ap.add_argument("--qk-norm", type=int, default=1)
ap.add_argument("--dit-batch", type=int, default=64)
ap.add_argument("--ch", type=int, default=32)
ap.add_argument("--ch-mult", default="1,2,2")
ap.add_argument("--res-blocks", type=int, default=1)
ap.add_argument("--attn-res", default="none")
ap.add_argument("--resolution", type=int, default=32)
ap.add_argument("--decoder-batch", type=int, default=32)
A = ap.parse_args()
if A.threads_pos:
    A.threads = A.threads_pos

torch.manual_seed(0)
if A.threads > 0:
    torch.set_num_threads(A.threads)
print("# torch", torch.__version__, "threads", torch.get_num_threads())


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class Attn(nn.Module):
    def __init__(s, d, h, qk_norm):
        super().__init__(); s.h = h; s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d)
        s.qn = nn.LayerNorm(d // h) if qk_norm else nn.Identity(); s.kn = nn.LayerNorm(d // h) if qk_norm else nn.Identity()

    def forward(s, x):
        b, t, d = x.shape
        q, k, v = s.qkv(x).reshape(b, t, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)
        q, k = s.qn(q), s.kn(k)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // s.h), -1)
        return s.proj((a @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(s, d, h, mlp_ratio, qk_norm):
        super().__init__()
        s.n1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6); s.n2 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        s.attn = Attn(d, h, qk_norm)
        m = int(d * mlp_ratio)
        s.mlp = nn.Sequential(nn.Linear(d, m), nn.GELU(approximate="tanh"), nn.Linear(m, d))
        s.ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))

    def forward(s, x, c):
        a, b_, g, a2, b2, g2 = s.ada(c).chunk(6, 1)
        x = x + g.unsqueeze(1) * s.attn(modulate(s.n1(x), a, b_))
        return x + g2.unsqueeze(1) * s.mlp(modulate(s.n2(x), a2, b2))


class DiT(nn.Module):
    def __init__(s, c, d, depth, h, tokens, classes, mlp_ratio, learn_sigma, qk_norm):
        super().__init__()
        s.ln1 = nn.Linear(c, d); s.pos = nn.Parameter(torch.randn(1, tokens, d), requires_grad=False)
        s.t = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d)); s.y = nn.Embedding(classes + 1, d)
        s.blocks = nn.ModuleList(Block(d, h, mlp_ratio, qk_norm) for _ in range(depth))
        s.fn = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6); s.fada = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))
        s.out = nn.Linear(d, 2 * c if learn_sigma else c)

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
    """LDM Decoder (ddconfig: ch, ch_mult, num_res_blocks, attn_resolutions); the mid block always has attention."""

    def __init__(s, z, ch, mult, nrb, attn_res, resolution, out_ch=3):
        super().__init__()
        bi = ch * mult[-1]; res = resolution >> (len(mult) - 1)
        s.cin = nn.Conv2d(z, bi, 3, 1, 1)
        s.m1 = Res(bi, bi); s.ma = Attn2d(bi); s.m2 = Res(bi, bi)
        s.up = nn.ModuleList()
        for i in reversed(range(len(mult))):
            bo = ch * mult[i]
            blocks, attns = nn.ModuleList(), nn.ModuleList()
            for _ in range(nrb + 1):
                blocks.append(Res(bi, bo)); bi = bo
                if res in attn_res: attns.append(Attn2d(bi))
            lvl = nn.Module(); lvl.block = blocks; lvl.attn = attns
            lvl.upc = nn.Conv2d(bi, bi, 3, 1, 1) if i != 0 else None
            if i != 0: res *= 2
            s.up.append(lvl)
        s.nout = norm(bi); s.cout = nn.Conv2d(bi, out_ch, 3, 1, 1)

    def forward(s, z):
        h = s.m2(s.ma(s.m1(s.cin(z))))
        for lvl in s.up:
            for j, b in enumerate(lvl.block):
                h = b(h)
                if len(lvl.attn) > 0: h = lvl.attn[j](h)
            if lvl.upc is not None:
                h = lvl.upc(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return s.cout(F.silu(s.nout(h)))


def params(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def bench(name, label, step):
    for _ in range(A.warmup):
        step()
    ts = []
    for _ in range(A.iters):
        s = time.perf_counter(); step(); ts.append(time.perf_counter() - s)
    ts.sort()
    print(f"{label}: median {ts[A.iters // 2]:.4f} s/step (min {ts[0]:.4f}, max {ts[-1]:.4f})")
    print(f"STEP {name} {ts[A.iters // 2]:.5f} {ts[0]:.5f} {ts[-1]:.5f}", flush=True)


def run_dit():
    c, B = A.channels, A.dit_batch
    dit = DiT(c, A.hidden, A.depth, A.heads, A.grid * A.grid, A.classes, A.mlp_ratio, A.learn_sigma, A.qk_norm)
    opt = torch.optim.AdamW(dit.parameters(), lr=1e-4, weight_decay=0)
    x1 = torch.randn(B, A.grid * A.grid, c); y = torch.arange(B) % A.classes

    def step():
        opt.zero_grad()
        z0 = torch.randn_like(x1); t = torch.rand(B); t = 0.4 * t / (1 + (0.4 - 1) * t)
        zt = (1 - t[:, None, None]) * z0 + t[:, None, None] * x1
        v = dit(zt, t, y)[:, :, :c]
        ((v - (x1 - z0)) ** 2).mean().backward(); opt.step()

    bench("dit", f"DiT step (hidden {A.hidden}, depth {A.depth}, heads {A.heads}, {A.grid}x{A.grid} tokens x {c} ch, batch {B}), {params(dit)} params", step)


def run_decoder():
    mult = [int(m) for m in A.ch_mult.split(",")]
    attn = [] if A.attn_res == "none" else [int(r) for r in A.attn_res.split(",")]
    B, lat = A.decoder_batch, A.resolution >> (len(mult) - 1)
    dec = Decoder(A.channels, A.ch, mult, A.res_blocks, attn, A.resolution)
    dopt = torch.optim.AdamW(dec.parameters(), lr=1e-4, weight_decay=0)
    z = torch.randn(B, A.channels, lat, lat); target = torch.rand(B, 3, A.resolution, A.resolution) * 2 - 1

    def step():
        dopt.zero_grad(); (dec(z) - target).abs().mean().backward(); dopt.step()

    bench("decoder", f"decoder step (ch {A.ch}, mult {A.ch_mult}, res blocks {A.res_blocks}, {lat}x{lat}x{A.channels} -> "
                     f"{A.resolution}x{A.resolution}, batch {B}, L1), {params(dec)} params", step)


for net in A.nets.split(","):
    {"dit": run_dit, "decoder": run_decoder}[net]()
