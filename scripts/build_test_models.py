#!/usr/bin/env python3
"""Builds tiny BERT-shaped sequence-classification ONNX models with seeded random weights, for skiff's tests.

    .venv/bin/python scripts/build_test_models.py [--model-dir DIR] [--force]

Writes DIR/<name>/1/ (model.onnx, weights.npz, config.json, metadata.json, tokenizer files) and
DIR/<name>/latest for tiny-nli, tiny-nli-fast, tiny-toxic, tiny-toxic-binary, tiny-cross-encoder and
tiny-bart-nli. DIR defaults to <repo>/test-models. The BERT-shaped models borrow the default model's WordPiece
tokenizer (run `make models` first); tiny-bart-nli has a byte-level BPE tokenizer laid out as RoBERTa's and BART's
are, trained here with `tokenizers` on a fixed corpus, since no real one is available offline.

Each graph is checked against the NumPy forward pass in Tests/Peers/classifier_reference.py (the reference the
Swift tests compare with) before it is moved into place; a run that fails or is interrupted leaves the previous
state. Models already built by the current recipe are left alone, so a second run costs a few stat calls.
"""

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from build_default_model import install_version, remove_stale_staging, write_latest  # same registry layout

VERSION = "1"
RECIPE = 1  # bump when the weights, graph or files change, so existing builds are replaced
OPSET = 17
IR_VERSION = 8  # as build_default_model.py: the IR version that introduced opset 17
HIDDEN = 16
VOCAB_SIZE = 30522
MAX_POSITIONS = 512
MAX_SEQ_LENGTH = 128
TOKENIZER_MODEL = "all-MiniLM-L6-v2"
TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]
MODEL_FILES = ["model.onnx", "weights.npz", "config.json", "metadata.json"]
TARGET_SPREAD = 2.0  # each logit's std across TEXTS and PAIRS: scores neither flat nor saturated
MAX_ABS_DIFF = 1e-4


@dataclass(frozen=True)
class Spec:
    name: str
    task: str
    seed: int
    labels: tuple
    problem_type: str | None
    token_type_ids: bool = True
    # "wordpiece": the default model's tokenizer; "bpe": the byte-level BPE trained by `train_bpe_tokenizer`.
    tokenizer: str = "wordpiece"
    model_type: str = "bert"


MODELS = [
    # bart-large-mnli's label order.
    Spec("tiny-nli", "nli", 1, ("contradiction", "neutral", "entailment"), "single_label_classification"),
    # distilbert-base-uncased-mnli: other label names and order, and DistilBERT has no token_type_ids input.
    Spec("tiny-nli-fast", "nli", 2, ("ENTAILMENT", "NEUTRAL", "CONTRADICTION"), "single_label_classification",
         token_type_ids=False),
    # Detoxify's labels, scored independently.
    Spec("tiny-toxic", "classification", 3,
         ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"),
         "multi_label_classification"),
    Spec("tiny-toxic-binary", "classification", 4, ("non-toxic", "toxic"), "single_label_classification"),
    # ms-marco-MiniLM-L-6-v2: one relevance logit and no problem_type.
    Spec("tiny-cross-encoder", "cross-encoder", 5, ("LABEL_0",), None),
    # facebook/bart-large-mnli (Xenova's ONNX export): byte-level BPE, <pad> = 1, input_ids and attention_mask only.
    Spec("tiny-bart-nli", "nli", 6, ("contradiction", "neutral", "entailment"), "single_label_classification",
         token_type_ids=False, tokenizer="bpe", model_type="bart"),
]

BPE_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
BPE_VOCAB_SIZE = 2500  # trained entries (the four specials first); <mask> comes after them, as in RoBERTa
BPE_SEED = 7

