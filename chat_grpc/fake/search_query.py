"""The SearchMessages query: keywords and conditions on a few message fields.

Grammar (our reading of the reference; tokens as in :mod:`chat_grpc.fake._filter_syntax`)::

    query     := term { [ "AND" ] term } EOF           -- terms are joined by AND, written or implied
    term      := keyword | condition | "(" condition { "OR" condition } ")"
    keyword   := WORD | STRING                         -- a word, or a quoted phrase
    condition := FIELD operator value

Fields and operators: ``create_time`` ``<`` / ``>=`` (an RFC-3339 timestamp), ``sender.name`` ``=``
(``users/{user}``, an email allowed as ``{user}``), ``space.name`` ``=`` (``spaces/{space}``),
``space.display_name`` ``:`` (a word of the display name), ``space.space_type`` ``=`` (``SPACE``,
``GROUP_CHAT``, ``DIRECT_MESSAGE``). ``OR`` joins conditions on one field, inside parentheses; ``NOT`` and
other fields or operators are INVALID_ARGUMENT. Keywords match whole words of the message text, case
insensitively; a phrase matches its words in sequence. A query needs at least one keyword or condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chat_grpc.fake._filter_syntax import Kind, Source, Token, cache_parsed, tokenize
from chat_grpc.fake.filters import parse_timestamp

FIELD = "filter"
WORD = re.compile(r"\w+", re.UNICODE)
OPERATORS = {
    "create_time": ("<", ">="),
    "sender.name": ("=",),
    "space.name": ("=",),
    "space.display_name": (":",),
    "space.space_type": ("=",),
}
SPACE_TYPES = ("SPACE", "GROUP_CHAT", "DIRECT_MESSAGE")


def words(text: str) -> tuple[str, ...]:
    """The lower-cased words of a text, as the index keeps them."""
    return tuple([w.casefold() for w in WORD.findall(text)])


Group = tuple[str, ...]  # values of one field joined by OR


@dataclass(frozen=True)
class SearchQuery:
    keywords: tuple[str, ...] = ()  # every word that must occur
    phrases: tuple[tuple[str, ...], ...] = ()  # word sequences that must occur in order
    after: datetime | None = None  # create_time >= after
    before: datetime | None = None  # create_time < before
    sender_groups: tuple[Group, ...] = ()  # users/{id or email}: any of a group, all groups
    space_groups: tuple[Group, ...] = ()  # spaces/{space}
    display_names: tuple[Group, ...] = ()
    space_type_groups: tuple[Group, ...] = ()

    def matches_words(self, text_words: tuple[str, ...]) -> bool:
        present = set(text_words)
        if not all(k in present for k in self.keywords):
            return False
        for phrase in self.phrases:
            n = len(phrase)
            if not any(text_words[i : i + n] == phrase for i in range(len(text_words) - n + 1)):
                return False
        return True


class _Parser:
    def __init__(self, text: str) -> None:
        self.src = Source(text, FIELD)
        self.tokens = tokenize(self.src)
        self.at = 0
        self.keywords: list[str] = []
        self.phrases: list[tuple[str, ...]] = []
        self.after: datetime | None = None
        self.before: datetime | None = None
        self.groups: dict[str, list[Group]] = {name: [] for name in OPERATORS if name != "create_time"}

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def parse(self) -> SearchQuery:
        if self.peek().kind is Kind.EOF:
            self.src.fail("the query is empty: give keywords or conditions")
        while self.peek().kind is not Kind.EOF:
            self.term()
            if self.peek().kind is Kind.AND:
                self.take()
                if self.peek().kind is Kind.EOF:
                    self.src.fail("AND needs a term after it", self.peek().start)
        groups = self.groups
        return SearchQuery(
            keywords=tuple(self.keywords),
            phrases=tuple(self.phrases),
            after=self.after,
            before=self.before,
            sender_groups=tuple(groups["sender.name"]),
            space_groups=tuple(groups["space.name"]),
            display_names=tuple(groups["space.display_name"]),
            space_type_groups=tuple(groups["space.space_type"]),
        )

    def term(self) -> None:
        token = self.peek()
        if token.kind is Kind.LPAREN:
            self.take()
            conditions = [self.condition()]
            while self.peek().kind is Kind.OR:
                self.take()
                conditions.append(self.condition())
            closing = self.take()
            if closing.kind is not Kind.RPAREN:
                self.src.fail_at("expected ')' or OR after a condition", closing)
            fields = {f for f, _, _ in conditions}
            if len(fields) > 1:
                self.src.fail_at("OR may only join conditions on the same field", token)
            self.add(conditions)
        elif token.kind is Kind.WORD and self.peek(1).kind is Kind.OPERATOR:
            self.add([self.condition()])
        elif token.kind is Kind.WORD:
            self.take()
            self.keywords += words(token.value)
        elif token.kind is Kind.STRING:
            self.take()
            phrase = words(token.value)
            if not phrase:
                self.src.fail_at("a quoted phrase needs at least one word", token)
            self.keywords += phrase
            if len(phrase) > 1:
                self.phrases.append(phrase)
        elif token.kind in (Kind.OR, Kind.NOT):
            self.src.fail_at(f"{token.value} is only supported between conditions on one field, in parentheses", token)
        else:
            self.src.fail_at("expected a keyword or a condition", token)

    def condition(self) -> tuple[str, str, Token]:
        name = self.take()
        if name.kind is not Kind.WORD:
            self.src.fail_at("expected a field name", name)
        operator = self.take()
        if operator.kind is not Kind.OPERATOR:
            self.src.fail_at(f"expected an operator after {name.value}", operator)
        if name.value not in OPERATORS:
            self.src.fail_at(f"unsupported field {name.value!r}; use one of: {', '.join(OPERATORS)}", name)
        if operator.value not in OPERATORS[name.value]:
            allowed = " or ".join(OPERATORS[name.value])
            self.src.fail_at(f"{name.value} supports {allowed}, not {operator.value}", operator)
        value = self.take()
        if value.kind not in (Kind.WORD, Kind.STRING) or not value.value:
            self.src.fail_at(f"expected a value for {name.value}", value)
        return name.value, operator.value, value

    def add(self, conditions: list[tuple[str, str, Token]]) -> None:
        name = conditions[0][0]
        values = [v for _, _, v in conditions]
        if name == "create_time":
            if len(conditions) > 1:
                self.src.fail_at("create_time conditions cannot be joined with OR", values[1])
            _, operator, value = conditions[0]
            when = parse_timestamp(value.value, field=FIELD)
            if operator == "<":
                self.before = when if self.before is None else min(self.before, when)
            else:
                self.after = when if self.after is None else max(self.after, when)
            return
        if name == "sender.name":
            for value in values:
                if not re.fullmatch(r"users/[^/\s]+", value.value):
                    self.src.fail_at("sender.name takes users/{user}", value)
        elif name == "space.name":
            for value in values:
                if not re.fullmatch(r"spaces/[^/\s]+", value.value):
                    self.src.fail_at("space.name takes spaces/{space}", value)
        elif name == "space.space_type":
            for value in values:
                if value.value not in SPACE_TYPES:
                    self.src.fail_at(f"space.space_type is one of {', '.join(SPACE_TYPES)}", value)
        self.groups[name].append(tuple(v.value for v in values))


@cache_parsed
def parse_search_query(text: str) -> SearchQuery:
    return _Parser(text).parse()


def parse_search_order_by(text: str) -> bool:
    """True for newest first (the default, ``create_time desc``), False for ``create_time asc``."""
    parts = text.split()
    if not parts:
        return True
    if parts[0] != "create_time" or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        from chat_grpc.fake.errors import InvalidArgument

        raise InvalidArgument(
            f"order_by must be 'create_time desc' (the default) or 'create_time asc', got {text!r}", field="order_by"
        )
    return len(parts) == 1 or parts[1].lower() == "desc"
