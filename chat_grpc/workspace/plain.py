"""Workspace files, plain messages: the quick path of both checking passes for the common kind of message — text
from a sender, perhaps with a create time, a thread key, a fallback text, a client id or a ref, and nothing else.
A file of a million messages is mostly these, and each general pass spends several microseconds on every one.

Each quick path only ever *clears* a message; anything it does not clear (another key, a value of another type,
anything a problem could be found in) goes through the general pass, which words every problem. So a quick path
can make a load faster, never more or less strict:

* shape: :func:`shape_cleared` holds a message to what pydantic's ``MessageItem`` accepts (a sender, strings,
  a thread key within its length, a client id of its form, a time the shape pass reads); a space whose messages
  are all cleared is handed to pydantic without them (``without_cleared_messages``).
* references and rules: :func:`plain_plan` makes the plan the general ``Checker._message`` makes for a plain
  message from a sender the general pass already cleared in the same space (a dict lookup, a time and a tuple:
  a ``PlainMessagePlan``, which is equal to that ``MessagePlan``), else None; :func:`cleared_run` makes them for
  the messages of a space the shape check cleared whole (``ShapeReadings``, which ``without_cleared_messages``
  fills), a run at a time, looking again only at what the shape pass does not check. Both take the path's
  prefix (``spaces[i].messages[``): the plan makes the path when it is asked for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic_core import PydanticCustomError

from chat_grpc.fake.store.message_records import CLIENT_ID
from chat_grpc.workspace.plan import PlainMessagePlan, SpacePlan, Who
from chat_grpc.workspace.schema import THREAD_KEY_MAX, parse_time

PLAIN_KEYS = frozenset({"sender", "text", "fallback_text", "thread_key", "client_id", "ref", "create_time"})
_CLIENT_ID_SEARCH = CLIENT_ID.search  # as the shape pass checks it (``_patterned``: search)
_compact = tuple.__new__  # a PlainMessagePlan from its row


def shape_cleared(message: object, times: dict[str, datetime] | None = None) -> bool:
    """Whether the shape pass would accept this message with no problem (a plain one: else False, and the
    shape pass looks at it). ``times``, if given, keeps what its create time reads as, for ``plain_plan``."""
    if type(message) is not dict or "sender" not in message or not PLAIN_KEYS.issuperset(message):
        return False
    for key, value in message.items():
        if type(value) is not str:
            return False
        if key == "create_time":
            try:
                parsed = parse_time(value)
            except PydanticCustomError:
                return False
            if times is not None:
                times[value] = parsed
        elif (key == "thread_key" and len(value) > THREAD_KEY_MAX) or (
            key == "client_id" and not _CLIENT_ID_SEARCH(value)
        ):
            return False
    return True


class ShapeReadings(dict[str, datetime]):
    """What the quick shape check read, for the quick plan: each create time (text -> ``parse_time`` of it), and
    ``cleared``, the message lists it cleared whole (id -> the list, held: an id is only the list's while it
    lives), whose messages ``cleared_plan`` need not look at again."""

    def __init__(self) -> None:
        super().__init__()
        self.cleared: dict[int, list[Any]] = {}

    def cleared_whole(self, messages: object) -> bool:
        """Whether ``messages`` is a list the quick shape check cleared every message of."""
        return self.cleared.get(id(messages)) is messages


def _all_cleared(messages: list[Any], times: dict[str, datetime] | None) -> bool:
    """``all(shape_cleared(m, times) for m in messages)``, without a generator's step per message."""
    for message in messages:  # noqa: SIM110 - the loop is the point
        if not shape_cleared(message, times):
            return False
    return True


def without_cleared_messages(data: dict[str, Any], times: dict[str, datetime] | None = None) -> dict[str, Any]:
    """``data`` (not changed) with the messages of each space whose messages ``shape_cleared`` all clears left
    out: what the shape pass still needs to see. A space with any other message keeps all of them, so every
    place pydantic names is the file's own. ``times``, if given, keeps what each create time it read reads as
    (text -> ``parse_time`` of it), which ``plain_plan`` then need not compute again (and, a ``ShapeReadings``,
    the lists it cleared)."""
    spaces = data.get("spaces")
    if type(spaces) is not list:
        return data
    cleared = times.cleared if isinstance(times, ShapeReadings) else None
    slim = list(spaces)
    for i, space in enumerate(spaces):
        messages = space.get("messages") if type(space) is dict else None
        if type(messages) is list and messages and _all_cleared(messages, times):
            slim[i] = {**space, "messages": []}
            if cleared is not None:
                cleared[id(messages)] = messages
    return {**data, "spaces": slim}


