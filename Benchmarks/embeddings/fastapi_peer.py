"""The embeddings benchmark's peer: what users run today — FastAPI under uvicorn, ONNX Runtime and HF tokenizers
in Python, serving text-embeddings-inference's `POST /embed` on the same model.onnx skiff serves.

It is written the way a typical team writes it: a pydantic request model and a plain `def` endpoint, which
FastAPI runs in its threadpool (so concurrent requests call one shared InferenceSession from several threads;
ONNX Runtime's intra-op threads stay at their default, one per core). No batching across requests.

Usage: .venv/bin/python Benchmarks/embeddings/fastapi_peer.py [--port 8000] [--workers 1] [--model DIR]
"""

import argparse
import json
import os
import pathlib

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from tokenizers import Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models/all-MiniLM-L6-v2/1"


class Embedder:
    """Tokenize, run, mean-pool, normalise: the per-request work, shared with raw_ort.py so the ceiling is exact."""

    def __init__(self, model_dir):
        model_dir = pathlib.Path(model_dir)
        max_length = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json ships fixed padding to 128 and truncation at 128: override both as sentence-transformers does.
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding()  # to the longest in the batch, with [PAD] (id 0)
        self.session = ort.InferenceSession(str(model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        outputs = {o.name for o in self.session.get_outputs()}
        self.pooled = "sentence_embedding" in outputs  # the graph's own masked mean pooling
        self.output = "sentence_embedding" if self.pooled else "last_hidden_state"

    def embed(self, texts, normalize=True):
        encodings = self.tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64), "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        (out,) = self.session.run([self.output], feed)
        if not self.pooled:
            out = (out * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        if normalize:
            out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class EmbedRequest(BaseModel):
    inputs: str | list[str]
    normalize: bool = True


def create_app():
    """uvicorn factory (so `--workers N` can spawn it); the model directory comes from PEER_MODEL_DIR."""
    embedder = Embedder(os.environ.get("PEER_MODEL_DIR", DEFAULT_MODEL))
    embedder.embed(["warm up"])
    app = FastAPI(title="embeddings (FastAPI peer)")

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/embed")
    def embed(request: EmbedRequest) -> list[list[float]]:
        texts = [request.inputs] if isinstance(request.inputs, str) else request.inputs
        return embedder.embed(texts, request.normalize).tolist()

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model version directory")
    args = parser.parse_args()
    os.environ["PEER_MODEL_DIR"] = args.model
    uvicorn.run("fastapi_peer:create_app", factory=True, app_dir=str(pathlib.Path(__file__).parent),
                host=args.host, port=args.port, workers=args.workers, log_level="warning")


if __name__ == "__main__":
    main()
