"""What the SDK client scripts share: how one call's outcome is recorded, and their command line."""

import json
import sys

import httpx2  # the SDKs' HTTP client: a stream cut midway can surface as its own error


# --thinking KIND: the `thinking` object each kind sends (Anthropic's, which skiff takes from chat clients too).
THINKING = {"enabled": {"type": "enabled", "budget_tokens": 1024}, "adaptive": {"type": "adaptive"},
            "omitted": {"type": "adaptive", "display": "omitted"}}


def outcome(call, result, sdk_errors):
    """Runs call(), which fills result. An error the SDK raises for the server's answer is a result too
    (result["error"]); returns (result, True). Any other failure means the SDK could not use the answer: it is
    recorded with "sdk_error": false and (result, False) returned."""
    try:
        call()
    except (*sdk_errors, httpx2.TransportError) as error:
        result["error"] = {"class": type(error).__name__, "status": getattr(error, "status_code", None),
                           "message": str(error)}
    except Exception as error:
        result.update(error={"class": type(error).__name__, "status": None, "message": str(error)}, sdk_error=False)
        return result, False
    return result, True


def main(run):
    """The command line: prints run's result as one JSON line and exits 1 when it was not ok."""
    result, ok = run(sys.argv[1:])
    print(json.dumps(result))
    sys.exit(0 if ok else 1)
