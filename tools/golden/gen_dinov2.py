"""Golden vectors for the DINOv2 ViT from the OFFICIAL code (github:facebookresearch/dinov2, commit b8931f7),
random weights, torch 1.13 CPU float32. Writes <out>/dinov2_vit and <out>/dinov2_vit_reg in the layout of the
shared golden cases (case.json, io.safetensors, weights.safetensors).

usage: PYTHONPATH=<dinov2 checkout> /usr/bin/python3 gen_dinov2.py <out_dir>
"""
import json, math, os, struct, sys
import numpy as np
import torch

if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
    # torch 1.13 shim (math unchanged), as for the shared golden cases
    def _sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False):
        return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v
    torch.nn.functional.scaled_dot_product_attention = _sdpa

from dinov2.models.vision_transformer import DinoVisionTransformer

torch.set_num_threads(2)


def save_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy()
        dt = {np.float32: "F32", np.int64: "I64"}[a.dtype.type]
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def run(model, x):
    with torch.no_grad():
        f = model.forward_features(x)
        out = {
            "x_norm_clstoken": f["x_norm_clstoken"],
            "x_norm_regtokens": f["x_norm_regtokens"],
            "x_norm_patchtokens": f["x_norm_patchtokens"],
            "x_prenorm": f["x_prenorm"],
            "forward_output": model(x),
        }
        B, _, H, W = x.shape
        tokens = model.patch_embed(x)
        tokens = torch.cat((model.cls_token.expand(B, -1, -1), tokens), dim=1)
        out["pos_embed_interp"] = model.interpolate_pos_encoding(tokens, H, W)
        out["gil_last_reshaped"] = model.get_intermediate_layers(x, n=1, reshape=True)[0]
    return {k: v for k, v in out.items() if v.numel() > 0}  # no registers: x_norm_regtokens is empty


def make_case(out_dir, name, seed, cfg, shape):
    torch.manual_seed(seed)
    model = DinoVisionTransformer(**cfg).eval()
    with torch.no_grad():
        for p in model.parameters():  # every tensor non-trivial (layer scale, norms, biases, tokens)
            p.copy_(torch.randn_like(p) * (0.5 if p.dim() > 1 else 0.3) / math.sqrt(max(1, p.shape[-1] if p.dim() > 1 else 1)))
    x = torch.randn(*shape)
    out = run(model, x)
    m64 = DinoVisionTransformer(**cfg).eval().double()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    out64 = run(m64, x.double())
    tol, obs = {}, {}
    for k, v in out.items():
        d = (v.double() - out64[k]).abs()
        mx, rel, mg = d.max().item(), (d.norm() / out64[k].norm()).item(), out64[k].abs().max().item()
        obs[k] = {"max_abs": mx, "rel_l2": rel, "max_golden": mg}
        tol[k] = {"max_abs": max(20 * mx, 1e-5 * max(1.0, mg)), "rel_l2": max(20 * rel, 1e-5)}
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    save_safetensors(os.path.join(d, "weights.safetensors"), model.state_dict(), {"format": "pt", "model": "dinov2"})
    io = {"input/x": x}
    io.update({"output/" + k: v for k, v in out.items()})
    save_safetensors(os.path.join(d, "io.safetensors"), io, {"format": "pt"})
    case = {
        "case": "dinov2_vit", "set": "public", "seed": seed,
        "note": "Produced by running the OFFICIAL DINOv2 implementation with random weights; see tools/golden/gen_dinov2.py",
        "official": {"repo": "facebookresearch/dinov2", "commit": "b8931f7", "file": "dinov2/models/vision_transformer.py",
                     "cls": "DinoVisionTransformer", "functions": ["forward_features", "forward", "interpolate_pos_encoding", "get_intermediate_layers"]},
        "environment": {"torch": torch.__version__, "threads": 2, "dtype": "float32", "device": "cpu"},
        "config": cfg,
        "weights": {"file": "weights.safetensors", "key_names": "exact DinoVisionTransformer.state_dict() names"},
        "inputs": {"x": {"shape": list(x.shape), "dtype": "float32", "layout": "NCHW"}},
        "outputs": {k: {"shape": list(v.shape), "dtype": "float32"} for k, v in out.items()},
        "tolerance": tol, "observed_f32_vs_f64": obs,
    }
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(case, f, indent=1)


if __name__ == "__main__":
    out_dir = sys.argv[1]
    base = dict(img_size=56, patch_size=14, in_chans=3, embed_dim=64, depth=2, num_heads=2, mlp_ratio=4.0,
                qkv_bias=True, ffn_bias=True, proj_bias=True, init_values=1.0, ffn_layer="mlp", block_chunks=0)
    # ViT with a 4x4 learned grid resized to 5x3 (offset 0.1, plain bicubic), as dinov2_vit*14
    make_case(out_dir, "dinov2_vit", 20251201, dict(base, num_register_tokens=0, interpolate_antialias=False, interpolate_offset=0.1), (2, 3, 70, 42))
    # registers variant: 4 registers, antialiased bicubic by size, 4x4 -> 2x6 (down rows, up columns), as dinov2_vit*14_reg
    make_case(out_dir, "dinov2_vit_reg", 20251202, dict(base, num_register_tokens=4, interpolate_antialias=True, interpolate_offset=0.0), (2, 3, 28, 84))
