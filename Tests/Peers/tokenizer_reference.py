"""Reference tokenizations from Hugging Face `tokenizers`, for skiff's WordPiece and byte-level BPE parity tests.

Reads one JSON object on stdin:

    {"model_dir": "...", "max_length": 256, "singles": [text, ...], "pairs": [[a, b], ...],
     "add_special_tokens": true, "normalize": [text, ...]}

and prints {"singles": [{"ids", "type_ids", "tokens"}, ...], "pairs": [...]} in the same order. Loads
<model_dir>/tokenizer.json with Tokenizer.from_file, truncates to max_length (longest_first, HF's default) and
does not pad. "add_special_tokens" is optional (default true). The optional "normalize" list is answered with
"normalized" (the normalizer's output for each text) and "pre_tokenized" (the words the pre-tokenizer makes of
that output).
"""

import json
import sys
from pathlib import Path

from tokenizers import Tokenizer


def describe(encoding):
    return {"ids": encoding.ids, "type_ids": encoding.type_ids, "tokens": encoding.tokens}


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    tokenizer = Tokenizer.from_file(str(Path(request["model_dir"]) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=int(request["max_length"]))

    special = bool(request.get("add_special_tokens", True))
    singles = tokenizer.encode_batch(request.get("singles", []), add_special_tokens=special)
    pairs = tokenizer.encode_batch([tuple(p) for p in request.get("pairs", [])], add_special_tokens=special)
    response = {"singles": [describe(e) for e in singles], "pairs": [describe(e) for e in pairs]}
    if "normalize" in request:
        # Byte-level BPE tokenizers (RoBERTa, BART) have no normalizer: the text goes to the pre-tokenizer as is.
        normalizer = tokenizer.normalizer
        normalized = [normalizer.normalize_str(text) if normalizer else text for text in request["normalize"]]
        response["normalized"] = normalized
        response["pre_tokenized"] = [[word for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text)] for text in normalized]
    sys.stdout.buffer.write(json.dumps(response, ensure_ascii=False).encode("utf-8"))
    sys.stdout.buffer.write(b"\n")


if __name__ == "__main__":
    main()
