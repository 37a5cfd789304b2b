"""A JSON POST with the outcome sorted into the three kinds the sender acts on."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from learnapp.notify.channels import PermanentFailure, TemporaryFailure, UnknownOutcome


def post_json(url: str, payload: dict, headers: dict[str, str], timeout: float) -> dict:
    """The JSON answer of a 2xx response; raise the outcome otherwise."""
    if not url.startswith(("http://", "https://")):
        raise PermanentFailure(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TemporaryFailure(f"HTTP {exc.code}") from exc
        raise PermanentFailure(f"HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        # urllib wraps errors raised while connecting and sending: nothing was accepted.
        raise TemporaryFailure(f"not reached: {exc.reason}") from exc
    except OSError as exc:
        # Sent, then the answer timed out or the connection dropped: it may have gone out.
        raise UnknownOutcome(f"no answer: {exc!r}") from exc
    try:
        return json.loads(body or b"{}")
    except ValueError as exc:
        raise UnknownOutcome("the answer was not JSON") from exc
