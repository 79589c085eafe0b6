"""Each member's notification settings per space.

Defaults for a new member (a choice; the reference gives none): ALL and UNMUTED. MAIN_CONVERSATIONS and FOR_YOU
do not exist in one-to-one direct messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat_grpc.fake.errors import InvalidArgument, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.model import Actor

DEFAULT_NOTIFICATION, DEFAULT_MUTE = "ALL", "UNMUTED"
NOT_IN_DIRECT_MESSAGES = frozenset({"MAIN_CONVERSATIONS", "FOR_YOU"})


@dataclass(frozen=True)
class NotificationSetting:
    user_id: str
    space_id: str
    notification_setting: str
    mute_setting: str

    @property
    def name(self) -> str:
        return f"users/{self.user_id}/spaces/{self.space_id}/spaceNotificationSetting"


class NotificationSettingBook:
    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._settings: dict[tuple[str, str], tuple[str, str]] = {}
        core.on_space_deleted.append(self._forget_space)

    def _forget_space(self, space_id: str) -> None:
        for key in [k for k in self._settings if k[1] == space_id]:
            del self._settings[key]

    def _check(self, actor: Actor, user_id: str, space_id: str) -> str:
        if user_id != actor.principal.id:
            raise PermissionDenied(
                f"users/{user_id}: only the caller's own notification setting can be read or changed (use users/me)",
                reason="NOT_THE_CALLER",
            )
        state = self._core._state(actor, space_id)
        if actor.principal.id not in state.members:
            raise PermissionDenied(f"the caller is not a member of {state.space.name}", reason="NOT_A_MEMBER")
        return state.space.space_type

    def get(self, actor: Actor, user_id: str, space_id: str) -> NotificationSetting:
        with self._core.lock:
            self._check(actor, user_id, space_id)
            notification, mute = self._settings.get((user_id, space_id), (DEFAULT_NOTIFICATION, DEFAULT_MUTE))
            return NotificationSetting(user_id, space_id, notification, mute)

    def update(
        self, actor: Actor, user_id: str, space_id: str, *, notification: str | None, mute: str | None
    ) -> NotificationSetting:
        with self._core.lock:
            space_type = self._check(actor, user_id, space_id)
            if notification in NOT_IN_DIRECT_MESSAGES and space_type == "DIRECT_MESSAGE":
                raise InvalidArgument(
                    f"space_notification_setting.notification_setting {notification} is not available in a direct"
                    " message",
                    field="space_notification_setting.notification_setting",
                )
            current = self._settings.get((user_id, space_id), (DEFAULT_NOTIFICATION, DEFAULT_MUTE))
            updated = (notification or current[0], mute or current[1])
            self._settings[(user_id, space_id)] = updated
            return NotificationSetting(user_id, space_id, *updated)

    def mute_setting(self, user_id: str, space_id: str) -> str:
        """The user's mute setting for a space (lock held by the caller)."""
        return self._settings.get((user_id, space_id), (DEFAULT_NOTIFICATION, DEFAULT_MUTE))[1]

    def all(self) -> list[NotificationSetting]:
        """Every setting a member changed (the others are the defaults)."""
        with self._core.lock:
            return [NotificationSetting(user, space, *values) for (user, space), values in self._settings.items()]
