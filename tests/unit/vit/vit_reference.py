"""Float64 NumPy reference of the ViT forward pass, for the unit tests of src/core/vit.

Usage: python3 vit_reference.py MODEL_DIR IMAGES.f32 BATCH SIZE OUT.json

MODEL_DIR contains config.json, model.safetensors and, for a transformers model,
preprocessor_config.json. IMAGES.f32 contains little-endian float32 NHWC RGB values
in [0, 1], shape [BATCH, SIZE, SIZE, 3]. OUT.json receives {"features": [[...]]}.

The forward pass is written from the two public definitions, reading each layout
under its own tensor names: transformers' modeling_vit.py (ViTModel, class token
of the final LayerNorm output) and timm's vision_transformer.py (fused qkv,
register tokens, layer scale, "token" or "avg" pooling). Position embeddings are
resized as torch.nn.functional.interpolate(mode="bicubic", align_corners=False).
"""

import json
import math
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as handle:
        data = handle.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]])
        tensors[name] = array.astype(np.float64).reshape(entry["shape"])
    return tensors


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def softmax(x):
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def cubic(distance, a=-0.75):
    t = abs(distance)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    if t < 2:
        return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
    return 0.0


def resize_axis(grid, out_size):
    """Bicubic weights [out_size, len] as torch computes them for align_corners=False."""
    size = grid
    weights = np.zeros((out_size, size))
    scale = size / out_size
    for i in range(out_size):
        source = (i + 0.5) * scale - 0.5
        floor = math.floor(source)
        fraction = source - floor
        for offset in (-1, 0, 1, 2):
            index = min(max(floor + offset, 0), size - 1)
            weights[i, index] += cubic(offset - fraction)
    return weights


def resize_positions(patch_positions, grid, out_grid):
    if grid == out_grid:
        return patch_positions
    hidden = patch_positions.shape[-1]
    square = patch_positions.reshape(grid, grid, hidden)
    weights = resize_axis(grid, out_grid)
    resized = np.einsum("ij,jkc->ikc", weights, square)
    resized = np.einsum("kj,ijc->ikc", weights, resized)
    return resized.reshape(out_grid * out_grid, hidden)


def attention(x, q_w, q_b, k_w, k_b, v_w, v_b, heads):
    batch, length, hidden = x.shape
    head_size = hidden // heads

    def project(weight, bias):
        y = x @ weight.T
        if bias is not None:
            y = y + bias
        return y.reshape(batch, length, heads, head_size).transpose(0, 2, 1, 3)

    query, key, value = project(q_w, q_b), project(k_w, k_b), project(v_w, v_b)
    scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(head_size)
    context = softmax(scores) @ value
    return context.transpose(0, 2, 1, 3).reshape(batch, length, hidden)


def patchify(images, weight, bias):
    """Convolution with kernel = stride = patch size, images NHWC."""
    batch, size, _, channels = images.shape
    hidden, _, patch, _ = weight.shape
    grid = size // patch
    out = np.zeros((batch, grid * grid, hidden))
    for row in range(grid):
        for column in range(grid):
            window = images[:, row * patch : (row + 1) * patch, column * patch : (column + 1) * patch, :]
            # window [batch, p, p, C] against weight [hidden, C, p, p]
            out[:, row * grid + column, :] = np.einsum("bijc,hcij->bh", window, weight) + bias
    return out, grid


def hf_forward(tensors, config, processor, images):
    prefix = "vit." if "vit.embeddings.cls_token" in tensors else ""
    t = lambda name: tensors[prefix + name]
    eps = config.get("layer_norm_eps", 1e-12)
    heads = config["num_attention_heads"]
    mean = np.array(processor.get("image_mean", [0.5, 0.5, 0.5]))
    std = np.array(processor.get("image_std", [0.5, 0.5, 0.5]))

    x = (images - mean) / std
    patches, grid = patchify(x, t("embeddings.patch_embeddings.projection.weight"), t("embeddings.patch_embeddings.projection.bias"))
    positions = t("embeddings.position_embeddings")[0]
    own_grid = config["image_size"] // config["patch_size"]
    patch_positions = resize_positions(positions[1:], own_grid, grid)
    cls = np.broadcast_to(t("embeddings.cls_token"), (images.shape[0], 1, patches.shape[-1]))
    hidden = np.concatenate([cls + positions[0], patches + patch_positions], axis=1)

    for layer in range(config["num_hidden_layers"]):
        base = f"encoder.layer.{layer}."
        normed = layer_norm(hidden, t(base + "layernorm_before.weight"), t(base + "layernorm_before.bias"), eps)
        a = base + "attention.attention."
        context = attention(
            normed,
            t(a + "query.weight"), t(a + "query.bias"),
            t(a + "key.weight"), t(a + "key.bias"),
            t(a + "value.weight"), t(a + "value.bias"),
            heads,
        )
        hidden = hidden + context @ t(base + "attention.output.dense.weight").T + t(base + "attention.output.dense.bias")
        normed = layer_norm(hidden, t(base + "layernorm_after.weight"), t(base + "layernorm_after.bias"), eps)
        inner = gelu(normed @ t(base + "intermediate.dense.weight").T + t(base + "intermediate.dense.bias"))
        hidden = hidden + inner @ t(base + "output.dense.weight").T + t(base + "output.dense.bias")

    hidden = layer_norm(hidden, t("layernorm.weight"), t("layernorm.bias"), eps)
    return hidden[:, 0, :]


