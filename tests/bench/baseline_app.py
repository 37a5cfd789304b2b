"""The baseline for throughput ratios: a minimal Flask app serving a page of a set size."""

import os

from flask import Flask

app = Flask(__name__)
BODY = "x" * int(os.environ.get("BASELINE_BYTES", "8000"))


@app.get("/sign-in")
@app.get("/page")
def page() -> str:
    return BODY


@app.post("/page")
def post_page() -> str:
    return BODY
