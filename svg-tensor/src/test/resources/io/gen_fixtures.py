"""Generates the small torch fixtures for svg.tensor.io tests (run once with Debian's /usr/bin/python3, torch 1.13).

torch_mixed.pt            dict with float/half/bfloat16/double/int64/bool tensors, a transposed view and two views
                          of one shared storage, an nn.Parameter, nested python values (ints, floats, strings, tuple,
                          list, None, bools).
torch_mixed_expected.safetensors   every tensor of torch_mixed.pt as contiguous float32 (keys flattened with '.').
torch_mixed_big.pt        torch_mixed.pt rewritten as a torch 2.x style archive with byteorder "big" and
                          byte-swapped storages (torch 1.13 cannot write that itself).
torch_mixed_v2.pt         torch 2.x layout: byteorder "little" and .data/serialization_id entries added.
half_expected.safetensors a float32 vector with its torch .half() and .bfloat16() roundings (stored as F32 values),
                          to check our round-to-nearest-even writers against torch.
"""
import json, struct, zipfile, io, collections
import torch

torch.manual_seed(0)
base = torch.randn(6, 4)
shared = torch.arange(24, dtype=torch.float32)
obj = collections.OrderedDict()
obj["f32"] = torch.randn(3, 5)
obj["f16"] = torch.randn(4, 2).half()
obj["bf16"] = torch.randn(2, 3).bfloat16()
obj["f64"] = torch.randn(5).double()
obj["labels"] = torch.tensor([3, -1, 7, 1000000], dtype=torch.int64)
obj["mask"] = torch.tensor([True, False, True])
obj["i32"] = torch.tensor([[1, -2], [3, 4]], dtype=torch.int32)
obj["u8"] = torch.tensor([0, 255, 128], dtype=torch.uint8)
obj["transposed"] = base.t()                 # non-contiguous view: strides (1, 4)
obj["view_a"] = shared[2:14].view(3, 4)      # offset 2 into a shared storage
obj["view_b"] = shared.view(4, 6)[:, 1::2]   # same storage, strided
obj["param"] = torch.nn.Parameter(torch.randn(2, 2))
obj["scalar"] = torch.tensor(2.5)
obj["epoch"] = 7
obj["lr"] = 0.001
obj["name"] = "svg"
obj["shape"] = (1, 2, 3)
obj["items"] = [1, "two", None, True, False]
obj["empty"] = {}
torch.save(obj, "torch_mixed.pt")

def write_st(path, tensors):
    header, off, blobs = {}, 0, []
    for k, t in tensors.items():
        b = t.contiguous().numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

write_st("torch_mixed_expected.safetensors",
         {k: v.detach().float() for k, v in obj.items() if isinstance(v, torch.Tensor)})

def rewrite(src, dst, order, swap):
    zin = zipfile.ZipFile(src)
    pkl = [n for n in zin.namelist() if n.endswith("/data.pkl")][0]
    prefix = pkl[: -len("data.pkl")]
    # element size per storage key, from the loaded object (keys are assigned in pickling order)
    sizes = {}
    import pickle
    class U(pickle.Unpickler):
        def persistent_load(self, pid):
            sizes[pid[2]] = {"FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "DoubleStorage": 8,
                             "LongStorage": 8, "BoolStorage": 1, "IntStorage": 4, "ByteStorage": 1}[pid[1].__name__]
            return torch.zeros(1).storage()  # placeholder: only the ids matter here
        def find_class(self, m, n):
            if m == "torch._utils": return lambda *a, **k: None
            return super().find_class(m, n)
    U(io.BytesIO(zin.read(pkl))).load()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if swap and n.startswith(prefix + "data/"):
                es = sizes[n[len(prefix + "data/"):]]
                data = b"".join(data[i:i + es][::-1] for i in range(0, len(data), es))
            zout.writestr(n.replace(prefix, "archive/"), data)
        zout.writestr("archive/byteorder", order)
        zout.writestr("archive/.data/serialization_id", "0123456789")

rewrite("torch_mixed.pt", "torch_mixed_big.pt", "big", True)
rewrite("torch_mixed.pt", "torch_mixed_v2.pt", "little", False)

x = torch.cat([torch.randn(200) * 10, torch.randn(50) * 1e-6, torch.tensor([65504., 65520., 1e6, -1e-8, 0.0,
               1.0 + 2**-11, 1.0 + 3 * 2**-11, 1.0 + 2**-8, 1.0 + 3 * 2**-8])])
write_st("half_expected.safetensors", {"x": x, "x_f16": x.half().float(), "x_bf16": x.bfloat16().float()})

# Plain python values pickled with protocols 0, 2, 4 and 5 (exercises text, binary, framed/memoized opcodes).
import pickle
values = [1, 2, 'a', 'a', None, True, False, 3.0, 10, [3], -5, 2**40, 2**70, -2**63, (1,), (1, 2), (1, 2, 3), (),
          {'k': 'v'}, 'é', 70000, -1, 'x' * 300]
for proto in (0, 2, 4, 5):
    # bytes and sets only have their own opcodes from protocol 3/4 on (before, they need refused globals)
    extra = [b'ab', {1, 2}, frozenset([3])] if proto >= 4 else []
    with open(f"values_p{proto}.pkl", "wb") as f:
        pickle.dump(values + extra, f, protocol=proto)
with open("bytes_p2.pkl", "wb") as f:
    pickle.dump([b'ab'], f, protocol=2)

# Legacy (pre-1.6, non-zip) format of the same object, and a real module state_dict (OrderedDict with _metadata).
torch.save(obj, "torch_mixed_legacy.pt", _use_new_zipfile_serialization=False)
net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4), torch.nn.Conv2d(4, 2, 3))
sd = net.state_dict()
assert hasattr(sd, "_metadata")
torch.save(sd, "module_state.pt")
torch.save(sd, "module_state_legacy.pt", _use_new_zipfile_serialization=False)
write_st("module_state_expected.safetensors", {k: v.float() for k, v in sd.items()})

# Real files from the official SVG repository (commit fd69855a): dinov3_sp_stats.pt (torch 2.x zip layout, byteorder
# entry) and the LPIPS linear layers autoencoder/taming/modules/autoencoder/lpips/vgg.pth (legacy format, cuda:0
# storages), copied as dinov3_sp_stats.pt and lpips_vgg_legacy.pth; their expected values as float32 safetensors.
write_st("dinov3_sp_stats_expected.safetensors", torch.load("dinov3_sp_stats.pt", map_location="cpu"))
write_st("lpips_vgg_expected.safetensors", torch.load("lpips_vgg_legacy.pth", map_location="cpu"))
