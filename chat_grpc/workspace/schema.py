"""The shape of a workspace file, declared: pydantic models that check it and publish it as JSON Schema.

A file is checked in two passes (``seed.py`` runs both and lists every problem at once):

1. **shape**, here: unknown keys (with a did-you-mean hint), types, enum values, RFC 3339 times, id and email
   formats, lengths, and the one-of rules of an item (a member is a user, an app or a group). pydantic's error
   locations become the file's places (``spaces[2].messages[5].sender``) and its errors our wording
   (``must be true or false, got a string``).
2. **references and rules**, in ``seed.py``: who a name refers to, which earlier message a reply names, what a
   space of each type allows... That pass reads :func:`repaired` data — the file without the values the shape
   pass refused — so a value is reported once, and the rest of the file is still checked.

:func:`json_schema` is what ``chat-grpc-emulator schema`` prints and ``workspace.schema.json`` holds (a file's
``"$schema"`` key may point at it: editors then complete and check workspace files as they are written).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import types
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from importlib import resources
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chat_grpc.fake.store.availability import MAX_STATUS_TEXT as STATUS_TEXT_MAX
from chat_grpc.fake.store.message_records import CLIENT_ID
from chat_grpc.fake.timestamps import TimestampError, parse_rfc3339

FORMAT_VERSION = 1
SCHEMA_FILE = "workspace.schema.json"  # shipped beside this module
ID_PART = re.compile(r"^[A-Za-z0-9_-]+$")
DISPLAY_NAME_MAX, DESCRIPTION_MAX, GUIDELINES_MAX, THREAD_KEY_MAX = 128, 150, 5000, 4000

SPACE_TYPES = ("SPACE", "GROUP_CHAT", "DIRECT_MESSAGE")
ROLES = ("ROLE_MEMBER", "ROLE_MANAGER")
STATES = ("JOINED", "INVITED")
HISTORY_STATES = ("HISTORY_ON", "HISTORY_OFF")
PREDEFINED = ("COLLABORATION_SPACE", "ANNOUNCEMENT_SPACE")
NOTIFICATION_SETTINGS = ("ALL", "MAIN_CONVERSATIONS", "FOR_YOU", "OFF")
MUTE_SETTINGS = ("UNMUTED", "MUTED")
DELETION_TYPES = (
    "CREATOR",
    "SPACE_OWNER",
    "ADMIN",
    "APP_MESSAGE_EXPIRY",
    "CREATOR_VIA_APP",
    "SPACE_OWNER_VIA_APP",
    "SPACE_MEMBER",
)
SECTION_TYPES = ("CUSTOM_SECTION", "DEFAULT_DIRECT_MESSAGES", "DEFAULT_SPACES", "DEFAULT_APPS")
AVAILABILITY_STATES = ("ACTIVE", "AWAY", "DO_NOT_DISTURB")


def kind(value: object) -> str:
    """How a problem names the kind of a value."""
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number"}.get(
        type(value), type(value).__name__
    )


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("workspace", "{message}", {"message": message})


# ------------------------------------------------------------------ value types


def _text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _problem(f"must be a string, got {kind(value)}")
    return str(value)  # YAML reads `id: 123` as a number: it is its text


Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string"})]


def _limited(limit: int) -> tuple[PlainValidator, WithJsonSchema]:
    def check(value: object) -> str:
        text = _text(value)
        if len(text) > limit:
            raise _problem(f"is longer than {limit} characters")
        return text

    return PlainValidator(check), WithJsonSchema({"type": "string", "maxLength": limit})


def _patterned(pattern: str, message: Callable[[str], str], description: str) -> tuple[PlainValidator, WithJsonSchema]:
    compiled = re.compile(pattern)

    def check(value: object) -> str:
        text = _text(value)
        if not compiled.search(text):
            raise _problem(message(text))
        return text

    schema = {"type": "string", "pattern": pattern, "description": description}
    return PlainValidator(check), WithJsonSchema(schema)


_ID = _patterned(
    ID_PART.pattern, lambda v: f"must be letters, digits, '-' and '_' only; got {v!r}", "letters, digits, - and _"
)
_EMAIL = _patterned(r"^[^@\s]*@[^\s]*$", lambda v: f"must be an email address; got {v!r}", "an email address")
_CUSTOMER = _patterned(
    r"^customers/", lambda v: f"must look like customers/C0123abcd; got {v!r}", "customers/{customer}"
)
_MESSAGEID = _patterned(
    r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
    lambda v: f"must look like thread.message (letters, digits, - and _); got {v!r}",
    "{thread}.{message}; a thread's first message is {thread}.{thread}",
)
_CLIENTID = _patterned(
    CLIENT_ID.pattern,
    lambda v: "must start with 'client-' and have at most 63 characters of a-z, 0-9 and '-'",
    "client-..., at most 63 characters of a-z, 0-9 and -",
)

Id = Annotated[str, _ID[0], _ID[1]]
Email = Annotated[str, _EMAIL[0], _EMAIL[1]]
Customer = Annotated[str, _CUSTOMER[0], _CUSTOMER[1]]
MessageId = Annotated[str, _MESSAGEID[0], _MESSAGEID[1]]
ClientId = Annotated[str, _CLIENTID[0], _CLIENTID[1]]


# What parse_rfc3339 and datetime.fromisoformat read alike: a "T", seconds, up to 9 fraction digits, Z or ±hh:mm
# (hh < 24, mm < 60).
_CANONICAL_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])",
    re.ASCII,
)


def parse_time(value: object) -> datetime:
    """A workspace file's time (RFC 3339 text, or a datetime YAML read), aware; PydanticCustomError if not one."""
    if type(value) is str and _CANONICAL_TIME.fullmatch(value):  # the common form, read by datetime's own parser
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except (ValueError, OverflowError):
            pass  # no such date or offset: the parser below words it
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _problem(f"needs a time zone (2026-01-05T09:00:00Z, or +01:00); got {value!s}")
        return value
    if isinstance(value, date):
        raise _problem("must be a time (RFC 3339, e.g. 2026-01-05T09:00:00Z), not just a date")
    if not isinstance(value, str):
        raise _problem(f"must be an RFC 3339 time such as 2026-01-05T09:00:00Z; got {kind(value)}")
    try:
        return parse_rfc3339(value.strip(), space=True)
    except TimestampError as error:
        if error.kind == "zone":
            raise _problem(f"needs a time zone (2026-01-05T09:00:00Z, or +01:00); got {value!s}") from None
        raise _problem(f"must be an RFC 3339 time such as 2026-01-05T09:00:00Z; got {value!r}") from None