# Varied on purpose: short, long (past max_seq_length, so truncation is exercised), empty, numbers, accents,
# CJK, emoji (unknown to the vocabulary), code, repeated words. Also what the classifier scale is calibrated on.
TEXTS = [
    "A man is eating food.",
    "The quick brown fox jumps over the lazy dog.",
    "",
    "Hello!",
    "You are a complete idiot and everyone hates you.",
    "Thank you so much for your help, this was wonderful.",
    "I will find where you live.",
    "The team won the championship after a dramatic overtime.",
    "Parliament passed the budget bill late on Tuesday night.",
    "In 2023, revenue grew 17.5% to $4,210,000 across 12 regions.",
    "Café crème brûlée à la façon de grand-mère, s'il vous plaît.",
    "東京は日本の首都です。",
    "I love this! 😀🚀",
    "def mean(xs): return sum(xs) / max(len(xs), 1)",
    "buffalo buffalo buffalo buffalo buffalo buffalo buffalo buffalo",
    "Why is the sky blue during the day but red at sunset?",
    "Stir the onions until golden, then add the garlic.",
    "AWS Systems Manager Parameter Store keeps configuration values.",
    " ".join(["Long inputs are cut to the model's maximum sequence length."] * 40),
    "\t  Leading and trailing whitespace, and\nnew lines.  ",
]
LONG = " ".join(["Both halves of this pair are long enough to be truncated."] * 20)
PAIRS = [
    ("A man is eating food.", "A man is eating a piece of bread."),
    ("A man is eating food.", "Nobody is eating."),
    ("The team won the championship.", "This example is sports."),
    ("The team won the championship.", "This example is politics."),
    ("How many people live in Berlin?", "Berlin has a population of about 3.7 million."),
    ("How many people live in Berlin?", "The Eiffel Tower is in Paris."),
    ("", "An empty premise."),
    ("Café au lait?", "东京 😀"),
    (" ".join(["A long premise that alone exceeds the limit."] * 30), "A short hypothesis."),
    (LONG, LONG),
]


