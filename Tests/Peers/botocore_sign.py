"""Signs requests with botocore's SigV4Auth, for comparison with skiff's signer.

Reads a JSON list of requests on stdin ({method, url, headers, body, access_key, secret_key, token,
region, service, timestamp}) and prints a JSON list of {canonical_request, string_to_sign, authorization}.
"""

import datetime
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(spec):
    request = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode(), headers=spec["headers"])
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("token"))
    auth = SigV4Auth(credentials, spec["service"], spec["region"])
    timestamp = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = spec["timestamp"]
    # botocore reads the clock inside add_auth; pin it so both sides sign the same instant.
    import botocore.auth as botocore_auth

    class FixedDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return timestamp

        @classmethod
        def now(cls, tz=None):
            return timestamp.replace(tzinfo=tz) if tz else timestamp

    original = botocore_auth.datetime.datetime
    botocore_auth.datetime.datetime = FixedDateTime
    try:
        auth.add_auth(request)
    finally:
        botocore_auth.datetime.datetime = original
    authorization = request.headers["Authorization"]
    # Recompute the intermediate strings as add_auth saw them: before Authorization existed.
    del request.headers["Authorization"]
    canonical = auth.canonical_request(request)
    return {
        "canonical_request": canonical,
        "string_to_sign": auth.string_to_sign(request, canonical),
        "authorization": authorization,
    }


print(json.dumps([sign(spec) for spec in json.load(sys.stdin)]))
