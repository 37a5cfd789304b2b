"""Lighthouse's mobile test on the pages people use most, signed in as they would be.

Budget (issue: learning on a weak network): performance, accessibility and best
practices 1.00 on home, lesson, quiz, result and the committee dashboard. The sign-in
page is scored first as the baseline of the same run: it has no session, no data and
nothing to lay out, so a page that scores below it has something of its own to fix.

Lighthouse comes from the npm registry, outside the project (it is a tool, not a
dependency of the site):

    npm install --prefix /tmp/lh lighthouse@12
    LIGHTHOUSE=/tmp/lh/node_modules/.bin/lighthouse .venv/bin/python -m tests.bench.lighthouse

Not run in CI: it needs Node and takes a minute per page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from tests.bench._server import gunicorn, prepared_instance

CATEGORIES = ("performance", "accessibility", "best-practices")
LESSON = "/m/cell-meetings/meeting-types"
MODULE = "cell-meetings"


def _sign_in(page, base: str, username: str) -> None:  # noqa: ANN001
    page.goto(base + "/sign-in")
    page.fill("#identifier", username)
    page.fill("#password", "learnapp-demo")
    page.click("button.primary")
    page.wait_for_load_state("load")


def signed_in_pages(base: str) -> list[tuple[str, str, str]]:
    """(name, url, cookie header) for each page, made ready by a real browser session."""
    from playwright.sync_api import sync_playwright

    pages: list[tuple[str, str, str]] = [("sign-in (baseline)", base + "/sign-in", "")]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        for username in ("learner", "committee"):
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
            page = context.new_page()
            _sign_in(page, base, username)
            if username == "learner":
                page.goto(base + f"/m/{MODULE}/quiz")
                page.locator("form[action$='/quiz/start'] button").first.click()
                page.wait_for_url(re.compile(r".*/quiz/attempts/\d+$"))
                quiz_url = page.url
                # A result page needs a submitted attempt: the first choice of each
                # question, then "Submit my answers" (and its blank-answer check if any).
                for group in page.locator("form.quiz fieldset").all():
                    first = group.locator("input[type=radio], input[type=checkbox]").first
                    if first.count():
                        first.check()
                page.locator("form.quiz button.primary").click()
                page.wait_for_load_state("load")
                if "/confirm" in page.url:
                    page.locator("button.primary").last.click()
                    page.wait_for_load_state("load")
                result_url = page.url if page.url.endswith("/result") else quiz_url + "/result"
                cookie = _cookie_header(context)
                # The open attempt's page would be the result after submitting, so the
                # quiz page is scored on a second attempt started afterwards.
                page.goto(base + f"/m/{MODULE}/quiz")
                start = page.locator("form[action$='/quiz/start'] button")
                if start.count():
                    start.first.click()
                    page.wait_for_load_state("load")
                pages += [
                    ("home", base + "/", cookie),
                    ("lesson", base + LESSON, cookie),
                    ("quiz", page.url, cookie),
                    ("result", result_url, cookie),
                ]
            else:
                # /reports/ sends a committee member on to their own area's page.
                page.goto(base + "/reports/")
                pages.append(("committee dashboard", page.url, _cookie_header(context)))
            context.close()
        browser.close()
    return pages


def _cookie_header(context) -> str:  # noqa: ANN001
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


def score(lighthouse: str, url: str, cookie: str) -> tuple[dict[str, float], list[str]]:
    """The category scores, and the ids of the audits that cost points."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            lighthouse,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out.name}",
            "--only-categories=" + ",".join(CATEGORIES),
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        if cookie:
            command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        env = dict(os.environ, CHROME_PATH=shutil.which("chromium") or "")
        subprocess.run(command, check=True, env=env, capture_output=True)  # noqa: S603
        report = json.load(open(out.name, encoding="utf-8"))  # noqa: SIM115
    if report.get("finalDisplayedUrl", url).rstrip("/") != url.rstrip("/"):
        raise SystemExit(
            f"{url} ended at {report.get('finalDisplayedUrl')}: the cookie was refused"
        )
    failed = [
        ref["id"]
        for c in CATEGORIES
        for ref in report["categories"][c]["auditRefs"]
        if ref.get("weight") and (report["audits"][ref["id"]].get("score") or 0) < 1
    ]
    return {c: report["categories"][c]["score"] for c in CATEGORIES}, failed


def main() -> int:
    lighthouse = os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse")
    if not lighthouse:
        print(__doc__)
        return 2
    env = prepared_instance()
    with gunicorn("wsgi:app", env) as base:
        pages = signed_in_pages(base)
        print(f"{'page':<22}" + "".join(f"{c:>16}" for c in CATEGORIES))
        below = 0
        for name, url, cookie in pages:
            scores, failed = score(lighthouse, url, cookie)
            below += sum(1 for s in scores.values() if s < 1.0)
            line = f"{name:<22}" + "".join(f"{scores[c]:>16.2f}" for c in CATEGORIES)
            print(line + (f"   lost on: {', '.join(failed)}" if failed else ""))
    print(f"scores below 1.00: {below}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