Time = Annotated[
    datetime,
    PlainValidator(parse_time),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "RFC 3339, e.g. 2026-01-05T09:00:00Z"}),
]


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _problem(f"must be true or false, got {kind(value)}")
    return value


Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]


def _choice(*choices: str) -> tuple[PlainValidator, WithJsonSchema]:
    def check(value: object) -> str:
        if value not in choices:
            raise _problem(f"must be one of {', '.join(choices)}; got {value!r}")
        return str(value)

    return PlainValidator(check), WithJsonSchema({"type": "string", "enum": list(choices)})


_C_AVAILABILITY_STATES = _choice(*AVAILABILITY_STATES)
_C_DELETION_TYPES = _choice(*DELETION_TYPES)
_C_HISTORY_STATES = _choice(*HISTORY_STATES)
_C_MUTE_SETTINGS = _choice(*MUTE_SETTINGS)
_C_NOTIFICATION_SETTINGS = _choice(*NOTIFICATION_SETTINGS)
_C_PREDEFINED = _choice(*PREDEFINED)
_C_ROLES = _choice(*ROLES)
_C_SECTION_TYPES = _choice(*SECTION_TYPES)
_C_SPACE_TYPES = _choice(*SPACE_TYPES)
_C_STATES = _choice(*STATES)
_L_DESCRIPTION_MAX = _limited(DESCRIPTION_MAX)
_L_DISPLAY_NAME_MAX = _limited(DISPLAY_NAME_MAX)
_L_GUIDELINES_MAX = _limited(GUIDELINES_MAX)
_L_STATUS_TEXT_MAX = _limited(STATUS_TEXT_MAX)
_L_THREAD_KEY_MAX = _limited(THREAD_KEY_MAX)