# What the BPE tokenizer is trained on: incident reports, everyday prose, contractions, numbers, code, and a
# little of other scripts, so its merges cover English words whole, common suffixes, and some multi-byte
# characters, while most rare characters stay as single bytes. Fixed here, so the tokenizer never changes.
BPE_CORPUS = [
    "There is a fire in the building and people are trapped on the third floor.",
    "Smoke is coming out of the windows and the fire department has been called.",
    "A car crashed into a pole at the corner of Main Street and Fifth Avenue; the driver is bleeding.",
    "My neighbour collapsed in the kitchen and he's not breathing, please send an ambulance now!",
    "Someone broke into the store last night and stole the cash register and two laptops.",
    "The river flooded the lower town after three days of heavy rain, and the bridge is closed.",
    "There's a strong smell of gas in the basement; we've opened the windows and left the house.",
    "The power went out across the whole district at 9:45 pm and the traffic lights aren't working.",
    "A water main broke under the road and the street is flooding near the school.",
    "The party next door has been playing loud music since midnight and they won't stop.",
    "I was charged twice on my invoice and I'd like a refund for the second payment.",
    "The team won the championship after a dramatic overtime, and the fans celebrated all night.",
    "Parliament passed the budget bill late on Tuesday night after a long debate.",
    "The quick brown fox jumps over the lazy dog while the cat sleeps in the sun.",
    "How many people live in Berlin? Berlin has a population of about 3.7 million people.",
    "The Eiffel Tower is in Paris, and the Colosseum is in Rome.",
    "A man is eating food. A man is eating a piece of bread. Nobody is eating.",
    "This example is about sports. This example is about politics. This example is about weather.",
    "Thank you so much for your help, this was wonderful and I really appreciate it.",
    "You are a complete idiot and everyone hates you; I will find where you live.",
    "I'm sure they'll arrive soon, but we'd better call again if they don't.",
    "She said it's fine, you're right, I've seen it, we're ready and they've left.",
    "Revenue grew 17.5% to $4,210,000 across 12 regions in 2023, up from $3,580,000 in 2022.",
    "Call 911 or 112 in an emergency; the hotline 0800-123-456 is open 24/7.",
    "def mean(xs): return sum(xs) / max(len(xs), 1)  # average of a list",
    "for (int i = 0; i < n; i++) { total += values[i]; }",
    "https://example.com/reports?id=42&status=open user@example.org",
    "Stir the onions until golden, then add the garlic, the tomatoes and a pinch of salt.",
    "Why is the sky blue during the day but red at sunset? Because of scattering.",
    "The earthquake damaged several buildings and a landslide blocked the mountain road.",
    "Chemicals leaked from an overturned truck on the highway and toxic fumes spread.",
    "Café crème brûlée à la façon de grand-mère, s'il vous plaît. Déjà vu, naïve résumé.",
    "Straße, Zürich, São Paulo, Kraków, İstanbul, Ærøskøbing, señor jalapeño.",
    "Привет, мир! Как дела? Ελλάδα και Αθήνα. مرحبا بالعالم. שלום עולם.",
    "東京は日本の首都です。我爱北京天安门。안녕하세요, 서울입니다.",
    "I love this! 😀🚀🔥 Great job 👍 ❤️",
    "Tabs\tand\nnew lines, and   several   spaces, and trailing spaces   ",
    "AWS Systems Manager Parameter Store keeps configuration values for the server.",
    "The tokenizer splits text into words and the model reads the ids of their pieces.",
    "Unbelievable internationalization misunderstanding photosynthesis antidisestablishmentarianism.",
    "Firefighters rescued an elderly woman from the balcony before the roof collapsed into the apartment.",
    "Paramedics treated four passengers for minor injuries and took the bus driver to hospital.",
    "Police arrested two suspects after a burglary at the jewellery shop on Baker Street.",
    "A tornado warning was issued for the county; residents should move to basements or interior rooms.",
    "Volunteers distributed blankets, bottled water and medicine at the shelter in the gymnasium.",
    "The hospital's emergency ward is overcrowded, and ambulances are waiting outside with patients.",
    "An explosion at the chemical plant shattered windows up to two kilometres away.",
    "Lightning struck the old church tower during the thunderstorm and started a small blaze.",
    "The mayor announced that schools will remain closed until the contaminated water supply is safe.",
    "Engineers are inspecting the cracked dam, and evacuation orders cover every village downstream.",
    "A cyclist was knocked down by a delivery van on the roundabout; witnesses say the van sped away.",
    "Authorities confirmed the wildfire has burned more than twelve thousand hectares of forest.",
    "The train derailed near the station, blocking both tracks and delaying thousands of commuters.",
    "Hikers lost on the glacier were found by a helicopter crew after a search lasting two days.",
    "Residents reported a suspicious package abandoned beside the entrance of the shopping centre.",
    "After the heatwave, doctors warned about dehydration, heatstroke and exhaustion among older people.",
    "Customer support answered my complaint quickly, but the subscription was cancelled by mistake.",
    "Meteorologists forecast snowfall, freezing temperatures and icy roads throughout the weekend.",
    "Scientists measured the earthquake's magnitude at 6.4 and recorded dozens of aftershocks.",
    "The orchestra performed beautifully; the audience applauded for several minutes afterwards.",
    "Programmers wrote documentation, refactored functions and fixed failing tests before the release.",
    "Farmers harvested wheat, barley, potatoes and apples earlier than usual because of the drought.",
    "The museum exhibits paintings, sculptures, ancient manuscripts and photographs from every continent.",
    "Students borrowed history, chemistry, biology, mathematics and philosophy textbooks from the library.",
    "Negotiations between the government and the unions continued throughout Wednesday and Thursday.",
    "Journalists interviewed eyewitnesses, neighbours, shopkeepers and officials about the accident.",
    "The airline cancelled flights to Amsterdam, Barcelona, Copenhagen, Dublin and Edinburgh.",
    "Mountains, valleys, rivers, lakes, deserts, islands and coastlines appear on the detailed map.",
    "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday; January, February, March, April.",
    "Approximately 1,250 households lost electricity; crews expect to restore service by 06:30 tomorrow.",
    "Eine Gasleitung ist im Keller undicht. Il y a un incendie dans la cuisine. Hay un accidente en la autopista.",
    "Помогите, в доме пожар! Σεισμός στην πόλη. 火事です、助けてください。地震发生了。불이 났어요!",
]