def cleared_run(
    prefix: str,
    values: list[dict[str, str]],
    start: int,
    plan: SpacePlan,
    senders: dict[str, Who],
    thread_keys: dict[tuple[Who | None, str], int],
    times: dict[str, datetime],
    refs: dict[str, int],
    checked: list[Any],
) -> int:
    """The plans ``plain_plan`` makes of the messages of a list ``shape_cleared`` cleared whole (dicts of
    ``PLAIN_KEYS`` with a sender, every value a string, each create time in ``times``), from ``values[start]`` on,
    appended to ``checked`` and to the space plan's messages, with what the checker records of each (its ref and
    client id in ``refs``). It stops at the first message it does not plan — a sender not in ``senders`` yet, an
    empty text, a thread key outside a SPACE, a ref or client id already taken — and returns its index: the
    checker's general path takes that one, words its problems, and hands the rest back.
    (test_workspace_cleared_plans.py compares it with the other paths.)"""
    space = plan.space_type == "SPACE"
    add_checked, add_planned = checked.append, plan.messages.append
    for index in range(start, len(values)):
        value = values[index]
        sender = senders.get(value["sender"])
        if sender is None:
            return index
        get = value.get
        text, ref, client_id = get("text"), get("ref"), get("client_id", "")
        if not text or (ref and (ref in refs or ref == client_id)) or (client_id and client_id in refs):
            return index  # an empty message, or a label two messages have (a problem)
        thread_key = get("thread_key", "")
        root: int | None = None
        if thread_key:
            if not space:
                return index
            scope = sender if sender.kind == "app" else None
            root = thread_keys.get((scope, thread_key))
            if root is None:
                thread_keys[(scope, thread_key)] = index
        when = get("create_time")
        fallback, create_time = get("fallback_text", ""), None if when is None else times[when]
        first = index if root is None else root  # its thread's first message
        row = (prefix, index, ref, sender, text, fallback, thread_key, root, client_id, create_time, first)
        message = _compact(PlainMessagePlan, row)
        add_checked(message)
        add_planned(message)
        if ref:
            refs[ref] = index
        if client_id:
            refs[client_id] = index
    return len(values)


def plain_plan(
    prefix: str,
    value: object,
    index: int,
    plan: SpacePlan,
    senders: dict[str, Who],
    thread_keys: dict[tuple[Who | None, str], int],
    times: dict[str, datetime],
) -> PlainMessagePlan | None:
    """The plan of a plain message whose sender is in ``senders``, when no problem can be found in it; else
    None (the general pass checks it). ``senders``: what the file writes for a sender -> who, for each sender
    of a message of this space the general pass found no problem in (so they may post here). ``times``: create
    times already read (text -> ``parse_time`` of it), from ``shape_cleared``."""
    if type(value) is not dict or not PLAIN_KEYS.issuperset(value):
        return None
    raw_sender = value.get("sender")
    sender = senders.get(raw_sender) if type(raw_sender) is str else None
    if sender is None:
        return None
    text, fallback = value.get("text", ""), value.get("fallback_text", "")
    thread_key, client_id, ref = value.get("thread_key", ""), value.get("client_id", ""), value.get("ref")
    if not (type(text) is str and text and type(fallback) is str and type(thread_key) is str):
        return None  # an empty message (a problem), or text the general pass reads
    if type(client_id) is not str or (ref is not None and type(ref) is not str):
        return None
    root: int | None = None
    if thread_key:
        if plan.space_type != "SPACE":
            return None
        scope = sender if sender.kind == "app" else None
        root = thread_keys.get((scope, thread_key))
    when = value.get("create_time")
    create_time = None
    if when is not None:
        if type(when) is not str:
            return None
        create_time = times.get(when)
        if create_time is None:
            try:
                create_time = parse_time(when)
            except PydanticCustomError:
                return None
    if thread_key and root is None:
        thread_keys[(scope, thread_key)] = index
    row = (prefix, index, ref, sender, text, fallback, thread_key, root, client_id, create_time)
    return _compact(PlainMessagePlan, (*row, index if root is None else root))
