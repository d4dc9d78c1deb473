#!/usr/bin/python3
"""Generate the checkpoint-conversion fixtures (src/test/resources/fixtures/checkpoints/).

One small random DDPM UNet (ddim layout, spec shared/docs/unet-and-checkpoints.md Part A) is
saved the ways real checkpoints come, and the Java converter must turn each back into the same
network:

  ddim-zip.pth            torch.save(state_dict) in the zip format (PyTorch >= 1.6 default);
                          an OrderedDict with `_metadata`, float32
  ddim-legacy.pt          the same object in the legacy pre-1.6 format
                          (_use_new_zipfile_serialization=False)
  ddim-ckpt-list.pth      ddim's training checkpoint: [model_state, optimizer_state, epoch,
                          step, ema_state]; model_state holds the *raw* weights under
                          `module.` keys (DataParallel), ema_state (a plain dict) the EMA
                          weights = the network of ddim-zip.pth; Adam state for a few params
  ddim-fp16.ckpt          the network rounded to float16 (HalfStorage), zip format
  ddim-config.json        the ddim config (for --config)
  diffusers/config.json   diffusers UNet2DModel config of the same network (DDPM-style fields)
  diffusers/diffusion_pytorch_model.bin
                          diffusers key names with the deprecated attention spelling
                          (query/key/value/proj_attn), attention projections [C, C], float32
  diffusers/diffusion_pytorch_model.safetensors
                          diffusers key names with the current spelling (to_q/to_k/to_v/to_out.0),
                          the float16-rounded network stored as F16
  checkpoint-io.safetensors
                          x [2,3,8,8], t [2] and PyTorch's outputs: eps (the EMA/ddim-zip
                          network), eps_raw (the list's raw weights), eps_f16 (the float16
                          network, computed in float32)
  storage-zoo.pt, storage-zoo-legacy.pt, storage-zoo-expected.safetensors
                          a dict of small tensors of every storage type the reader converts
                          (float32/16, bfloat16, float64, int64/32/16/8, uint8, bool) and of
                          views (offset slices, transposes, stride 0, 0-d, empty, a Parameter),
                          in both formats; the expected values as contiguous F32
  malicious/*.pth, malicious/*-legacy.pt
                          torch containers whose pickle would run `touch timetuner-pwned.marker`
                          (os.system / posix.system / builtins.exec / subprocess.Popen via GLOBAL
                          + REDUCE, STACK_GLOBAL, INST, OBJ, and a payload inside an otherwise
                          valid state dict); the script proves in a temporary directory that
                          PyTorch's own unsafe torch.load *would* create the marker

Size. The whole set must stay under 3 MB, but ch must be >= 32 (GroupNorm has 32 groups) and a
32-channel-only UNet ignores t (norm2 removes temb_proj's per-channel offset), so the network
has a 64-channel level and 665k parameters (2.7 MB as one float32 copy). To keep several copies
small, the torch files store most tensors as *views* into three shared random pool storages
(weights of rank >= 2, GroupNorm scales around 1, biases; overlapping windows at different
offsets, so every tensor still has its own values). torch.save keeps views as views: each file
holds the pools once, and the files exercise exactly what the issue asks for (shared storages,
offsets, strides). conv_out.weight/bias have storages of their own (the common case), and a few
tensors are other kinds of view: temb.dense.0.weight is a transpose (stride (1, 128)),
conv_in.weight a permutation of a TF-layout [kh, kw, in, out] tensor, norm_out.bias an expanded
scalar (stride 0). The raw weights of the list checkpoint are windows into the same pools at offset + 1. Only the
safetensors file (which cannot share) holds a full copy, in F16.

The diffusers names come from this script's own ddim -> diffusers mapping (spec 2.5), which is
first checked against the spec's table of all 328 CIFAR-10 key pairs (cifar10-keys.tsv).

Everything is CPU float32, single-threaded, fixed seeds; reruns reproduce every file byte for byte
except the legacy-format ones, whose storage keys are memory addresses. Usage:
  /usr/bin/python3 tools/make_checkpoint_fixtures.py [--out DIR]
"""