def bpe_training_texts():
    """The corpus lines, each a few times, and sentences of their words in seeded random order."""
    import random

    rng = random.Random(BPE_SEED)
    words = [word for line in BPE_CORPUS for word in line.split()]
    texts = BPE_CORPUS * 20
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(4, 30))) for _ in range(4000)]
    return texts


def train_bpe_tokenizer(staging):
    """Trains a byte-level BPE and writes it as facebook/bart-large-mnli's files are laid out: <s> <pad> </s> <unk>
    first, <mask> last with lstrip, no normalizer, ByteLevel without prefix space, RobertaProcessing, merges as
    "a b" strings (the older format real BART files have). Returns the number of ids."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=BPE_VOCAB_SIZE, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(bpe_training_texts(), trainer=trainer)
    trained = json.loads(tokenizer.to_str())

    vocab = trained["model"]["vocab"]
    mask_id = len(vocab)
    vocab["<mask>"] = mask_id

    def added(id_, content, lstrip=False):
        return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
                "normalized": True, "special": True}

    document = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                         added(mask_id, "<mask>", lstrip=True)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": True,
                           "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [" ".join(pair) for pair in trained["model"]["merges"]]},
    }
    for special, expected in (("<s>", 0), ("<pad>", 1), ("</s>", 2), ("<unk>", 3)):
        if vocab.get(special) != expected:
            raise SystemExit(f"build_test_models: the trained BPE has {special} at {vocab.get(special)}, "
                             f"not {expected}")
    with open(staging / "tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False)
    mask = {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False, "normalized": True}
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "pad_token": "<pad>", "cls_token": "<s>", "mask_token": mask}
    write_json(staging / "special_tokens_map.json", specials)
    write_json(staging / "tokenizer_config.json", {"model_max_length": 1024, "tokenizer_class": "BartTokenizer",
                                                    "add_prefix_space": False, "errors": "replace", **specials})
    return len(vocab)


def log(message):
    print(f"build_test_models: {message}", flush=True)


def repo_root():
    return Path(__file__).resolve().parent.parent


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------
# Already built?


def files(spec):
    return [*MODEL_FILES, *(BPE_FILES if spec.tokenizer == "bpe" else TOKENIZER_FILES)]


def is_complete(spec, version_dir):
    try:
        if read_json(version_dir / "metadata.json").get("recipe") != RECIPE:
            return False
        return all((version_dir / name).is_file() for name in files(spec))
    except (OSError, ValueError, AttributeError):
        return False


def tokenizer_source():
    # Where build_default_model.py puts the default model.
    source = Path(os.environ.get("MODEL_DIR") or repo_root() / "models") / TOKENIZER_MODEL / "1"
    missing = [name for name in TOKENIZER_FILES if not (source / name).is_file()]
    if missing:
        sys.exit(f"build_test_models: {', '.join(missing)} missing from {source}; the test models borrow the "
                 f"default model's tokenizer, so run `make models` first")
    return source


# ----------------------------------------------------------------------------------------------------
# Weights and graph


def make_weights(spec, vocab_size, calibration, forward):
    """Seeded random weights. Embeddings, the tanh layer and the pooler are drawn at fixed scales; each
    classifier column is then scaled so its logit's std across the calibration inputs is TARGET_SPREAD, and its
    bias nearly centres it, because how much and where the pooled vector moves between inputs differs a lot
    from seed to seed and label to label."""
    import numpy as np

    rng = np.random.default_rng(spec.seed)

    def normal(shape, std):
        return rng.standard_normal(shape) * std

    weights = {"word_emb": normal((vocab_size, HIDDEN), 1.0), "pos_emb": normal((MAX_POSITIONS, HIDDEN), 0.3)}
    if spec.token_type_ids:
        weights["type_emb"] = normal((2, HIDDEN), 0.3)
    gain = HIDDEN ** -0.5
    weights["W1"] = normal((HIDDEN, HIDDEN), gain)
    weights["b1"] = normal(HIDDEN, 0.1)
    # A large pooler gain makes small differences between inputs' mean token vectors count.
    weights["Wp"] = normal((HIDDEN, HIDDEN), 4 * gain)
    weights["bp"] = normal(HIDDEN, 0.1)
    weights["Wc"] = normal((HIDDEN, len(spec.labels)), gain)
    weights["bc"] = np.zeros(len(spec.labels))
    raw = np.array([forward(weights, e.ids, e.type_ids) for e in calibration])
    scale = TARGET_SPREAD / raw.std(axis=0)
    weights["Wc"] *= scale
    # Centred, give or take a little, so that no label wins on every input.
    weights["bc"] = normal(len(spec.labels), 0.5) - raw.mean(axis=0) * scale
    return {name: value.astype(np.float32) for name, value in weights.items()}


def build_onnx(weights, spec):
    """The graph the reference's `forward` describes, batched: padding is masked out of the mean."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers = [], []

    def const(name, value, dtype=np.float32):
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(op_type, inputs, output, **attrs):
        nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attrs))
        return output

    for name, value in weights.items():
        const(name, value)

    seq_len = op("Shape", ["input_ids"], "embeddings/seq_len", start=1, end=2)
    zero = const("zero_1d", [0], np.int64)
    positions = op("Slice", ["pos_emb", zero, seq_len, zero], "embeddings/positions")
    words = op("Gather", ["word_emb", "input_ids"], "embeddings/words", axis=0)
    e = op("Add", [words, positions], "embeddings/add_positions")
    if spec.token_type_ids:
        types = op("Gather", ["type_emb", "token_type_ids"], "embeddings/types", axis=0)
        e = op("Add", [e, types], "embeddings/sum")

    h = op("Tanh", [op("Add", [op("MatMul", [e, "W1"], "layer/matmul"), "b1"], "layer/add")], "layer/tanh")

    mask = op("Cast", ["attention_mask"], "pool/mask", to=TensorProto.FLOAT)
    axis_1 = const("axes_1", [1], np.int64)
    mask_3d = op("Unsqueeze", [mask, const("axes_2", [2], np.int64)], "pool/mask_3d")
    token_sum = op("ReduceSum", [op("Mul", [h, mask_3d], "pool/masked"), axis_1], "pool/sum", keepdims=0)
    count = op("ReduceSum", [mask, axis_1], "pool/count", keepdims=1)
    count = op("Max", [count, const("one", 1.0)], "pool/count_clamped")
    pooled = op("Div", [token_sum, count], "pool/mean")

    z = op("Tanh", [op("Add", [op("MatMul", [pooled, "Wp"], "pooler/matmul"), "bp"], "pooler/add")], "pooler/tanh")
    op("Add", [op("MatMul", [z, "Wc"], "classifier/matmul"), "bc"], "logits")

    names = ["input_ids", "attention_mask", *(["token_type_ids"] if spec.token_type_ids else [])]
    graph = helper.make_graph(
        nodes,
        spec.name.replace("-", "_"),
        inputs=[helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"]) for name in names],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(spec.labels)])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="skiff scripts/build_test_models.py")
    model.ir_version = IR_VERSION
    return model


def hf_config(spec, vocab_size):
    architecture = "BartForSequenceClassification" if spec.model_type == "bart" else "BertForSequenceClassification"
    config = {
        "architectures": [architecture],
        "model_type": spec.model_type,
        "id2label": {str(i): label for i, label in enumerate(spec.labels)},
        "label2id": {label: i for i, label in enumerate(spec.labels)},
        "max_position_embeddings": MAX_POSITIONS,
    }
    if spec.model_type == "bart":
        config.update({"d_model": HIDDEN, "vocab_size": vocab_size, "pad_token_id": 1, "bos_token_id": 0,
                       "eos_token_id": 2})
    else:
        config["hidden_size"] = HIDDEN
    if spec.problem_type:
        config["problem_type"] = spec.problem_type
    return config


# ----------------------------------------------------------------------------------------------------
# Verification


def onnx_logits(staging, batch_inputs):
    """Runs model.onnx on one padded batch, feeding only the inputs the graph declares."""
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(staging / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    # To the longest, with the model's own pad token: [PAD] = 0 for BERT, <pad> = 1 for BART.
    pad = "[PAD]" if tokenizer.token_to_id("[PAD]") is not None else "<pad>"
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad), pad_token=pad)
    encodings = tokenizer.encode_batch(batch_inputs)
    feeds = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(staging / "model.onnx"), options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    (logits,) = session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})
    return logits


