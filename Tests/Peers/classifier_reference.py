"""Reference logits and scores for skiff's classification, NLI and cross-encoder tests, computed without any of
skiff's code and without ONNX Runtime.

Reads one JSON object on stdin and prints one JSON object. `model_dir` is a version directory of a model built
by scripts/build_test_models.py (weights.npz, config.json, metadata.json, tokenizer.json). Inputs are either
"texts": [text, ...] or "pairs": [[a, b], ...].

    {"op": "logits", "model_dir": D, "texts" | "pairs": ...}
        -> {"logits": [[float, ...], ...]}
    {"op": "scores", "model_dir": D, "texts" | "pairs": ...}
        -> {"labels": [name, ...], "logits": ..., "scores": [[float, ...], ...]}
    {"op": "zero_shot", "model_dir": D, "texts": [...], "labels": [...],
     "hypothesis_template": "This example is {}.", "multi_label": false}
        -> {"results": [{"labels": [...], "scores": [...]}, ...]}   (one per text, best first)

Tokenizes with Hugging Face `tokenizers` (Tokenizer.from_file, no padding, truncation to metadata.json's
max_seq_length, longest_first for pairs) and runs the model's forward pass in NumPy (float64) one unpadded
sequence at a time, so comparing with a padded ONNX batch also checks the graph's masking. The model's own
tokenizer.json decides the pipeline: WordPiece for the BERT-shaped models, byte-level BPE with RobertaProcessing
for tiny-bart-nli (whose pad id, 1, never matters here, since nothing is padded).

"scores" labels are config.json's id2label in index order; scores are a sigmoid per logit when problem_type is
multi_label_classification or there is a single logit, else a softmax. "zero_shot" follows the transformers
zero-shot-classification pipeline: premise = text, hypothesis = template.format(label); with multi_label (or a
single candidate label, as transformers does) each label scores softmax([contradiction, entailment])[1],
otherwise the entailment logits are softmaxed across labels. Entailment and contradiction are the id2label
entries whose lower-cased names start with "entail" and "contra". Ties keep the order labels were given in.

scripts/build_test_models.py imports `forward`, `tokenizer_for` and `Model` to calibrate and check its models.
"""

import json
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer


def forward(weights, ids, type_ids=None):
    """Logits of one unpadded sequence. The model is a deliberately tiny BERT stand-in: embeddings, one tanh
    layer, a masked mean over tokens (every token counts here, since nothing is padded), a tanh pooler and a
    linear classifier. A model without `type_emb` (DistilBERT- and BART-style: no token_type_ids input) ignores
    type_ids."""
    ids = np.asarray(ids, dtype=np.int64)
    e = weights["word_emb"][ids] + weights["pos_emb"][: len(ids)]
    if "type_emb" in weights:
        e = e + weights["type_emb"][np.asarray(type_ids, dtype=np.int64)]
    h = np.tanh(e @ weights["W1"] + weights["b1"])
    pooled = h.sum(axis=0) / max(len(ids), 1)
    z = np.tanh(pooled @ weights["Wp"] + weights["bp"])
    return z @ weights["Wc"] + weights["bc"]


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def tokenizer_for(model_dir, max_length):
    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    # tokenizer.json pads to a fixed 128; the reference needs each sequence as it is.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    return tokenizer


class Model:
    def __init__(self, model_dir):
        model_dir = Path(model_dir)
        with open(model_dir / "config.json", encoding="utf-8") as f:
            self.config = json.load(f)
        with open(model_dir / "metadata.json", encoding="utf-8") as f:
            max_length = int(json.load(f)["max_seq_length"])
        with np.load(model_dir / "weights.npz") as archive:
            self.weights = {name: archive[name].astype(np.float64) for name in archive.files}
        self.tokenizer = tokenizer_for(model_dir, max_length)
        id2label = self.config["id2label"]
        self.labels = [id2label[str(i)] for i in range(len(id2label))]

    def logits(self, inputs):
        """inputs: texts, or (a, b) pairs. Returns [len(inputs), num_labels] float64."""
        encodings = self.tokenizer.encode_batch([x if isinstance(x, str) else tuple(x) for x in inputs])
        rows = [forward(self.weights, e.ids, e.type_ids) for e in encodings]
        return np.array(rows, dtype=np.float64).reshape(len(inputs), len(self.labels))

    def scores(self, logits):
        if self.config.get("problem_type") == "multi_label_classification" or len(self.labels) == 1:
            return sigmoid(logits)
        return softmax(logits)

    def label_index(self, prefix):
        for i, name in enumerate(self.labels):
            if name.lower().startswith(prefix):
                return i
        raise ValueError(f"no label starting with {prefix!r} in {self.labels}")

    def zero_shot(self, texts, labels, template, multi_label):
        if not labels:
            raise ValueError("zero_shot needs at least one candidate label")
        hypotheses = [template.format(label) for label in labels]
        logits = self.logits([(text, h) for text in texts for h in hypotheses])
        logits = logits.reshape(len(texts), len(labels), len(self.labels))
        entailment = self.label_index("entail")
        if multi_label or len(labels) == 1:
            scores = softmax(logits[..., [self.label_index("contra"), entailment]])[..., 1]
        else:
            scores = softmax(logits[..., entailment])
        results = []
        for row in scores:
            order = sorted(range(len(labels)), key=lambda i: -row[i])  # sorted() is stable
            results.append({"labels": [labels[i] for i in order], "scores": [float(row[i]) for i in order]})
        return results


def inputs_of(request):
    if "pairs" in request:
        return [tuple(pair) for pair in request["pairs"]]
    return list(request["texts"])


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    model = Model(request["model_dir"])
    op = request["op"]
    if op == "logits":
        response = {"logits": model.logits(inputs_of(request)).tolist()}
    elif op == "scores":
        logits = model.logits(inputs_of(request))
        response = {"labels": model.labels, "logits": logits.tolist(), "scores": model.scores(logits).tolist()}
    elif op == "zero_shot":
        response = {"results": model.zero_shot(request["texts"], request["labels"],
                                                request.get("hypothesis_template", "This example is {}."),
                                                bool(request.get("multi_label", False)))}
    else:
        sys.exit(f"classifier_reference: unknown op {op!r}")
    sys.stdout.buffer.write(json.dumps(response, ensure_ascii=False).encode("utf-8"))
    sys.stdout.buffer.write(b"\n")


if __name__ == "__main__":
    main()