def _mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _problem(f"must be a mapping (the message's JSON form); got {kind(value)}")
    return value


ProtoJson = Annotated[
    dict[str, Any],
    PlainValidator(_mapping),
    WithJsonSchema({"type": "object", "description": "the message in protobuf's JSON form"}),
]


# lists whose wrong type is worded for the field (``must be a list of users, got a string``)
MessageNames = Annotated[list[Text], Field(json_schema_extra={"x-list-of": "messages (ref, id or client id)"})]
PrincipalNames = Annotated[list[Text], Field(json_schema_extra={"x-list-of": "users and apps"})]
SpaceNames = Annotated[list[Text], Field(json_schema_extra={"x-list-of": "spaces"})]
UserNames = Annotated[list[Text], Field(json_schema_extra={"x-list-of": "users"})]


# ------------------------------------------------------------------ the items


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomerItem(_Item):
    name: Customer
    custom_emojis_enabled: Flag = True


class CustomStatusItem(_Item):
    text: Annotated[str, _L_STATUS_TEXT_MAX[0], _L_STATUS_TEXT_MAX[1]]
    emoji: Text
    expire_time: Time | None = None


class AvailabilityItem(_Item):
    state: Annotated[str, _C_AVAILABILITY_STATES[0], _C_AVAILABILITY_STATES[1]] | None = None
    until: Time | None = None
    custom_status: CustomStatusItem | None = None


class SectionItem(_Item):
    type: Annotated[str, _C_SECTION_TYPES[0], _C_SECTION_TYPES[1]] = "CUSTOM_SECTION"
    display_name: Text = ""
    id: Text | None = None
    spaces: SpaceNames = Field(default_factory=list)


Sections = Annotated[list[SectionItem], Field(json_schema_extra={"x-list-of": "sections"})]


class UserItem(_Item):
    email: Email
    display_name: Text | None = None
    id: Id | None = None
    customer: Customer | None = None
    admin: Flag = False
    auto_accept: Flag = True
    blocked: UserNames = Field(default_factory=list)
    emoji_manager: Flag = False
    sections: Sections = Field(default_factory=list)
    availability: AvailabilityItem | None = None


class AppItem(_Item):
    display_name: Text
    id: Id | None = None
    customer: Customer | None = None


class GroupItem(_Item):
    display_name: Text
    id: Id | None = None
    members: UserNames = Field(default_factory=list)


class CustomEmojiItem(_Item):
    name: Text
    creator: Text
    image: Text | None = Field(None, description="a PNG, JPEG or GIF file, relative to the workspace file")
    image_base64: Text | None = None
    filename: Text | None = None
    uid: Id | None = None
    create_time: Time | None = None

    @model_validator(mode="after")
    def _one_image(self) -> CustomEmojiItem:
        if (self.image is None) == (self.image_base64 is None):
            raise _problem("needs exactly one of image (a file) and image_base64")
        return self


class PermissionRule(_Item):
    managers_allowed: Flag | None = None
    members_allowed: Flag | None = None


class PermissionSettingsItem(_Item):
    """The space's permission settings that differ from its predefined_permissions."""

    manage_members_and_groups: PermissionRule | None = None
    modify_space_details: PermissionRule | None = None
    toggle_history: PermissionRule | None = None
    use_at_mention_all: PermissionRule | None = None
    manage_apps: PermissionRule | None = None
    manage_webhooks: PermissionRule | None = None
    post_messages: PermissionRule | None = None
    reply_messages: PermissionRule | None = None


class MemberItem(_Item):
    user: Text | None = None
    app: Text | None = None
    group: Text | None = None
    role: Annotated[str, _C_ROLES[0], _C_ROLES[1]] | None = None
    state: Annotated[str, _C_STATES[0], _C_STATES[1]] | None = None
    create_time: Time | None = None
    notification_setting: Annotated[str, _C_NOTIFICATION_SETTINGS[0], _C_NOTIFICATION_SETTINGS[1]] | None = None
    mute_setting: Annotated[str, _C_MUTE_SETTINGS[0], _C_MUTE_SETTINGS[1]] | None = None
    last_read_time: Time | None = None

    @model_validator(mode="after")
    def _one_member(self) -> MemberItem:
        if [self.user, self.app, self.group].count(None) != 2:
            raise _problem("needs exactly one of user, app and group")
        return self