def timm_forward(tensors, config, images):
    args = config.get("model_args", {})
    pretrained = config.get("pretrained_cfg", {})
    heads = args["num_heads"]
    eps = 1e-6
    mean = np.array(pretrained.get("mean", [0.5, 0.5, 0.5]))
    std = np.array(pretrained.get("std", [0.5, 0.5, 0.5]))
    pool = config.get("global_pool", args.get("global_pool", "token"))
    batch = images.shape[0]

    x = (images - mean) / std
    patches, grid = patchify(x, tensors["patch_embed.proj.weight"], tensors["patch_embed.proj.bias"])
    hidden_size = patches.shape[-1]
    prefix = []
    if "cls_token" in tensors:
        prefix.append(np.broadcast_to(tensors["cls_token"], (batch, 1, hidden_size)))
    if "reg_token" in tensors:
        registers = tensors["reg_token"].shape[1]
        prefix.append(np.broadcast_to(tensors["reg_token"], (batch, registers, hidden_size)))
    prefix_count = sum(p.shape[1] for p in prefix)

    positions = tensors["pos_embed"][0]
    own_grid = pretrained["input_size"][1] // tensors["patch_embed.proj.weight"].shape[2]
    if positions.shape[0] == own_grid * own_grid:
        patches = patches + resize_positions(positions, own_grid, grid)
        hidden = np.concatenate(prefix + [patches], axis=1)
    else:
        patch_positions = resize_positions(positions[prefix_count:], own_grid, grid)
        hidden = np.concatenate(prefix + [patches], axis=1) + np.concatenate([positions[:prefix_count], patch_positions], axis=0)

    layer = 0
    while f"blocks.{layer}.norm1.weight" in tensors:
        b = lambda name: tensors[f"blocks.{layer}.{name}"]
        normed = layer_norm(hidden, b("norm1.weight"), b("norm1.bias"), eps)
        qkv_w = b("attn.qkv.weight")
        qkv_b = tensors.get(f"blocks.{layer}.attn.qkv.bias")
        d = hidden_size
        parts = [(qkv_w[i * d : (i + 1) * d], None if qkv_b is None else qkv_b[i * d : (i + 1) * d]) for i in range(3)]
        context = attention(normed, parts[0][0], parts[0][1], parts[1][0], parts[1][1], parts[2][0], parts[2][1], heads)
        branch = context @ b("attn.proj.weight").T + b("attn.proj.bias")
        if f"blocks.{layer}.ls1.gamma" in tensors:
            branch = branch * b("ls1.gamma")
        hidden = hidden + branch
        normed = layer_norm(hidden, b("norm2.weight"), b("norm2.bias"), eps)
        branch = gelu(normed @ b("mlp.fc1.weight").T + b("mlp.fc1.bias")) @ b("mlp.fc2.weight").T + b("mlp.fc2.bias")
        if f"blocks.{layer}.ls2.gamma" in tensors:
            branch = branch * b("ls2.gamma")
        hidden = hidden + branch
        layer += 1

    if "norm.weight" in tensors:
        hidden = layer_norm(hidden, tensors["norm.weight"], tensors["norm.bias"], eps)
    pooled = hidden[:, 0, :] if pool == "token" else hidden[:, prefix_count:, :].mean(axis=1)
    if "fc_norm.weight" in tensors:
        pooled = layer_norm(pooled, tensors["fc_norm.weight"], tensors["fc_norm.bias"], eps)
    return pooled


def main():
    model_dir, images_path, batch, size, out_path = sys.argv[1:6]
    batch, size = int(batch), int(size)
    images = np.fromfile(images_path, dtype="<f4").astype(np.float64).reshape(batch, size, size, 3)
    with open(os.path.join(model_dir, "config.json")) as handle:
        config = json.load(handle)
    tensors = read_safetensors(os.path.join(model_dir, "model.safetensors"))

    if "model_type" in config:
        processor_path = os.path.join(model_dir, "preprocessor_config.json")
        processor = json.load(open(processor_path)) if os.path.exists(processor_path) else {}
        features = hf_forward(tensors, config, processor, images)
    else:
        features = timm_forward(tensors, config, images)

    with open(out_path, "w") as handle:
        json.dump({"features": features.tolist()}, handle)


if __name__ == "__main__":
    main()
