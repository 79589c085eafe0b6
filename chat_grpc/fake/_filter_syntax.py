"""The syntax shared by every list filter and query of the Chat API: a tokenizer and a recursive-descent parser.

The languages (``space_type = "SPACE" OR ...``, ``create_time > "..." AND thread.name = ...``,
``NOT creator("users/me")``, ``event_types:"..."``) are all small subsets of the AIP-160 filter syntax.
This module parses any of them into one tree; :mod:`chat_grpc.fake.filters` then checks the tree
against the rules of each RPC. Grammar::

    filter      := [ expression ] EOF
    expression  := unary { ( "AND" | "OR" ) unary }      -- AND and OR never mixed at one level
    unary       := "NOT" unary | primary
    primary     := "(" expression ")" | restriction
    restriction := WORD ( comparator value | "(" [ value { "," value } ] ")" )
    comparator  := "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
    value       := STRING | WORD

``STRING`` is double-quoted (``\\"`` and ``\\\\`` escape); ``WORD`` is a run of characters other than white
space and ``( ) " , = ! < > :`` (so ``spaces/A/threads/1`` and ``member.type`` are single words).
``AND``, ``OR`` and ``NOT`` are keywords only in upper case. Mixing AND and OR without parentheses is
rejected (the Chat docs require parentheses; AIP-160's "OR binds tighter" rule is easy to misread).

Every failure is an :class:`~chat_grpc.fake.errors.InvalidArgument` naming the request field, the
problem, the offset and the offending text. Nothing else escapes, whatever the input string.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, ParamSpec, TypeAlias, TypeVar

from chat_grpc.fake.errors import InvalidArgument

MAX_DEPTH = 32  # nesting of parentheses and NOT; deeper input is rejected (and never overflows the stack)
_SNIPPET = 40

_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", ":")  # longest first
_SPECIAL = frozenset('()",=!<>:')
_KEYWORDS = {"AND", "OR", "NOT"}


class Kind(enum.Enum):
    WORD = "word"
    STRING = "string"
    OPERATOR = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    EOF = "end of input"


@dataclass(frozen=True)
class Token:
    kind: Kind
    value: str  # the decoded text: a string's contents without quotes or escapes
    start: int
    end: int


@dataclass(frozen=True)
class Value:
    text: str
    quoted: bool
    start: int
    end: int


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str
    value: Value
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Value, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]
    start: int
    end: int


Node: TypeAlias = "Comparison | Call | Not | And | Or"


class Source:
    """The text being parsed and the request field it came from; builds the error messages."""

    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field

    def snippet(self, start: int, end: int) -> str:
        piece = self.text[start:end] if end > start else self.text[start : start + 1]
        piece = " ".join(piece.split())
        if len(piece) > _SNIPPET:
            piece = piece[: _SNIPPET - 3] + "..."
        return piece

    def error(self, message: str, start: int | None = None, end: int | None = None) -> InvalidArgument:
        text = f"invalid {self.field}: {message}"
        if start is not None:
            if start >= len(self.text):
                text += f" (at offset {start}: end of {self.field})"
            else:
                text += f" (at offset {start}: {self.snippet(start, end if end is not None else start)!r})"
        return InvalidArgument(text, field=self.field)

    def fail(self, message: str, start: int | None = None, end: int | None = None) -> NoReturn:
        raise self.error(message, start, end)

    def fail_at(self, message: str, node: Node | Value | Token) -> NoReturn:
        raise self.error(message, node.start, node.end)


def tokenize(source: Source) -> list[Token]:
    text = source.text
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch == "(":
            tokens.append(Token(Kind.LPAREN, ch, start, start + 1))
            i += 1
        elif ch == ")":
            tokens.append(Token(Kind.RPAREN, ch, start, start + 1))
            i += 1
        elif ch == ",":
            tokens.append(Token(Kind.COMMA, ch, start, start + 1))
            i += 1
        elif ch == '"':
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    source.fail("unterminated string (missing closing '\"')", start, n)
                c = text[i]
                if c == "\\":
                    if i + 1 >= n:
                        source.fail("unterminated string (dangling '\\')", start, n)
                    chars.append(text[i + 1])
                    i += 2
                elif c == '"':
                    i += 1
                    break
                else:
                    chars.append(c)
                    i += 1
            tokens.append(Token(Kind.STRING, "".join(chars), start, i))
        elif ch in _SPECIAL:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    tokens.append(Token(Kind.OPERATOR, op, start, start + len(op)))
                    i += len(op)
                    break
            else:
                source.fail(f"unexpected character {ch!r}", start, start + 1)
        else:
            while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            word = text[start:i]
            kind = Kind[word] if word in _KEYWORDS else Kind.WORD
            tokens.append(Token(kind, word, start, i))
    tokens.append(Token(Kind.EOF, "", n, n))
    return tokens


def describe(token: Token) -> str:
    if token.kind is Kind.EOF:
        return "end of input"
    if token.kind is Kind.STRING:
        return f"string {token.value!r}"
    return repr(token.value)


class _Parser:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind is not Kind.EOF:
            self.pos += 1
        return token

    def unexpected(self, expected: str) -> NoReturn:
        token = self.peek()
        self.source.fail(f"expected {expected}, found {describe(token)}", token.start, token.end)

    def parse(self) -> Node | None:
        if self.peek().kind is Kind.EOF:
            return None
        node = self.expression(0)
        token = self.peek()
        if token.kind is Kind.RPAREN:
            self.source.fail("unbalanced ')'", token.start, token.end)
        if token.kind is not Kind.EOF:
            self.unexpected("AND, OR or the end of the filter")
        return node

    def expression(self, depth: int) -> Node:
        first = self.unary(depth)
        items = [first]
        connective: Kind | None = None
        while self.peek().kind in (Kind.AND, Kind.OR):
            token = self.advance()
            if connective is None:
                connective = token.kind
            elif connective is not token.kind:
                self.source.fail(
                    "AND and OR can't be mixed without parentheses; group the OR terms in '(' ')'",
                    token.start,
                    token.end,
                )
            items.append(self.unary(depth))
        if connective is None:
            return first
        start, end = first.start, items[-1].end
        if connective is Kind.AND:
            flat: list[Node] = []
            for item in items:
                flat.extend(item.items if isinstance(item, And) else (item,))
            return And(tuple(flat), start, end)
        flat = []
        for item in items:
            flat.extend(item.items if isinstance(item, Or) else (item,))
        return Or(tuple(flat), start, end)

    def unary(self, depth: int) -> Node:
        if depth >= MAX_DEPTH:
            token = self.peek()
            self.source.fail(f"nested more than {MAX_DEPTH} levels deep", token.start, token.end)
        token = self.peek()
        if token.kind is Kind.NOT:
            self.advance()
            operand = self.unary(depth + 1)
            return Not(operand, token.start, operand.end)
        return self.primary(depth)

    def primary(self, depth: int) -> Node:
        token = self.peek()
        if token.kind is Kind.LPAREN:
            self.advance()
            if self.peek().kind is Kind.RPAREN:
                self.source.fail("empty parentheses", token.start, self.peek().end)
            inner = self.expression(depth + 1)
            if self.peek().kind is not Kind.RPAREN:
                if self.peek().kind is Kind.EOF:
                    self.source.fail("missing ')' for this '('", token.start, token.end)
                self.unexpected("AND, OR or ')'")
            self.advance()
            return inner
        if token.kind is Kind.WORD:
            return self.restriction()
        if token.kind is Kind.STRING:
            self.source.fail("expected a field name, found a quoted string", token.start, token.end)
        self.unexpected("a field name or '('")

    def restriction(self) -> Node:
        name = self.advance()
        token = self.peek()
        if token.kind is Kind.OPERATOR:
            self.advance()
            value = self.value(f"a value after {name.value} {token.value}")
            return Comparison(name.value, token.value, value, name.start, value.end)
        if token.kind is Kind.LPAREN:
            self.advance()
            args: list[Value] = []
            if self.peek().kind is not Kind.RPAREN:
                args.append(self.value(f"an argument to {name.value}()"))
                while self.peek().kind is Kind.COMMA:
                    self.advance()
                    args.append(self.value(f"an argument to {name.value}()"))
            if self.peek().kind is not Kind.RPAREN:
                self.unexpected(f"',' or ')' in {name.value}(...)")
            close = self.advance()
            return Call(name.value, tuple(args), name.start, close.end)
        self.unexpected(f"an operator (=, !=, <, <=, >, >=, :) after {name.value!r}")

    def value(self, what: str) -> Value:
        token = self.peek()
        if token.kind in (Kind.STRING, Kind.WORD):
            self.advance()
            return Value(token.value, token.kind is Kind.STRING, token.start, token.end)
        self.unexpected(what)


def parse(text: str, field: str) -> tuple[Source, Node | None]:
    """Parse ``text`` (the value of request field ``field``); ``None`` when it is empty or blank."""
    source = Source(text, field)
    return source, _Parser(source).parse()


def conjuncts(node: Node) -> tuple[Node, ...]:
    return node.items if isinstance(node, And) else (node,)


def disjuncts(node: Node) -> tuple[Node, ...]:
    return node.items if isinstance(node, Or) else (node,)


def comparisons(node: Node) -> list[Comparison | Call | Not]:
    """The leaves (and NOT nodes) under a tree of AND / OR."""
    if isinstance(node, (And, Or)):
        leaves: list[Comparison | Call | Not] = []
        for item in node.items:
            leaves.extend(comparisons(item))
        return leaves
    return [node]


P = ParamSpec("P")
R = TypeVar("R")
PARSED_CACHE_SIZE = 512  # distinct filter texts kept per language


def cache_parsed(parse: Callable[P, R]) -> Callable[P, R]:
    """Remember what ``parse`` made of each text: a client pages through the same filter call after call, and
    tokenizing it was about half of a filtered page. Only for parsers whose result is immutable (frozen, of
    frozensets and tuples) and depends on nothing but their arguments; a text that fails is parsed (and fails) anew
    each time, as errors are not cached."""
    return functools.lru_cache(maxsize=PARSED_CACHE_SIZE)(parse)  # type: ignore[return-value]