import argparse
import collections
import json
import os
import pickle
import re
import shutil
import struct
import sys
import tempfile
import time
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddpm_unet import CONFIG_KEYS, DDPMUNet  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "checkpoints")

CONFIG = {"ch": 32, "out_ch": 3, "ch_mult": [1, 2], "num_res_blocks": 1, "attn_resolutions": [8],
          "dropout": 0.0, "in_channels": 3, "resolution": 8, "resamp_with_conv": True}
SEED = 3003
T_VALUES = [12.0, 517.8]
MARKER = "timetuner-pwned.marker"

# --------------------------------------------------------------------------------------------
# ddim -> diffusers key mapping (spec 2.5), written from the table's rules
# --------------------------------------------------------------------------------------------

RESNET_NAMES = {"norm1": "norm1", "conv1": "conv1", "temb_proj": "time_emb_proj", "norm2": "norm2",
                "conv2": "conv2", "nin_shortcut": "conv_shortcut"}
ATTN_NAMES = {"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}
ATTN_NAMES_OLD = {"norm": "group_norm", "q": "query", "k": "key", "v": "value", "proj_out": "proj_attn"}


def ddim_to_diffusers(key, levels, old_attention_names=False):
    attn = ATTN_NAMES_OLD if old_attention_names else ATTN_NAMES
    simple = {"temb.dense.0": "time_embedding.linear_1", "temb.dense.1": "time_embedding.linear_2",
              "conv_in": "conv_in", "conv_out": "conv_out", "norm_out": "conv_norm_out"}
    module, param = key.rsplit(".", 1)
    if module in simple:
        return f"{simple[module]}.{param}"
    m = re.fullmatch(r"(down|up)\.(\d+)\.block\.(\d+)\.(\w+)", module)
    if m:
        side, i, j, sub = m.groups()
        blk = f"down_blocks.{i}" if side == "down" else f"up_blocks.{levels - 1 - int(i)}"
        return f"{blk}.resnets.{j}.{RESNET_NAMES[sub]}.{param}"
    m = re.fullmatch(r"(down|up)\.(\d+)\.attn\.(\d+)\.(\w+)", module)
    if m:
        side, i, j, sub = m.groups()
        blk = f"down_blocks.{i}" if side == "down" else f"up_blocks.{levels - 1 - int(i)}"
        return f"{blk}.attentions.{j}.{attn[sub]}.{param}"
    m = re.fullmatch(r"down\.(\d+)\.downsample\.conv", module)
    if m:
        return f"down_blocks.{m.group(1)}.downsamplers.0.conv.{param}"
    m = re.fullmatch(r"up\.(\d+)\.upsample\.conv", module)
    if m:
        return f"up_blocks.{levels - 1 - int(m.group(1))}.upsamplers.0.conv.{param}"
    m = re.fullmatch(r"mid\.block_([12])\.(\w+)", module)
    if m:
        return f"mid_block.resnets.{int(m.group(1)) - 1}.{RESNET_NAMES[m.group(2)]}.{param}"
    m = re.fullmatch(r"mid\.attn_1\.(\w+)", module)
    if m:
        return f"mid_block.attentions.0.{attn[m.group(1)]}.{param}"
    raise KeyError(f"no diffusers name for ddim key {key}")


def is_attention_projection(ddim_key):
    return re.fullmatch(r"((down|up)\.\d+\.attn\.\d+|mid\.attn_1)\.(q|k|v|proj_out)\.weight", ddim_key) is not None


def to_diffusers_state_dict(sd, levels, old_attention_names):
    out = collections.OrderedDict()
    for k, v in sd.items():
        if is_attention_projection(k):
            v = v.view(v.shape[0], v.shape[1])  # [C, C, 1, 1] -> [C, C] (Linear); still a view
        out[ddim_to_diffusers(k, levels, old_attention_names)] = v
    return out


def check_mapping_against_spec_table(out_dir):
    """The mapping must reproduce all 328 CIFAR-10 pairs of the spec's Appendix A."""
    path = os.path.join(out_dir, "cifar10-keys.tsv")
    rows = [line.rstrip("\n").split("\t") for line in open(path) if not line.startswith("#")]
    assert len(rows) == 328, len(rows)
    cifar = {"ch": 128, "out_ch": 3, "ch_mult": [1, 2, 2, 2], "num_res_blocks": 2, "attn_resolutions": [16],
             "dropout": 0.1, "in_channels": 3, "resolution": 32, "resamp_with_conv": True}
    sd = DDPMUNet(cifar).state_dict()  # 35.7M parameters: about a second on the CPU
    assert list(sd) == [r[0] for r in rows], "ddim keys/order differ from the spec table"
    for (dk, dshape, fk, fshape) in rows:
        assert json.loads(dshape) == list(sd[dk].shape), dk
        assert ddim_to_diffusers(dk, 4) == fk, (dk, ddim_to_diffusers(dk, 4), fk)
        want = list(sd[dk].shape)[:2] if is_attention_projection(dk) else list(sd[dk].shape)
        assert json.loads(fshape) == want, fk
    print(f"mapping: all {len(rows)} CIFAR-10 key pairs of the spec table reproduced")


# --------------------------------------------------------------------------------------------
# The network and its views
# --------------------------------------------------------------------------------------------

def build_weights():
    """Returns (ema, raw, f16): three OrderedDicts of views, in ddim's state-dict order."""
    torch.manual_seed(SEED)
    names = DDPMUNet(CONFIG).state_dict()  # only for names, shapes, order
    gen = torch.Generator().manual_seed(SEED + 1)
    own = {"conv_out.weight", "conv_out.bias"}  # the common case: one tensor, one storage
    big = [k for k, v in names.items() if v.dim() >= 2]
    vec = [k for k, v in names.items() if v.dim() == 1]
    slack = 256
    pools = {  # name -> (values, raw offset shift)
        "w": torch.randn(max(names[k].numel() for k in big) + slack, generator=gen) * 0.05,
        "gamma": 1.0 + 0.2 * torch.randn(max(names[k].numel() for k in vec) + slack, generator=gen),
        "beta": 0.1 * torch.randn(max(names[k].numel() for k in vec) + slack, generator=gen),
    }
    pools16 = {n: p.half() for n, p in pools.items()}
    temb0 = torch.randn(32, 128, generator=gen) * 0.2          # stored transposed
    conv_in_tf = torch.randn(3, 3, 3, 32, generator=gen) * 0.2   # [kh, kw, in, out] (TF layout)

    ema, raw, f16 = collections.OrderedDict(), collections.OrderedDict(), collections.OrderedDict()
    for k, ref in names.items():
        shape = ref.shape
        if k == "temb.dense.0.weight":
            ema[k] = temb0.t()                                   # size (128, 32), stride (1, 128)
            raw[k] = (temb0 * 0.9).t()
            f16[k] = temb0.half().t()
        elif k == "conv_in.weight":
            ema[k] = conv_in_tf.permute(3, 2, 0, 1)              # [out, in, kh, kw], permuted strides
            raw[k] = (conv_in_tf + 0.01).permute(3, 2, 0, 1)
            f16[k] = conv_in_tf.half().permute(3, 2, 0, 1)
        elif k == "norm_out.bias":
            ema[k] = torch.tensor([0.07]).expand(shape[0])      # stride (0,)
            raw[k] = torch.tensor([0.05]).expand(shape[0])
            f16[k] = torch.tensor([0.07]).half().expand(shape[0])
        elif k in own:
            v = torch.randn(shape, generator=gen) * 0.05
            ema[k], raw[k], f16[k] = v, v + 0.01, v.half()
        else:
            pool = "w" if ref.dim() >= 2 else ("gamma" if ".norm" in k and k.endswith(".weight") else "beta")
            n = ref.numel()
            off = int(torch.randint(0, pools[pool].numel() - n, (1,), generator=gen))
            ema[k] = pools[pool][off:off + n].view(shape)
            raw[k] = pools[pool][off + 1:off + 1 + n].view(shape)
            f16[k] = pools16[pool][off:off + n].view(shape)
    return ema, raw, f16


def model_from(sd):
    m = DDPMUNet(CONFIG)
    m.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    m.eval()
    return m


def run(sd, x, t):
    with torch.no_grad():
        return model_from(sd)(x, t)


def with_metadata(sd, metadata_source):
    out = collections.OrderedDict(sd.items())
    out._metadata = metadata_source._metadata
    return out


def check_reload(path, original):
    loaded = torch.load(path)
    if isinstance(original, dict):
        assert list(loaded) == list(original), path
        for k in original:
            a, b = loaded[k], original[k]
            assert a.dtype == b.dtype and a.shape == b.shape and a.stride() == b.stride(), (path, k)
            assert torch.equal(a, b), (path, k)
    return loaded


def storage_count(sd):
    return len({v.storage().data_ptr() for v in sd.values()})


# --------------------------------------------------------------------------------------------
# Storage zoo
# --------------------------------------------------------------------------------------------

def make_zoo(out_dir):
    base = torch.arange(12, dtype=torch.float32) * 0.5 - 2.0
    zoo = collections.OrderedDict()
    zoo["f32"] = torch.tensor([[1.5, -2.25, 3.0], [0.1, 1e-30, -7e20]], dtype=torch.float32)
    zoo["f16"] = torch.tensor([1.0, -0.5, 65504.0, 6.1e-5, 5.96e-8, float("inf")], dtype=torch.float16)
    zoo["bf16"] = torch.tensor([1.0, -3.140625, 1e30, -1e-30], dtype=torch.bfloat16)
    zoo["f64"] = torch.tensor([0.1, -1e300, 2.5], dtype=torch.float64)
    zoo["i64"] = torch.tensor([-3, 0, 2 ** 40], dtype=torch.int64)
    zoo["i32"] = torch.tensor([-7, 123456], dtype=torch.int32)
    zoo["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    zoo["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    zoo["u8"] = torch.tensor([0, 255], dtype=torch.uint8)
    zoo["bool"] = torch.tensor([True, False, True])
    zoo["slice"] = base[2:7]                                  # offset 2
    zoo["transposed"] = base.view(3, 4).t()                   # size (4, 3), stride (1, 4)
    zoo["strided"] = base[1::3]                               # offset 1, stride 3
    zoo["permuted"] = base.view(2, 3, 2).permute(2, 0, 1)     # stride (1, 6, 2)
    zoo["expanded"] = torch.tensor([0.25]).expand(2, 3)       # stride (0, 0)
    zoo["scalar"] = torch.tensor(3.5)
    zoo["empty"] = torch.zeros(0, 3)
    zoo["param"] = torch.nn.Parameter(torch.tensor([[1.0, 2.0]]))
    zoo["half_view"] = torch.arange(8, dtype=torch.float16)[3:6]
    zoo["bf16_t"] = torch.arange(6, dtype=torch.bfloat16).view(2, 3).t()
    for name, kw in [("storage-zoo.pt", {}), ("storage-zoo-legacy.pt", {"_use_new_zipfile_serialization": False})]:
        path = os.path.join(out_dir, name)
        torch.save(zoo, path, **kw)
        check_reload(path, zoo)
    expected = collections.OrderedDict((k, v.detach().to(torch.float32).contiguous()) for k, v in zoo.items())
    save_file(expected, os.path.join(out_dir, "storage-zoo-expected.safetensors"),
              metadata={"note": "contiguous float32 values of the storage-zoo tensors"})
    assert zoo["slice"].storage_offset() == 2 and zoo["transposed"].stride() == (1, 4)


# --------------------------------------------------------------------------------------------
# Malicious pickles
# --------------------------------------------------------------------------------------------

def _binunicode(s):
    b = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(b)) + b


def _short_binunicode(s):
    b = s.encode("utf-8")
    return b"\x8c" + bytes([len(b)]) + b


CMD = "touch " + MARKER
PAYLOADS = {
    # GLOBAL + REDUCE: os.system("touch ...")
    "os-system": b"\x80\x02cos\nsystem\n" + _binunicode(CMD) + b"\x85R.",
    # what pickle really writes for os.system on Linux
    "posix-system": b"\x80\x02cposix\nsystem\n" + _binunicode(CMD) + b"\x85R.",
    "builtins-exec": b"\x80\x02cbuiltins\nexec\n" + _binunicode(f"open({MARKER!r}, 'w').close()") + b"\x85R.",
    "subprocess-popen": (b"\x80\x02csubprocess\nPopen\n]" + _binunicode("touch") + b"a" + _binunicode(MARKER)
                         + b"a\x85R."),
    # protocol 4 STACK_GLOBAL: module and name come from the stack
    "stack-global": (b"\x80\x04" + _short_binunicode("os") + _short_binunicode("system") + b"\x93"
                     + _short_binunicode(CMD) + b"\x85R."),
    # INST: class named in the operand, called with the items above the mark
    "inst": b"\x80\x02(" + _binunicode(CMD) + b"ios\nsystem\n.",
    # OBJ: class and arguments above the mark
    "obj": b"\x80\x02(cos\nsystem\n" + _binunicode(CMD) + b"o.",
    # a real-looking state dict whose second value runs the payload
    "nested": (b"\x80\x02ccollections\nOrderedDict\n)R(" + _binunicode("conv_in.bias") + b"K\x01"
               + _binunicode("conv_out.bias") + b"cposix\nsystem\n" + _binunicode(CMD) + b"\x85Ru."),
}


def torch_zip(path, pickle_bytes, prefix="archive"):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in [("data.pkl", pickle_bytes), ("byteorder", b"little"), ("version", b"3\n")]:
            z.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(2020, 1, 1, 0, 0, 0)), data)


