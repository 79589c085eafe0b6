"""Notification-setting RPCs: GetSpaceNotificationSetting, UpdateSpaceNotificationSetting."""

from __future__ import annotations

from google.chat.v1 import space_notification_setting_pb2 as pb

from chat_grpc.fake import codec
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.handlers.read_states import user_id
from chat_grpc.fake.names import mask_paths, parse_name, require
from chat_grpc.fake.rpc import Call, handler

PATTERN = "users/{user}/spaces/{space}/spaceNotificationSetting"


@handler("GetSpaceNotificationSetting")
def get_space_notification_setting(
    call: Call, request: pb.GetSpaceNotificationSettingRequest
) -> pb.SpaceNotificationSetting:
    user, space = parse_name(request.name, PATTERN, "name")
    return codec.notification_setting_to_proto(
        call.store.notification_settings.get(call.actor, user_id(call, user), space)
    )


def _chosen(setting: pb.SpaceNotificationSetting, field: str, enum: type, paths: frozenset[str]) -> str | None:
    if field not in paths:
        return None
    value = getattr(setting, field)
    if not setting.HasField(field) or value == 0:
        raise InvalidArgument(
            f"space_notification_setting.{field} must be set to a value other than "
            f"{enum.Name(0)} when it is in update_mask",  # type: ignore[attr-defined]
            field=f"space_notification_setting.{field}",
        )
    return enum.Name(value)  # type: ignore[attr-defined,no-any-return]


@handler("UpdateSpaceNotificationSetting")
def update_space_notification_setting(
    call: Call, request: pb.UpdateSpaceNotificationSettingRequest
) -> pb.SpaceNotificationSetting:
    require(request.HasField("space_notification_setting"), "space_notification_setting")
    setting = request.space_notification_setting
    user, space = parse_name(setting.name, PATTERN, "space_notification_setting.name")
    paths = mask_paths(request.update_mask, {"notification_setting", "mute_setting"}, star=True)
    updated = call.store.notification_settings.update(
        call.actor,
        user_id(call, user),
        space,
        notification=_chosen(setting, "notification_setting", pb.SpaceNotificationSetting.NotificationSetting, paths),
        mute=_chosen(setting, "mute_setting", pb.SpaceNotificationSetting.MuteSetting, paths),
    )
    return codec.notification_setting_to_proto(updated)
