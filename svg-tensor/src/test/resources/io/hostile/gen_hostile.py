"""Hostile torch files for the reader regression tests (run once with Debian's /usr/bin/python3, torch 1.13).

stride0_expand.pt         torch.save({"w": torch.zeros(1).expand(40000, 40000)}): a real torch file whose tensor is a
                          stride-0 view of a 1-element storage (1.6e9 elements = 6.4 GB once materialised).
stride0_expand_legacy.pt  the same in the legacy (non-zip) format.
huge_shape.pt             {"w": tensor of size [65536, 65536, 65536, 65536], strides 0, on a 1-element storage}: its
                          element count is 2^64, which wraps to 0 in a long. torch itself refuses to build it, so the
                          pickle is written by hand (the same opcodes torch.save emits).
"""
import collections, io, pickle, zipfile
import torch

t = torch.zeros(1).expand(40000, 40000)
torch.save({"w": t}, "stride0_expand.pt")
torch.save({"w": t}, "stride0_expand_legacy.pt", _use_new_zipfile_serialization=False)


class Storage:
    pass


STORAGE = Storage()


class Huge:
    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (STORAGE, 0, (65536,) * 4, (0,) * 4, False, collections.OrderedDict()))


class P(pickle.Pickler):
    def persistent_id(self, o):
        return ("storage", torch.FloatStorage, "0", "cpu", 1) if o is STORAGE else None


buf = io.BytesIO()
P(buf, protocol=2).dump({"w": Huge()})
with zipfile.ZipFile("huge_shape.pt", "w", zipfile.ZIP_STORED) as z:
    z.writestr("huge_shape/data.pkl", buf.getvalue())
    z.writestr("huge_shape/data/0", b"\0\0\0\0")
    z.writestr("huge_shape/version", "3\n")
