# Makes tiny_checkpoint.pt for InspectCommandTest / ConvertCommandTest with Debian's torch (1.13 was used):
#   /usr/bin/python3 make_tiny_checkpoint.py
# Layout as train_svg.py saves it: {"model": ..., "ema": ..., "steps": int}; key names follow the official
# DinoDecoder (encoder.* DINOv3, extra_vit.* residual ViT, decoder.* LDM decoder).
from collections import OrderedDict
import torch
g = torch.Generator().manual_seed(0)
def sd(scale):
    return OrderedDict([
        ("encoder.cls_token", torch.randn(1, 1, 8, generator=g) * scale),
        ("encoder.patch_embed.proj.weight", torch.randn(8, 3, 4, 4, generator=g) * scale),
        ("encoder.rope_embed.periods", torch.arange(1, 3, dtype=torch.float32)),
        ("extra_vit.conv_proj.weight", torch.randn(6, 3, 4, 4, generator=g) * scale),
        ("decoder.conv_in.weight", torch.randn(5, 10, 3, 3, generator=g) * scale),
        ("decoder.conv_in.bias", torch.randn(5, generator=g) * scale),
        ("decoder.norm_out.weight", torch.ones(5)),
    ])
torch.save({"model": sd(1.0), "ema": sd(0.5), "steps": 7}, "tiny_checkpoint.pt")
# the same content in the pre-1.6 (non-zip) format
g = torch.Generator().manual_seed(0)
torch.save({"model": sd(1.0), "ema": sd(0.5), "steps": 7}, "tiny_checkpoint_legacy.pt", _use_new_zipfile_serialization=False)
