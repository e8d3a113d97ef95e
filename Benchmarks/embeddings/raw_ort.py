"""The embeddings benchmark's ceiling: the peer's exact tokenize + run + pool + normalise, in-process with no
HTTP, one batch after another on one InferenceSession — what any server of this model can at best approach.

With --sorted the pool is ordered by token count first, so each batch holds sentences of similar length: the
padding a length-sorting batcher (skiff's) leaves, i.e. the most ONNX Runtime itself can do with these sentences.

Usage: .venv/bin/python Benchmarks/embeddings/raw_ort.py [--batch 1 8 32] [--duration 10] [--sorted] [--json]
"""

import argparse
import itertools
import json
import pathlib
import time

from fastapi_peer import DEFAULT_MODEL, Embedder

SENTENCES = (pathlib.Path(__file__).parent / "sentences.txt").read_text().splitlines()


def batches(size, pool):
    """Consecutive windows of the sentence pool, wrapping around, as the HTTP benchmark's bodies are."""
    pool = itertools.cycle(pool)
    while True:
        yield [next(pool) for _ in range(size)]


def measure(embedder, size, duration, warmup, by_length=False):
    pool = sorted(SENTENCES, key=lambda s: len(embedder.tokenizer.encode(s).ids)) if by_length else SENTENCES
    source = batches(size, pool)
    deadline = time.perf_counter() + warmup
    while time.perf_counter() < deadline:
        embedder.embed(next(source))
    times, started = [], time.perf_counter()
    while (elapsed := time.perf_counter() - started) < duration:
        tick = time.perf_counter()
        embedder.embed(next(source))
        times.append(time.perf_counter() - tick)
    times.sort()
    return {"batch": size, "sorted": by_length, "batches_per_s": len(times) / elapsed,
            "sentences_per_s": len(times) * size / elapsed,
            "p50_ms": 1000 * times[len(times) // 2], "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model version directory")
    parser.add_argument("--sorted", action="store_true", help="batches of similar length (sorted by token count)")
    parser.add_argument("--json", action="store_true", help="print one JSON list instead of a table")
    args = parser.parse_args()
    embedder = Embedder(args.model)
    results = [measure(embedder, size, args.duration, args.warmup, args.sorted) for size in args.batch]
    if args.json:
        print(json.dumps(results))
        return
    print("| batch | batches/s | sentences/s | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['batch']} | {r['batches_per_s']:.1f} | {r['sentences_per_s']:.1f} | "
              f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")


if __name__ == "__main__":
    main()