class CardItem(_Item):
    card_id: Text = ""
    card: ProtoJson = Field(default_factory=dict)


class AttachmentItem(_Item):
    name: Text
    content_type: Text
    id: Id | None = None


class ReactionItem(_Item):
    user: Text
    emoji: Text | None = None
    custom_emoji: Text | None = None
    id: Id | None = None
    create_time: Time | None = None

    @model_validator(mode="after")
    def _one_emoji(self) -> ReactionItem:
        if (self.emoji is None) == (self.custom_emoji is None):
            raise _problem("needs exactly one of emoji (Unicode) and custom_emoji (:name:)")
        return self


class MessageItem(_Item):
    ref: Text | None = None
    id: MessageId | None = None
    sender: Text
    via_app: Text | None = None
    text: Text = ""
    fallback_text: Text = ""
    cards_v2: list[CardItem] = Field(default_factory=list)
    accessory_widgets: list[ProtoJson] = Field(default_factory=list)
    thread_key: Annotated[str, _L_THREAD_KEY_MAX[0], _L_THREAD_KEY_MAX[1]] = ""
    reply_to: Text | None = None
    client_id: ClientId = ""
    private_viewer: Text | None = None
    attachments: list[AttachmentItem] = Field(default_factory=list)
    create_time: Time | None = None
    update_time: Time | None = None
    delete_time: Time | None = None
    deletion_type: Annotated[str, _C_DELETION_TYPES[0], _C_DELETION_TYPES[1]] | None = None
    reactions: list[ReactionItem] = Field(default_factory=list)


class ThreadReadStateItem(_Item):
    user: Text
    thread: Text
    last_read_time: Time


class SpaceItem(_Item):
    ref: Text | None = None
    id: Id | None = None
    type: Annotated[str, _C_SPACE_TYPES[0], _C_SPACE_TYPES[1]] = "SPACE"
    display_name: Annotated[str, _L_DISPLAY_NAME_MAX[0], _L_DISPLAY_NAME_MAX[1]] = ""
    description: Annotated[str, _L_DESCRIPTION_MAX[0], _L_DESCRIPTION_MAX[1]] = ""
    guidelines: Annotated[str, _L_GUIDELINES_MAX[0], _L_GUIDELINES_MAX[1]] = ""
    creator: Text | None = None
    create_time: Time | None = None
    external_user_allowed: Flag = False
    history_state: Annotated[str, _C_HISTORY_STATES[0], _C_HISTORY_STATES[1]] = "HISTORY_ON"
    audience: Text = ""
    import_mode: Flag = False
    import_mode_expire_time: Time | None = None
    predefined_permissions: Annotated[str, _C_PREDEFINED[0], _C_PREDEFINED[1]] | None = None
    permission_settings: PermissionSettingsItem | None = None
    members: list[MemberItem] = Field(default_factory=list)
    former_members: PrincipalNames = Field(default_factory=list)
    messages: list[MessageItem] = Field(default_factory=list)
    thread_read_states: list[ThreadReadStateItem] = Field(default_factory=list)
    pins: MessageNames = Field(default_factory=list)


def _version(value: object) -> int:
    if value != FORMAT_VERSION:
        raise _problem(f"this emulator reads workspace files of version {FORMAT_VERSION}; got {value!r}")
    return FORMAT_VERSION


