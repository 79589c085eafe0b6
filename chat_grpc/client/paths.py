"""Resource name helpers: ``space_path("AAA") == "spaces/AAA"``, ``parse_space_path("spaces/AAA") == {"space": "AAA"}``.

One table (:data:`PATTERNS`, the ``google.api.resource`` patterns of the Chat API) and one factory
(:class:`PathTemplate`) make every helper; the module-level names are typed aliases of those objects, so
``message_path(space, message)`` and ``message_path(space="AAA", message="BBB")`` both work, and
``parse_message_path(name)`` returns the segments as a dict, or ``{}`` when ``name`` does not match (as
Google's generated clients do).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

PATTERNS: Final[dict[str, str]] = {
    "space": "spaces/{space}",
    "message": "spaces/{space}/messages/{message}",
    "membership": "spaces/{space}/members/{member}",
    "reaction": "spaces/{space}/messages/{message}/reactions/{reaction}",
    "attachment": "spaces/{space}/messages/{message}/attachments/{attachment}",
    "custom_emoji": "customEmojis/{custom_emoji}",
    "space_event": "spaces/{space}/spaceEvents/{space_event}",
    "thread": "spaces/{space}/threads/{thread}",
    "quoted_message_metadata": "spaces/{space}/messages/{message}/quotedMessageMetadata/{quoted_message_metadata}",
    "space_read_state": "users/{user}/spaces/{space}/spaceReadState",
    "thread_read_state": "users/{user}/spaces/{space}/threads/{thread}/threadReadState",
    "space_notification_setting": "users/{user}/spaces/{space}/spaceNotificationSetting",
    "user": "users/{user}",
    "message_pin": "spaces/{space}/messagePins/{message_pin}",
    "section": "users/{user}/sections/{section}",
    "section_item": "users/{user}/sections/{section}/items/{item}",
    "availability": "users/{user}/availability",
    "audience": "audiences/{audience}",
}

_VARIABLE = re.compile(r"\{(\w+)\}")


class PathTemplate:
    """One resource pattern: call it with the segments (positional or by name) to build a name."""

    def __init__(self, resource: str, pattern: str) -> None:
        self.resource = resource
        self.pattern = pattern
        self.variables: tuple[str, ...] = tuple(_VARIABLE.findall(pattern))
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if _VARIABLE.fullmatch(part) else re.escape(part)
            for part in re.split(r"(\{\w+\})", pattern)
        )
        self._regex = re.compile(regex)

    def __call__(self, *args: str, **kwargs: str) -> str:
        if len(args) > len(self.variables):
            raise TypeError(f"{self.resource}_path() takes {len(self.variables)} segments ({self.pattern})")
        values = dict(zip(self.variables, args, strict=False))
        for key, value in kwargs.items():
            if key not in self.variables or key in values:
                raise TypeError(f"{self.resource}_path() got an unexpected or repeated segment {key!r}")
            values[key] = value
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise TypeError(f"{self.resource}_path() is missing {', '.join(missing)} ({self.pattern})")
        for key, value in values.items():
            if not isinstance(value, str) or not value or "/" in value:
                raise ValueError(f"{self.resource}_path(): {key} must be a non-empty id without '/', got {value!r}")
        return self.pattern.format(**values)

    def parse(self, name: str) -> dict[str, str]:
        """The segments of ``name``, or ``{}`` when it does not match this pattern."""
        found = self._regex.fullmatch(name)
        return found.groupdict() if found else {}

    def matches(self, name: str) -> bool:
        return self._regex.fullmatch(name) is not None

    def __repr__(self) -> str:
        return f"PathTemplate({self.resource!r}, {self.pattern!r})"


TEMPLATES: Final[dict[str, PathTemplate]] = {resource: PathTemplate(resource, p) for resource, p in PATTERNS.items()}

Parser = Callable[[str], dict[str, str]]

space_path: Final[PathTemplate] = TEMPLATES["space"]
message_path: Final[PathTemplate] = TEMPLATES["message"]
membership_path: Final[PathTemplate] = TEMPLATES["membership"]
reaction_path: Final[PathTemplate] = TEMPLATES["reaction"]
attachment_path: Final[PathTemplate] = TEMPLATES["attachment"]
custom_emoji_path: Final[PathTemplate] = TEMPLATES["custom_emoji"]
space_event_path: Final[PathTemplate] = TEMPLATES["space_event"]
thread_path: Final[PathTemplate] = TEMPLATES["thread"]
quoted_message_metadata_path: Final[PathTemplate] = TEMPLATES["quoted_message_metadata"]
space_read_state_path: Final[PathTemplate] = TEMPLATES["space_read_state"]
thread_read_state_path: Final[PathTemplate] = TEMPLATES["thread_read_state"]
space_notification_setting_path: Final[PathTemplate] = TEMPLATES["space_notification_setting"]
user_path: Final[PathTemplate] = TEMPLATES["user"]
message_pin_path: Final[PathTemplate] = TEMPLATES["message_pin"]
section_path: Final[PathTemplate] = TEMPLATES["section"]
section_item_path: Final[PathTemplate] = TEMPLATES["section_item"]
availability_path: Final[PathTemplate] = TEMPLATES["availability"]
audience_path: Final[PathTemplate] = TEMPLATES["audience"]

parse_space_path: Final[Parser] = space_path.parse
parse_message_path: Final[Parser] = message_path.parse
parse_membership_path: Final[Parser] = membership_path.parse
parse_reaction_path: Final[Parser] = reaction_path.parse
parse_attachment_path: Final[Parser] = attachment_path.parse
parse_custom_emoji_path: Final[Parser] = custom_emoji_path.parse
parse_space_event_path: Final[Parser] = space_event_path.parse
parse_thread_path: Final[Parser] = thread_path.parse
parse_quoted_message_metadata_path: Final[Parser] = quoted_message_metadata_path.parse
parse_space_read_state_path: Final[Parser] = space_read_state_path.parse
parse_thread_read_state_path: Final[Parser] = thread_read_state_path.parse
parse_space_notification_setting_path: Final[Parser] = space_notification_setting_path.parse
parse_user_path: Final[Parser] = user_path.parse
parse_message_pin_path: Final[Parser] = message_pin_path.parse
parse_section_path: Final[Parser] = section_path.parse
parse_section_item_path: Final[Parser] = section_item_path.parse
parse_availability_path: Final[Parser] = availability_path.parse
parse_audience_path: Final[Parser] = audience_path.parse

__all__ = [
    "PATTERNS",
    "TEMPLATES",
    "PathTemplate",
    "attachment_path",
    "audience_path",
    "availability_path",
    "custom_emoji_path",
    "membership_path",
    "message_path",
    "message_pin_path",
    "parse_attachment_path",
    "parse_audience_path",
    "parse_availability_path",
    "parse_custom_emoji_path",
    "parse_membership_path",
    "parse_message_path",
    "parse_message_pin_path",
    "parse_quoted_message_metadata_path",
    "parse_reaction_path",
    "parse_section_item_path",
    "parse_section_path",
    "parse_space_event_path",
    "parse_space_notification_setting_path",
    "parse_space_path",
    "parse_space_read_state_path",
    "parse_thread_path",
    "parse_thread_read_state_path",
    "parse_user_path",
    "quoted_message_metadata_path",
    "reaction_path",
    "section_item_path",
    "section_path",
    "space_event_path",
    "space_notification_setting_path",
    "space_path",
    "space_read_state_path",
    "thread_path",
    "thread_read_state_path",
    "user_path",
]
