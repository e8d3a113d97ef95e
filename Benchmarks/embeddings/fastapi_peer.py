"""The embeddings benchmark's peer: what users run today — FastAPI under uvicorn, ONNX Runtime and HF tokenizers
in Python, serving text-embeddings-inference's `POST /embed` on the same model.onnx skiff serves, and skiff's
`POST /classify` (embedding zero-shot) and `POST /analyze` (classification and risk; no toxicity model), computed as
README.md specifies (Classification, toxicity, reranking and risk).

It is written the way a typical team writes it: a pydantic request model and a plain `def` endpoint, which
FastAPI runs in its threadpool (so concurrent requests call one shared InferenceSession from several threads;
ONNX Runtime's intra-op threads stay at their default, one per core). No batching across requests.

Usage: .venv/bin/python Benchmarks/embeddings/fastapi_peer.py [--port 8000] [--workers 1] [--model DIR]
"""

import argparse
import json
import os
import pathlib
import re
from typing import Literal

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field
from tokenizers import Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models/all-MiniLM-L6-v2/1"

# skiff's defaults (README: Classification, toxicity, reranking and risk).
TEMPLATE = "This example is {}."
TEMPERATURE = 0.05  # EMBEDDING_CLASSIFIER_TEMPERATURE
CENTER = 0.3  # EMBEDDING_CLASSIFIER_CENTER
DEFAULT_LABELS = {
    "fire": "a fire, smoke, flames or an explosion",
    "medical": "a medical emergency: someone injured, sick, unconscious or not breathing",
    "crime": "a crime: theft, robbery, burglary, assault or violence",
    "traffic": "a traffic accident or a hazard on the road",
    "natural_disaster": "a natural disaster: a flood, earthquake, storm or landslide",
    "hazmat": "a hazardous material leak: gas, chemicals or toxic fumes",
    "infrastructure": "an infrastructure failure: a power outage, water main break or structural damage",
    "disturbance": "a noise complaint or a public disturbance",
}
CATEGORY_WEIGHTS = {"fire": 0.9, "medical": 0.85, "hazmat": 0.85, "natural_disaster": 0.8, "crime": 0.7,
                    "traffic": 0.6, "infrastructure": 0.5, "disturbance": 0.2}
DEFAULT_CATEGORY_WEIGHT = 0.4
SEVERITY_SCORES = {"low": 0.25, "medium": 0.5, "high": 0.8, "critical": 1.0}
URGENCY_CUES = ["trapped", "help", "urgent", "emergency", "immediately", "now", "hurry", "asap", "dying", "bleeding",
                "unconscious", "not breathing", "weapon", "gun", "collapsed", "explosion", "screaming"]
URGENCY_SATURATION = 2
RISK_WEIGHTS = {"category": 0.35, "severity": 0.30, "toxicity": 0.10, "urgency": 0.25}
LEVELS = ((0.3, "low"), (0.55, "medium"), (0.8, "high"))  # score below the bound; critical above them all
SIMILARITY_THRESHOLD = 0.75
NO_TOXICITY = "no toxicity model is loaded"


def words(text):
    """Lower-cased runs of letters, digits and apostrophes: cues match as whole words (a phrase as consecutive ones)."""
    return re.findall(r"(?:[^\W_]|')+", text.lower())


CUE_WORDS = {cue: words(cue) for cue in URGENCY_CUES}


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