class WorkspaceFile(_Item):
    """A workspace: people, apps, groups and custom emojis, then spaces with their members and messages."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, title="chat-grpc workspace file")

    schema_: Text | None = Field(None, alias="$schema", description="this schema's address, for editors")
    version: Annotated[int, PlainValidator(_version), WithJsonSchema({"const": FORMAT_VERSION})] = FORMAT_VERSION
    customers: list[CustomerItem] = Field(default_factory=list)
    users: list[UserItem] = Field(default_factory=list)
    apps: list[AppItem] = Field(default_factory=list)
    groups: list[GroupItem] = Field(default_factory=list)
    custom_emojis: list[CustomEmojiItem] = Field(default_factory=list)
    spaces: list[SpaceItem] = Field(default_factory=list)


# ------------------------------------------------------------------ problems, with their places


def _place(loc: Sequence[int | str]) -> str:
    place = ""
    for part in loc:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else str(part))
    return place


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if name != "schema_"]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (``list[X]``, ``X | None``, ``Annotated[list[X], ...]`` -> X)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType, Annotated):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _field_at(loc: Sequence[int | str]) -> tuple[type[BaseModel], str | None]:
    """The model that holds the place ``loc`` names, and the field (None: the item itself)."""
    model: type[BaseModel] = WorkspaceFile
    name: str | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        if name is not None:
            inner = _model_of(model.model_fields[name].annotation)
            if inner is None:
                break
            model = inner
        name = next((n for n, f in model.model_fields.items() if (f.alias or n) == part), part)
    return model, name


def _list_wording(model: type[BaseModel], name: str) -> str:
    extra = model.model_fields[name].json_schema_extra
    what = extra.get("x-list-of") if isinstance(extra, dict) else None
    return f"a list of {what}" if what else "a list"


def _message(error: Any) -> tuple[str, str]:
    """(place, message) of one pydantic error, in the workspace file's words."""
    loc, kind_of, value = tuple(error["loc"]), error["type"], error.get("input")
    if kind_of == "workspace":
        return _place(loc), str(error["ctx"]["message"])
    if kind_of == "missing":
        return _place(loc), "is required"
    if kind_of == "extra_forbidden":
        known = _keys(_field_at((*loc[:-1], ""))[0]) if loc[:-1] else _keys(WorkspaceFile)
        key = str(loc[-1])
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        return _place(loc[:-1]), f"unknown key {key!r} ({hint})"
    if kind_of == "model_type":
        model = _field_at(loc)[0] if loc and isinstance(loc[-1], int) else _field_at((*loc, ""))[0]
        return _place(loc), f"must be a mapping with the keys {', '.join(_keys(model))}; got {kind(value)}"
    if kind_of == "list_type":
        model, name = _field_at(loc)
        return _place(loc), f"must be {_list_wording(model, name) if name else 'a list'}, got {kind(value)}"
    return _place(loc), f"{error['msg']}; got {kind(value)}"  # pragma: no cover - every type above is ours


def shape_problems(data: object) -> tuple[list[str], list[tuple[int | str, ...]]]:
    """The shape problems of a workspace mapping ("place: message"), and the places of the values refused."""
    try:
        WorkspaceFile.model_validate(data)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        problems = []
        for found in errors:
            place, message = _message(found)
            problems.append(f"{place}: {message}" if place else message)
        return problems, [tuple(e["loc"]) for e in errors if e["type"] not in ("missing", "extra_forbidden")]
    return [], []


def repaired(data: dict[str, Any], refused: Sequence[tuple[int | str, ...]]) -> dict[str, Any]:
    """``data`` without the values the shape pass refused: what the reference pass reads, so
    that a refused value counts as absent there (its default applies) and is reported once."""
    fixed = copy.deepcopy(data)
    for loc in refused:
        parent: Any = fixed
        for part in loc[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            if loc and isinstance(parent, dict):
                parent.pop(loc[-1], None)
            elif loc and isinstance(parent, list) and isinstance(loc[-1], int) and loc[-1] < len(parent):
                parent[loc[-1]] = None  # an item that is not one: skipped, its place kept
    return fixed


# ------------------------------------------------------------------ the published schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of workspace files."""
    schema = WorkspaceFile.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema_text() -> str:
    """The schema file shipped with the package (``workspace.schema.json``)."""
    return resources.files("chat_grpc.workspace").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


__all__ = [
    "FORMAT_VERSION",
    "SCHEMA_FILE",
    "WorkspaceFile",
    "json_schema",
    "json_schema_text",
    "kind",
    "repaired",
    "shape_problems",
    "shipped_schema_text",
]
