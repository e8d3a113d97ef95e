"""Reference sentence embeddings for skiff's embedding tests, computed without any of skiff's code.

Reads one JSON object on stdin:

    {"model_dir": ".../all-MiniLM-L6-v2/1", "model_file": "model.onnx", "texts": ["...", ...]}

and prints a JSON list with one L2-normalised embedding (a list of floats) per text, in order.

Tokenizes with Hugging Face `tokenizers` from the version directory's tokenizer.json (truncated to
max_seq_length from sentence_bert_config.json, padded to the longest text), runs the ONNX file with
onnxruntime, and mean-pools `last_hidden_state` over the attention mask here in NumPy rather than reading
the model's own `sentence_embedding` output, so a pooling mistake in the graph cannot hide in both.
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def main():
    request = json.load(sys.stdin)
    model_dir = Path(request["model_dir"])
    texts = request["texts"]
    if not texts:
        print("[]")
        return

    with open(model_dir / "sentence_bert_config.json", encoding="utf-8") as f:
        max_seq_length = int(json.load(f)["max_seq_length"])
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # tokenizer.json carries its own truncation (128) and fixed padding; sentence-transformers overrides both.
    padding = tokenizer.padding or {"pad_id": tokenizer.token_to_id("[PAD]"), "pad_token": "[PAD]"}
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.enable_padding(pad_id=padding["pad_id"], pad_token=padding["pad_token"],
                            pad_type_id=padding.get("pad_type_id", 0))
    encodings = tokenizer.encode_batch(texts)

    feeds = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model_dir / request.get("model_file", "model.onnx")), options,
                                   providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    (hidden,) = session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in wanted})

    mask = feeds["attention_mask"][:, :, None].astype(np.float64)
    pooled = (hidden.astype(np.float64) * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    normalised = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    json.dump(normalised.tolist(), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