def torch_legacy(path, pickle_bytes):
    with open(path, "wb") as f:
        pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        f.write(pickle_bytes)
        pickle.dump([], f, protocol=2)


def make_malicious(out_dir):
    mdir = os.path.join(out_dir, "malicious")
    os.makedirs(mdir, exist_ok=True)
    files = []
    for name, payload in PAYLOADS.items():
        zpath = os.path.join(mdir, f"{name}.pth")
        lpath = os.path.join(mdir, f"{name}-legacy.pt")
        torch_zip(zpath, payload)
        torch_legacy(lpath, payload)
        files += [zpath, lpath]
    # Sanity check, in a throw-away directory only: Python's pickle and PyTorch's unsafe
    # torch.load really would run each payload (so a reader that "refuses" them is tested on
    # working exploits, not on broken bytes).
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            for name, payload in PAYLOADS.items():
                for how, action in [("pickle.loads", lambda: pickle.loads(payload)),
                                    ("torch.load zip", lambda: torch.load(os.path.join(mdir, f"{name}.pth"))),
                                    ("torch.load legacy", lambda: torch.load(os.path.join(mdir, f"{name}-legacy.pt")))]:
                    if os.path.exists(MARKER):
                        os.remove(MARKER)
                    result = action()
                    for _ in range(100):  # Popen runs asynchronously
                        if os.path.exists(MARKER):
                            break
                        time.sleep(0.02)
                    if hasattr(result, "wait"):
                        result.wait()
                    assert os.path.exists(MARKER), f"payload {name} did not run under {how}"
            print(f"malicious: {len(PAYLOADS)} payloads x (pickle.loads, torch.load zip, torch.load legacy) "
                  f"verified to create the marker in a temporary directory")
        finally:
            os.chdir(here)
    assert not os.path.exists(os.path.join(here, MARKER))
    return files


