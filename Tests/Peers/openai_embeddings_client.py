"""Drives skiff's /v1/embeddings with the official `openai` SDK, unchanged, and prints what it got back.

Usage: openai_embeddings_client.py BASE_URL MODEL

Embeds three texts as base64 (the SDK's default) and as floats, one text cut to 32 dimensions, and records the
errors for an unknown model and an empty input. `sdk_peer.py` calls `run` for the tests.
"""

import openai

from sdk_outcome import main

TEXTS = ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]


def run(argv):
    """The calls above against BASE_URL with MODEL; returns (result, True)."""
    base_url, model = argv[0], argv[1]
    client = openai.OpenAI(base_url=base_url, api_key="not-needed-locally", max_retries=0, timeout=30)
    default = client.embeddings.create(model=model, input=TEXTS)  # the SDK asks for base64 and decodes it
    floats = client.embeddings.create(model=model, input=TEXTS, encoding_format="float")
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
    return {
        "default": [item.embedding for item in default.data],
        "float": [item.embedding for item in floats.data],
        "indices": [item.index for item in default.data],
        "model": default.model,
        "usage": {"prompt_tokens": default.usage.prompt_tokens, "total_tokens": default.usage.total_tokens},
        "short_length": len(short.data[0].embedding),
        "errors": errors,
    }, True


if __name__ == "__main__":
    main(run)