class ZeroShot:
    """Embedding zero-shot classification: cosine of the text with each label's hypothesis, then a softmax across
    labels, or a sigmoid per label (multi-label). Hypothesis vectors are cached by their text."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.cache = {}

    def classify(self, vector, labels=None, template=TEMPLATE, multi_label=False):
        """Labels and scores, best first. Without `labels`, the default labels, described. One label scores on its
        own (multi-label), as in the transformers pipeline."""
        names = list(DEFAULT_LABELS) if labels is None else labels
        hypotheses = [template.replace("{}", DEFAULT_LABELS[n] if labels is None else n) for n in names]
        if missing := [h for h in dict.fromkeys(hypotheses) if h not in self.cache]:
            self.cache.update(zip(missing, self.embedder.embed(missing)))
        cos = np.stack([self.cache[h] for h in hypotheses]).astype(np.float64) @ vector
        if multi_label or len(names) == 1:
            scores = 1 / (1 + np.exp(-(cos - CENTER) / TEMPERATURE))
        else:
            scores = np.exp((cos - cos.max()) / TEMPERATURE)
            scores /= scores.sum()
        order = np.argsort(-scores, kind="stable")
        return [names[i] for i in order], scores[order].tolist()


def risk(text, severity, category, confidence=None):
    """The weighted mean of the factors present; toxicity is never present here (no toxicity model). `confidence`
    is the classification's top score when the category was classified rather than given."""
    text_words = words(text)
    cues = [cue for cue, phrase in CUE_WORDS.items()
            if any(text_words[i:i + len(phrase)] == phrase for i in range(len(text_words)))]
    source = {"source": "request"} if confidence is None else {"source": "classification", "confidence": confidence}
    present = {"category": (CATEGORY_WEIGHTS.get(category.lower(), DEFAULT_CATEGORY_WEIGHT),
                            {"category": category, **source})}
    unavailable = {}
    if severity is None:
        unavailable["severity"] = "no severity was sent"
    else:
        present["severity"] = (SEVERITY_SCORES[severity], {"severity": severity})
    unavailable["toxicity"] = NO_TOXICITY
    present["urgency"] = (min(len(cues) / URGENCY_SATURATION, 1.0), {"cues": cues})
    total = sum(RISK_WEIGHTS[name] for name in present)
    factors = {name: {"value": value, "weight": RISK_WEIGHTS[name], "contribution": RISK_WEIGHTS[name] * value / total,
                      **extra} for name, (value, extra) in present.items()}
    score = sum(factor["contribution"] for factor in factors.values())
    return {"score": score, "level": next((level for bound, level in LEVELS if score < bound), "critical"),
            "category": category, "factors": factors, "unavailable": unavailable}


class EmbedRequest(BaseModel):
    inputs: str | list[str]
    normalize: bool = True


class ClassifyRequest(BaseModel):
    text: str
    labels: list[str] | None = Field(None, min_length=1)
    hypothesis_template: str = TEMPLATE
    multi_label: bool = False


class AnalyzeRequest(ClassifyRequest):
    severity: Literal["low", "medium", "high", "critical"] | None = None
    category: str | None = None
    candidates: list[str] | None = None
    duplicate_threshold: float = SIMILARITY_THRESHOLD


def create_app():
    """uvicorn factory (so `--workers N` can spawn it); the model directory comes from PEER_MODEL_DIR."""
    model_dir = pathlib.Path(os.environ.get("PEER_MODEL_DIR", DEFAULT_MODEL)).resolve()
    embedder = Embedder(model_dir)
    embedder.embed(["warm up"])
    zero_shot = ZeroShot(embedder)
    model = model_dir.parent.name  # models/<name>/<version>
    app = FastAPI(title="embeddings (FastAPI peer)")

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/embed")
    def embed(request: EmbedRequest) -> list[list[float]]:
        texts = [request.inputs] if isinstance(request.inputs, str) else request.inputs
        return embedder.embed(texts, request.normalize).tolist()

    def classification(request, vector):
        labels, scores = zero_shot.classify(vector, request.labels, request.hypothesis_template, request.multi_label)
        return {"sequence": request.text, "labels": labels, "scores": scores, "model": model, "method": "embedding",
                "multi_label": request.multi_label or len(labels) == 1}

    @app.post("/classify")
    def classify(request: ClassifyRequest):
        return classification(request, embedder.embed([request.text])[0])

    @app.post("/analyze")
    def analyze(request: AnalyzeRequest):
        vectors = embedder.embed([request.text, *(request.candidates or [])])
        classified = classification(request, vectors[0])
        answer = {"classification": classified,
                  "toxicity": {"available": False, "error": {"type": "model_not_loaded", "message": NO_TOXICITY}}}
        if request.category is not None:
            answer["risk"] = risk(request.text, request.severity, request.category)
        else:  # the top label of this call's classification
            answer["risk"] = risk(request.text, request.severity, classified["labels"][0], classified["scores"][0])
        if request.candidates:
            scores = (vectors[1:] @ vectors[0]).tolist()
            matches = [{"index": i, "text": text, "score": score}
                       for i, (text, score) in enumerate(zip(request.candidates, scores))
                       if score >= request.duplicate_threshold]
            answer["duplicates"] = sorted(matches, key=lambda d: -d["score"])
        return answer

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
