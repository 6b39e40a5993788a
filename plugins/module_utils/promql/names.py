# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the metric names a PromQL expression selects.

Not a public API; it may change between any two releases.

A small lexer and a walk over its tokens, not a parser: whether the expression is valid PromQL is
promtool's to say (promtool.py). What it finds are the names of the vector and matrix selectors
(``rate(x_total[5m])``, ``x{job="a"}``, ``{__name__="x"}``), and it passes over everything else: function
and aggregation names, the label lists of ``by``/``without``/``on``/``ignoring``/``group_left``/``group_right``,
label matchers, strings, numbers (``1e3``, ``0x1f``, ``Inf``, ``NaN``), durations, ``offset`` and ``@``.
As Prometheus's own grammar does, a keyword standing where an operand belongs (``offset`` alone,
``sum{job="a"}``) is a metric name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?)
  | (?P<duration>(?:[0-9]+(?:ms|[smhdwy]))+(?![A-Za-z0-9_:]))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>==|!=|=~|!~|<=|>=|[-+*/%^<>=])
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)

AGGREGATIONS = frozenset({"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk",
                          "count_values", "quantile", "limitk", "limit_ratio"})
#: words that take a list of label names in parentheses
LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
#: words that may stand between a binary operator and its right-hand side
BINARY_MODIFIERS = frozenset({"bool", "on", "ignoring", "group_left", "group_right"})
SET_OPERATORS = frozenset({"and", "or", "unless", "atan2"})
KEYWORDS = AGGREGATIONS | LABEL_LISTS | BINARY_MODIFIERS | SET_OPERATORS | {"offset"}
NUMBER_WORDS = frozenset({"inf", "nan"})
MATCH_OPERATORS = frozenset({"=", "!=", "=~", "!~"})


@dataclass(frozen=True)
class Token:
    kind: str  # string, duration, number, word, op, punct
    text: str


@dataclass
class Selection:
    """The metric names an expression selects, in order, and the selectors whose names cannot be known
    (a regular expression or a negation on ``__name__``)."""

    metrics: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    def add(self, name: str) -> None:
        if name not in self.metrics:
            self.metrics.append(name)


def tokenize(expr: str) -> list[Token]:
    """The tokens of `expr` without spaces and comments; an unterminated string runs to the end."""
    tokens = []
    for match in TOKEN.finditer(expr):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group()))
    return tokens


def string_value(text: str) -> str:
    """The value of a PromQL string literal (quotes removed, backslash escapes of quotes and backslashes undone)."""
    if text[:1] == "`":
        return text[1:-1] if len(text) > 1 and text.endswith("`") else text[1:]
    body = text[1:-1] if len(text) > 1 and text[-1] == text[0] else text[1:]
    return re.sub(r"\\(.)", r"\1", body)


def selected_names(expr: str) -> Selection:
    """The metric names `expr` selects (see the module docstring for what is passed over)."""
    tokens = tokenize(expr)
    selection = Selection()
    previous: Token | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "word":
            word = token.text.lower()
            if _is(following, "(") and word in LABEL_LISTS:
                index = _after_closing(tokens, index + 1, "(", ")")
                previous = Token("word", word)
                continue
            if _is_metric_name(word, previous, following):
                selection.add(token.text)
        elif _is(token, "{"):
            index = _read_matchers(tokens, index, selection)
            previous = Token("punct", "}")
            continue
        elif _is(token, "["):
            index = _after_closing(tokens, index, "[", "]")
            previous = Token("punct", "]")
            continue
        previous = token
        index += 1
    return selection


def _is_metric_name(word: str, previous: Token | None, following: Token | None) -> bool:
    if _is(following, "{"):
        return True
    if _is(following, "(") or word in NUMBER_WORDS:
        return False  # a function, an aggregation, `@ start()`; or a number
    if word not in KEYWORDS:
        return True
    if word in AGGREGATIONS and following is not None and following.text.lower() in ("by", "without"):
        return False
    if word in BINARY_MODIFIERS and _after_operator(previous):
        return False
    return _operand_expected(previous)


def _operand_expected(previous: Token | None) -> bool:
    """Whether an operand (not an operator or a modifier) comes next after `previous`."""
    if previous is None or previous.kind == "op" or _is(previous, "(") or _is(previous, ","):
        return True
    return previous.kind == "word" and previous.text.lower() in SET_OPERATORS | BINARY_MODIFIERS


def _after_operator(previous: Token | None) -> bool:
    if previous is None:
        return False
    return previous.kind == "op" or (previous.kind == "word" and previous.text.lower() in SET_OPERATORS | BINARY_MODIFIERS)


def _read_matchers(tokens: list[Token], start: int, selection: Selection) -> int:
    """Read the label matchers of the braces opening at `start`; the index after the closing brace."""
    end = _after_closing(tokens, start, "{", "}")
    inside = tokens[start + 1:end - 1] if _is(tokens[end - 1], "}") else tokens[start + 1:end]
    for matcher in _split(inside, ","):
        if len(matcher) == 1 and matcher[0].kind == "string":
            selection.add(string_value(matcher[0].text))  # {"metric.name"}: the name quoted alone
        elif (len(matcher) == 3 and matcher[0].text == "__name__" and matcher[1].text in MATCH_OPERATORS
              and matcher[2].kind == "string"):
            if matcher[1].text == "=":
                selection.add(string_value(matcher[2].text))
            else:
                selection.unchecked.append("".join(token.text for token in matcher))
    return end


def _split(tokens: list[Token], separator: str) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if _is(token, separator):
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _after_closing(tokens: list[Token], start: int, opening: str, closing: str) -> int:
    """The index after the bracket that closes the one at `start` (the end when it is never closed)."""
    depth = 0
    for index in range(start, len(tokens)):
        if _is(tokens[index], opening):
            depth += 1
        elif _is(tokens[index], closing):
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _is(token: Token | None, text: str) -> bool:
    return token is not None and token.kind == "punct" and token.text == text