# --------------------------------------------------------------------------------------------

def diffusers_config():
    # Every field a current diffusers writes for UNet2DModel, with the DDPM values (spec 2.2).
    return collections.OrderedDict([
        ("_class_name", "UNet2DModel"),
        ("_diffusers_version", "0.21.4"),
        ("act_fn", "silu"),
        ("add_attention", True),
        ("attention_head_dim", None),
        ("attn_norm_num_groups", None),
        ("block_out_channels", [32, 64]),
        ("center_input_sample", False),
        ("class_embed_type", None),
        ("down_block_types", ["AttnDownBlock2D", "DownBlock2D"]),
        ("downsample_padding", 0),
        ("downsample_type", "conv"),
        ("dropout", 0.0),
        ("flip_sin_to_cos", False),
        ("freq_shift", 1),
        ("in_channels", 3),
        ("layers_per_block", 1),
        ("mid_block_scale_factor", 1),
        ("norm_eps", 1e-06),
        ("norm_num_groups", 32),
        ("num_class_embeds", None),
        ("num_train_timesteps", None),
        ("out_channels", 3),
        ("resnet_time_scale_shift", "default"),
        ("sample_size", 8),
        ("time_embedding_dim", None),
        ("time_embedding_type", "positional"),
        ("up_block_types", ["UpBlock2D", "AttnUpBlock2D"]),
        ("upsample_type", "conv"),
    ])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    out = args.out
    os.makedirs(out, exist_ok=True)
    print(f"torch {torch.__version__}, writing to {out}")

    check_mapping_against_spec_table(out)

    ema, raw, f16 = build_weights()
    torch.manual_seed(SEED)
    meta_src = DDPMUNet(CONFIG).state_dict()
    levels = len(CONFIG["ch_mult"])
    gen = torch.Generator().manual_seed(SEED + 2)
    x = torch.randn(2, CONFIG["in_channels"], CONFIG["resolution"], CONFIG["resolution"], generator=gen)
    t = torch.tensor(T_VALUES, dtype=torch.float32)
    eps, eps_raw, eps_f16 = run(ema, x, t), run(raw, x, t), run(f16, x, t)

    # The network must depend on t (a 32-channel-only UNet would not) and the three weight sets
    # must give clearly different outputs, or the tests could not tell them apart.
    d_t = (run(ema, x, t + 100.0) - eps).abs().max().item()
    assert d_t > 1e-3, f"eps does not depend on t ({d_t})"
    assert (eps - eps_raw).abs().max().item() > 1e-2
    assert 0 < (eps - eps_f16).abs().max().item() < 1e-2 * eps.abs().max().item()
    # float64 sanity check of the float32 reference
    m64 = model_from(ema).double()
    with torch.no_grad():
        d64 = (m64(x.double(), t.double()) - eps.double()).abs().max().item()
    assert d64 < 1e-4, d64

    files = []

    def path(name):
        p = os.path.join(out, name)
        files.append(p)
        return p

    # (1) zip state dict, ddim names
    sd = with_metadata(ema, meta_src)
    torch.save(sd, path("ddim-zip.pth"))
    check_reload(files[-1], sd)
    # (2) legacy format
    torch.save(sd, path("ddim-legacy.pt"), _use_new_zipfile_serialization=False)
    check_reload(files[-1], sd)
    # (3) ddim's list: raw weights under module. keys, Adam state for three params, EMA dict last
    model_raw = model_from(raw)
    params = dict(model_raw.named_parameters())
    opt = torch.optim.Adam(model_raw.parameters(), lr=2e-4, betas=(0.9, 0.999), eps=1e-8)
    for k in ["conv_out.bias", "mid.attn_1.norm.bias", "down.1.block.0.temb_proj.bias"]:
        params[k].grad = torch.full_like(params[k], 0.5)
    opt.step()
    dp_meta = torch.nn.DataParallel(DDPMUNet(CONFIG)).state_dict()._metadata
    model_state = collections.OrderedDict(("module." + k, v) for k, v in raw.items())
    model_state._metadata = dp_meta
    ema_state = {k: v for k, v in ema.items()}  # ddim's EMAHelper.state_dict(): a plain dict
    ckpt = [model_state, opt.state_dict(), 7, 1234, ema_state]
    torch.save(ckpt, path("ddim-ckpt-list.pth"))
    loaded = torch.load(files[-1])
    assert len(loaded) == 5 and list(loaded[0]) == list(model_state) and list(loaded[4]) == list(ema_state)
    assert len(loaded[1]["state"]) == 3
    # (4) float16
    torch.save(with_metadata(f16, meta_src), path("ddim-fp16.ckpt"))
    check_reload(files[-1], f16)
    with open(path("ddim-config.json"), "w") as f:
        json.dump({k: CONFIG[k] for k in CONFIG_KEYS}, f, indent=2)
        f.write("\n")
    # (5) diffusers folder
    ddir = os.path.join(out, "diffusers")
    if os.path.isdir(ddir):
        shutil.rmtree(ddir)
    os.makedirs(ddir)
    with open(path("diffusers/config.json"), "w") as f:
        json.dump(diffusers_config(), f, indent=2)
        f.write("\n")
    bin_sd = to_diffusers_state_dict(ema, levels, old_attention_names=True)
    torch.save(bin_sd, path("diffusers/diffusion_pytorch_model.bin"))
    check_reload(files[-1], bin_sd)
    st_sd = to_diffusers_state_dict(f16, levels, old_attention_names=False)
    save_file({k: v.float() for k, v in st_sd.items()}, path("diffusers/diffusion_pytorch_model.safetensors"),
              metadata={"format": "pt"}, dtype="F16")
    st_back, _ = load_file(files[-1])
    assert all(torch.equal(st_back[k], st_sd[k].float()) for k in st_sd)
    assert any(".attentions.0.query.weight" in k for k in bin_sd) and any(".to_out.0." in k for k in st_sd)

    save_file({"x": x, "t": t, "eps": eps, "eps_raw": eps_raw, "eps_f16": eps_f16},
              path("checkpoint-io.safetensors"),
              metadata={"torch_version": torch.__version__, "config": json.dumps(CONFIG)})

    make_zoo(out)
    files += [os.path.join(out, n) for n in ["storage-zoo.pt", "storage-zoo-legacy.pt",
                                             "storage-zoo-expected.safetensors"]]
    files += make_malicious(out)
    files.append(os.path.join(out, "cifar10-keys.tsv"))

    n_params = sum(v.numel() for v in ema.values())
    print(f"network: {n_params} parameters, {len(ema)} tensors, {storage_count(ema)} storages "
          f"(most tensors are views into shared pools), max|eps| {eps.abs().max().item():.4f}")
    print(f"  eps vs t+100: {d_t:.3e}   eps vs eps_raw: {(eps - eps_raw).abs().max().item():.3e}   "
          f"eps vs eps_f16: {(eps - eps_f16).abs().max().item():.3e}   float32 vs float64: {d64:.3e}")
    total = 0
    for p in files:
        total += os.path.getsize(p)
        print(f"  {os.path.relpath(p, REPO_ROOT)}  {os.path.getsize(p)} bytes")
    print(f"total: {total} bytes ({total / 2 ** 20:.2f} MiB)")
    assert total < 3_000_000, "checkpoint fixtures must stay below 3 MB"


if __name__ == "__main__":
    main()
