"""The request class: form fields and query parameters never carry NUL characters.

PostgreSQL refuses NUL in text, so a stray one in any field would end in a server error
on production but not on SQLite. Replacing it with a space at parsing time means every
form, search box and answer field is safe without each one remembering to clean it.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict


def _clean(value):
    return value.replace("\x00", " ") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = mapping.items()
        else:
            pairs = mapping
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


class LearnappRequest(Request):
    parameter_storage_class = NulFreeMultiDict
