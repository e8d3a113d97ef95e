"""Drives skiff's /v1/embeddings with the official `openai` SDK, unchanged, and prints what it got back.

Usage: openai_embeddings_client.py BASE_URL MODEL
"""

import json
import sys

import openai

base_url, model = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key="not-needed-locally", max_retries=0, timeout=30)
texts = ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]

default = client.embeddings.create(model=model, input=texts)  # the SDK asks for base64 and decodes it
floats = client.embeddings.create(model=model, input=texts, encoding_format="float")
short = client.embeddings.create(model=model, input="hello", dimensions=32)

errors = {}
for name, call in {
    "unknown_model": lambda: client.embeddings.create(model="no-such-model", input="x"),
    "empty_input": lambda: client.embeddings.create(model=model, input=[]),
}.items():
    try:
        call()
        errors[name] = None
    except openai.APIStatusError as error:
        errors[name] = {"class": type(error).__name__, "status": error.status_code, "message": error.message}

print(json.dumps({
    "default": [item.embedding for item in default.data],
    "float": [item.embedding for item in floats.data],
    "indices": [item.index for item in default.data],
    "model": default.model,
    "usage": {"prompt_tokens": default.usage.prompt_tokens, "total_tokens": default.usage.total_tokens},
    "short_length": len(short.data[0].embedding),
    "errors": errors,
}))