def verify(name, staging, peer):
    """Compares ONNX Runtime on padded batches with the reference, loaded from the staged files as the tests
    will load them. Returns the worst difference and the reference logits."""
    import numpy as np

    reference = peer.Model(staging)
    expected = np.concatenate([reference.logits(TEXTS), reference.logits(PAIRS)])
    actual = np.concatenate([onnx_logits(staging, TEXTS), onnx_logits(staging, PAIRS)])
    if actual.shape != expected.shape:
        raise SystemExit(f"build_test_models: {name}: logits shape {actual.shape}, expected {expected.shape}")
    worst = float(np.abs(actual - expected).max())
    if not worst <= MAX_ABS_DIFF:
        raise SystemExit(f"build_test_models: {name}: ONNX Runtime and the NumPy reference differ by "
                         f"{worst:.3g} (> {MAX_ABS_DIFF})")
    return worst, expected


# ----------------------------------------------------------------------------------------------------
# Build


def build(spec, source, staging, peer):
    import numpy as np
    import onnx

    if spec.tokenizer == "bpe":
        vocab_size = train_bpe_tokenizer(staging)
    else:
        for name in TOKENIZER_FILES:
            shutil.copy2(source / name, staging / name)
        vocab_size = VOCAB_SIZE
    # Tokenized as the reference tokenizes: the inputs the classifier scale is calibrated on.
    calibration = peer.tokenizer_for(staging, MAX_SEQ_LENGTH).encode_batch([*TEXTS, *PAIRS])
    weights = make_weights(spec, vocab_size, calibration, peer.forward)
    np.savez(staging / "weights.npz", **weights)
    model = build_onnx(weights, spec)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(staging / "model.onnx"))
    write_json(staging / "config.json", hf_config(spec, vocab_size))
    write_json(staging / "metadata.json", {
        "name": spec.name,
        "version": VERSION,
        "task": spec.task,
        "max_seq_length": MAX_SEQ_LENGTH,
        "source": "scripts/build_test_models.py (seeded random weights)",
        "recipe": RECIPE,
    })
    return verify(spec.name, staging, peer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=repo_root() / "test-models",
                        help="where the test models go (default: <repo>/test-models)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the models are present")
    args = parser.parse_args()

    root = args.model_dir.resolve()
    pending = []
    for spec in MODELS:
        remove_stale_staging(root / spec.name, spec.name, VERSION)
        if args.force or not is_complete(spec, root / spec.name / VERSION):
            pending.append(spec)
        else:
            write_latest(root / spec.name)
    if not pending:
        print(f"build_test_models: {len(MODELS)} test models are present in {root}")
        return

    source = tokenizer_source() if any(spec.tokenizer == "wordpiece" for spec in pending) else None
    sys.path.insert(0, str(repo_root() / "Tests" / "Peers"))
    import classifier_reference as peer

    root.mkdir(parents=True, exist_ok=True)
    for spec in pending:
        started = time.monotonic()
        # Staged beside the models so the final rename stays on one filesystem, and hidden from the registry.
        staging = root / f".building-{spec.name}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            worst, logits = build(spec, source, staging, peer)
            install_version(staging, root / spec.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log(f"built {spec.name} (labels: {len(spec.labels)}; logits in [{logits.min():.1f}, {logits.max():.1f}], "
            f"std {logits.std():.2f}, per label {' '.join(f'{s:.2f}' for s in logits.std(axis=0))}; "
            f"max |ORT - NumPy| {worst:.1e}) in {time.monotonic() - started:.2f} s")


if __name__ == "__main__":
    main()
