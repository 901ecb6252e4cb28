"""What a user types -> an FTS5 ``MATCH`` expression.

Words are ANDed; ``"a phrase"`` matches the words in order; ``word*`` is a prefix;
``OR`` between terms (upper case) is an alternative; ``-word`` excludes.  Everything
else is quoted, so no input is an FTS5 syntax error (``C++``, ``AT&T``, ``U.S.``)."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


class QueryError(ValueError):
    """A query with nothing to search for."""


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def to_match(query: str) -> str:
    positive: list[str] = []
    negative: list[str] = []
    pending_or = False
    for m in _TOKEN.finditer(query or ""):
        neg, phrase, word = m.group(1), m.group(2), m.group(3)
        if word == "OR":
            pending_or = bool(positive)
            continue
        if phrase is not None:
            term = _quote(phrase.strip()) if phrase.strip() else ""
        else:
            if word.startswith("-") and len(word) > 1:
                neg, word = "-", word[1:]
            prefix = word.endswith("*") and len(word.rstrip("*")) > 0
            core = word.rstrip("*") if prefix else word
            if not re.search(r"\w", core):
                continue  # punctuation only: nothing the tokenizer would index
            term = _quote(core) + ("*" if prefix else "")
        if not term:
            continue
        if neg:
            negative.append(term)
        elif pending_or and positive:
            positive[-1] = f"({positive[-1]} OR {term})"
        else:
            positive.append(term)
        pending_or = False
    if not positive:
        raise QueryError("nothing to search for" + (" (only exclusions)" if negative else ""))
    expr = " AND ".join(positive)
    for term in negative:
        expr = f"({expr}) NOT {term}"
    return expr
