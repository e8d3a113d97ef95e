"""Python's own JSON reader as the reference for skiff's JSON parser (JSONParserTests).

Reads one JSON object on stdin, {"texts": [base64, ...]}, and prints {"values": [...]} in the same order: for each
text, null when it is not strict JSON (RFC 8259), else its value as a tagged tree that keeps what a plain dump would
blur: {"i": "<decimal>"} for an integer, {"f": "<float.hex()>"} for a float, {"o": {...}} for an object, strings,
lists, booleans as themselves, and {"null": true} for null. The answer is ASCII-only.

Strict means: UTF-8 without a byte order mark other than one leading one (RFC 8259 §8.1 lets a parser skip it), no
NaN or Infinity, no number too large for a double (even one a later duplicate member replaces), no unpaired surrogate escapes, no control characters in strings.
"""

import base64
import json
import math
import sys


class NotStrict(Exception):
    pass


def refuse_constant(name):
    raise NotStrict(name)


def finite(text):
    value = float(text)
    if not math.isfinite(value):
        raise NotStrict("out of range")
    return value


def checked(text):
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise NotStrict("unpaired surrogate")
    return text


def tagged(value):
    if value is None:
        return {"null": True}
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"i": str(value)}
    if isinstance(value, float):
        return {"f": value.hex()}
    if isinstance(value, str):
        return checked(value)
    if isinstance(value, list):
        return [tagged(v) for v in value]
    return {"o": {checked(key): tagged(v) for key, v in value.items()}}


def read(raw):
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        return tagged(json.loads(text, parse_constant=refuse_constant, parse_float=finite))
    except (NotStrict, UnicodeDecodeError, ValueError, RecursionError):
        return None


def main():
    request = json.loads(sys.stdin.buffer.read())
    values = [read(base64.b64decode(text)) for text in request["texts"]]
    sys.stdout.write(json.dumps({"values": values}, ensure_ascii=True))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
