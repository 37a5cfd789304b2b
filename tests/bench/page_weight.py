"""What a lesson page costs a phone: bytes on first and repeat visit, measured in Chromium.

Budgets (issue: the learner's journey): first visit at most 30 KB compressed (HTML, CSS,
JS, fonts), repeat visit at most 10 KB. Sizes are gzip sizes of what the browser
actually fetched from the network, as nginx would send them.

    .venv/bin/python -m tests.bench.page_weight
"""

from __future__ import annotations

import gzip
import shutil
import sys
import urllib.request

from tests.bench._server import gunicorn, prepared_instance

FIRST_BUDGET = 30 * 1024
REPEAT_BUDGET = 10 * 1024
LESSON = "/m/cell-meetings/meeting-types"


def measure(base: str) -> tuple[int, int, list[str]]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        page.goto(base + "/sign-in")
        page.fill("#identifier", "learner")
        page.fill("#password", "learnapp-demo")
        page.click("button.primary")
        page.wait_for_url(base + "/")

        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cached: set[str] = set()
        urls: dict[str, str] = {}

        def on_sent(event: dict) -> None:
            urls[event["requestId"]] = event["request"]["url"]

        def on_cache(event: dict) -> None:
            cached.add(urls.get(event["requestId"], ""))

        def on_received(event: dict) -> None:
            if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
                cached.add(event["response"]["url"])

        cdp.on("Network.requestWillBeSent", on_sent)
        cdp.on("Network.requestServedFromCache", on_cache)
        cdp.on("Network.responseReceived", on_received)

        def visit() -> tuple[int, list[str]]:
            fetched: list = []
            cached.clear()

            def on_response(response) -> None:  # noqa: ANN001
                fetched.append(response)

            page.on("response", on_response)
            page.goto(base + LESSON)
            page.wait_for_load_state("load")
            page.remove_listener("response", on_response)
            total, names = 0, []
            for response in fetched:
                if response.url in cached or response.status == 304:
                    continue
                try:
                    body = response.body()
                except PlaywrightError:
                    # The service worker's script, fetched by the worker rather than the
                    # page: its body is not kept for the page; the same public URL again.
                    body = urllib.request.urlopen(response.url, timeout=10).read()  # noqa: S310
                total += len(gzip.compress(body, 6))
                names.append(f"{response.url.replace(base, '')} ({len(body)} B raw)")
            return total, names

        cdp.send("Network.clearBrowserCache")
        first, names = visit()
        repeat, _ = visit()
        browser.close()
    return first, repeat, names


def main() -> int:
    env = prepared_instance()
    with gunicorn("wsgi:app", env) as base:
        first, repeat, names = measure(base)
    print(
        f"lesson page first visit : {first / 1024:6.1f} KB gzip "
        f"({first / FIRST_BUDGET:.2f} of the {FIRST_BUDGET // 1024} KB budget)"
    )
    for name in names:
        print(f"    {name}")
    print(
        f"lesson page repeat visit: {repeat / 1024:6.1f} KB gzip "
        f"({repeat / REPEAT_BUDGET:.2f} of the {REPEAT_BUDGET // 1024} KB budget)"
    )
    ok = first <= FIRST_BUDGET and repeat <= REPEAT_BUDGET
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
