"""The shared, I/O-free core: request building, enums, update masks, request ids, routing, deadlines."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
from google.chat.v1 import membership_pb2, message_pb2, space_pb2, space_setup_pb2, user_pb2
from google.protobuf import field_mask_pb2, timestamp_pb2

from chat_grpc.api import rpcs as _rpcs
from chat_grpc.client._core import ROUTING_HEADER, CallOptions, build_request, routing_metadata, update_mask_for
from chat_grpc.client.retry import DEFAULT, RetryPolicy


def build(rpc: _rpcs.Rpc[Any, Any], request: Any = None, **fields: Any) -> Any:
    return build_request(rpc, request, fields)


# ------------------------------------------------------------------------------------------------ requests


def test_keyword_fields_build_the_request() -> None:
    request = build(
        _rpcs.BY_NAME["ListMessages"], parent="spaces/AAA", page_size=5, filter='thread.name = "x"', show_deleted=True
    )
    assert request == message_pb2.ListMessagesRequest(
        parent="spaces/AAA", page_size=5, filter='thread.name = "x"', show_deleted=True
    )


def test_none_means_unset() -> None:
    assert build(_rpcs.BY_NAME["GetSpace"], name="spaces/AAA", use_admin_access=None) == space_pb2.GetSpaceRequest(
        name="spaces/AAA"
    )


def test_a_request_message_is_copied_not_mutated() -> None:
    original = space_pb2.CreateSpaceRequest(space=space_pb2.Space(display_name="Team"))
    built = build(_rpcs.BY_NAME["CreateSpace"], original)
    assert built is not original
    assert built.space == original.space
    assert original.request_id == ""  # the generated request id went into the copy only
    assert built.request_id


def test_request_and_fields_together_are_refused() -> None:
    with pytest.raises(ValueError, match="either a request message or keyword fields"):
        build(_rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest(name="spaces/A"), name="spaces/B")


def test_a_request_of_the_wrong_type_is_refused_with_a_hint_for_names() -> None:
    with pytest.raises(TypeError, match=r"google.chat.v1.GetSpaceRequest.*pass the name as name="):
        build(_rpcs.BY_NAME["GetSpace"], "spaces/AAA")
    with pytest.raises(TypeError, match="GetSpaceRequest"):
        build(_rpcs.BY_NAME["GetSpace"], space_pb2.DeleteSpaceRequest(name="spaces/AAA"))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(TypeError, match="unexpected fields: colour"):
        build(_rpcs.BY_NAME["GetSpace"], colour="red")


def test_resource_messages_stand_for_their_names() -> None:
    space = space_pb2.Space(name="spaces/AAA", display_name="Team")
    assert build(_rpcs.BY_METHOD["list_memberships"], parent=space).parent == "spaces/AAA"
    assert build(_rpcs.BY_NAME["GetSpace"], name=space).name == "spaces/AAA"
    user = user_pb2.User(name="users/123")
    assert build(_rpcs.BY_METHOD["find_direct_message"], name=user).name == "users/123"
    with pytest.raises(ValueError, match="without a name"):
        build(_rpcs.BY_NAME["GetSpace"], name=space_pb2.Space(display_name="no name"))


def test_message_fields_take_messages_or_dicts() -> None:
    as_dict = build(_rpcs.BY_NAME["CreateSpace"], space={"space_type": "SPACE", "display_name": "Team"}, request_id="r")
    as_message = build(
        _rpcs.BY_NAME["CreateSpace"],
        space=space_pb2.Space(space_type=space_pb2.Space.SPACE, display_name="Team"),
        request_id="r",
    )
    assert as_dict == as_message
    with pytest.raises(TypeError, match=r"google.chat.v1.Space \(or a dict"):
        build(_rpcs.BY_NAME["CreateSpace"], space=message_pb2.Message(text="hi"))


def test_repeated_fields_take_lists_of_messages_or_dicts() -> None:
    request = build(
        _rpcs.BY_METHOD["set_up_space"],
        space={"space_type": "SPACE", "display_name": "Team"},
        memberships=[{"member": {"name": "users/1", "type": "HUMAN"}}, membership_pb2.Membership()],
    )
    assert [m.member.name for m in request.memberships] == ["users/1", ""]
    assert request.memberships[0].member.type == user_pb2.User.HUMAN
    with pytest.raises(TypeError, match="is repeated"):
        build(_rpcs.BY_METHOD["set_up_space"], memberships={"member": {"name": "users/1"}})


def test_enums_take_values_or_names() -> None:
    by_name = build(_rpcs.BY_METHOD["create_message"], parent="spaces/A", message_reply_option="REPLY_MESSAGE_OR_FAIL")
    by_value = build(
        _rpcs.BY_METHOD["create_message"],
        parent="spaces/A",
        message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_OR_FAIL,
    )
    assert by_name.message_reply_option == by_value.message_reply_option == 2
    with pytest.raises(ValueError, match=r"'REPLY_SOMETIMES' is not a .*MessageReplyOption \(one of"):
        build(_rpcs.BY_METHOD["create_message"], parent="spaces/A", message_reply_option="REPLY_SOMETIMES")


def test_enum_names_inside_resources_come_from_protobuf_itself() -> None:
    request = build(
        _rpcs.BY_NAME["CreateSpace"], space={"space_type": "GROUP_CHAT", "space_history_state": "HISTORY_ON"}
    )
    assert request.space.space_type == space_pb2.Space.GROUP_CHAT


# ------------------------------------------------------------------------------------------------ request ids


@pytest.mark.parametrize(
    "rpc", [_rpcs.BY_NAME["CreateSpace"], _rpcs.BY_METHOD["set_up_space"], _rpcs.BY_METHOD["create_message"]]
)
def test_creates_with_a_request_id_get_a_fresh_uuid(rpc: _rpcs.Rpc[Any, Any]) -> None:
    first, second = build(rpc), build(rpc)
    assert uuid.UUID(first.request_id).version == 4
    assert first.request_id != second.request_id
    assert build(rpc, request_id="mine").request_id == "mine"
    assert rpc.retryable


def test_only_those_creates_get_a_request_id() -> None:
    with_id = {rpc.name for rpc in _rpcs.RPCS if rpc.request_id}
    assert with_id == {"CreateSpace", "SetUpSpace", "CreateMessage"}
    assert "request_id" not in membership_pb2.CreateMembershipRequest.DESCRIPTOR.fields_by_name
    assert not _rpcs.BY_METHOD["create_membership"].retryable
    assert not _rpcs.BY_METHOD["create_reaction"].retryable
    assert not _rpcs.BY_METHOD["create_custom_emoji"].retryable


def test_a_request_message_without_request_id_gets_one_too() -> None:
    built = build(
        _rpcs.BY_METHOD["set_up_space"], space_setup_pb2.SetUpSpaceRequest(space=space_pb2.Space(display_name="x"))
    )
    assert built.request_id


# ------------------------------------------------------------------------------------------------ update masks


def test_update_mask_names_the_fields_set_besides_name() -> None:
    request = build(_rpcs.BY_METHOD["update_space"], space={"name": "spaces/A", "display_name": "New", "space_type": 0})
    assert list(request.update_mask.paths) == ["display_name"]  # a proto3 scalar at its default is not "set"
    request = build(
        _rpcs.BY_METHOD["update_space"],
        space={"name": "spaces/A", "display_name": "New", "space_details": {"description": "About"}},
    )
    assert list(request.update_mask.paths) == ["display_name", "space_details"]
    # a message field has presence: set to an empty message, it is in the mask (which clears it)
    request = build(_rpcs.BY_METHOD["update_space"], space={"name": "spaces/A", "space_details": {}})
    assert list(request.update_mask.paths) == ["space_details"]


def test_update_mask_goes_one_level_down_where_the_api_wants_it() -> None:
    request = build(
        _rpcs.BY_METHOD["update_space"],
        space={"name": "spaces/A", "access_settings": {"audience": "audiences/default"}},
    )
    assert list(request.update_mask.paths) == ["access_settings.audience"]
    request = build(
        _rpcs.BY_METHOD["update_space"],
        space={
            "name": "spaces/A",
            "permission_settings": {
                "manage_members_and_groups": {"managers_allowed": True},
                "manage_apps": {"members_allowed": True},
                "post_messages": {"members_allowed": True},  # output only: left out
            },
        },
    )
    assert sorted(request.update_mask.paths) == [
        "permission_settings.manage_apps",
        "permission_settings.manage_members_and_groups",
    ]


def test_update_mask_leaves_out_output_only_and_immutable_fields() -> None:
    fetched = space_pb2.Space(
        name="spaces/A",
        display_name="New",
        create_time=timestamp_pb2.Timestamp(seconds=1),  # immutable
        customer="customers/my_customer",  # immutable
        space_uri="https://chat.example/A",
        access_settings=space_pb2.Space.AccessSettings(access_state=space_pb2.Space.AccessSettings.PRIVATE),
    )
    assert update_mask_for(fetched, nested=_rpcs.BY_METHOD["update_space"].mask_nested) == ["display_name"]


def test_update_mask_for_each_update_rpc() -> None:
    stamp = timestamp_pb2.Timestamp(seconds=5)
    assert list(
        build(_rpcs.BY_METHOD["update_message"], message={"name": "spaces/A/messages/B", "text": "t"}).update_mask.paths
    ) == ["text"]
    membership = build(
        _rpcs.BY_METHOD["update_membership"], membership={"name": "spaces/A/members/1", "role": "ROLE_MANAGER"}
    )
    assert list(membership.update_mask.paths) == ["role"]
    read = build(
        _rpcs.BY_METHOD["update_space_read_state"],
        space_read_state={"name": "users/me/spaces/A/spaceReadState", "last_read_time": stamp},
    )
    assert list(read.update_mask.paths) == ["last_read_time"]
    setting = build(
        _rpcs.BY_METHOD["update_space_notification_setting"],
        space_notification_setting={
            "name": "users/me/spaces/A/spaceNotificationSetting",
            "mute_setting": "MUTED",
        },
    )
    assert list(setting.update_mask.paths) == ["mute_setting"]


@pytest.mark.parametrize(
    "mask", [["display_name", "space_details"], "display_name, space_details", field_mask_pb2.FieldMask(
        paths=["display_name", "space_details"]
    )],
)  # fmt: skip
def test_an_explicit_update_mask_wins(mask: Any) -> None:
    request = build(
        _rpcs.BY_METHOD["update_space"], space={"name": "spaces/A", "display_name": "New"}, update_mask=mask
    )
    assert list(request.update_mask.paths) == ["display_name", "space_details"]


def test_an_update_request_message_is_sent_as_given() -> None:
    request = space_pb2.UpdateSpaceRequest(space=space_pb2.Space(name="spaces/A", display_name="x"))
    assert list(build(_rpcs.BY_METHOD["update_space"], request).update_mask.paths) == []


def test_a_bad_update_mask_is_refused() -> None:
    with pytest.raises(TypeError, match="update_mask"):
        build(_rpcs.BY_METHOD["update_space"], space={"name": "spaces/A"}, update_mask=42)


# ------------------------------------------------------------------------------------------------ routing


def test_routing_header_names_the_resource() -> None:
    assert routing_metadata(_rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest(name="spaces/A")) == (
        ROUTING_HEADER,
        "name=spaces/A",
    )
    update = build(_rpcs.BY_METHOD["update_space"], space={"name": "spaces/A b&c", "display_name": "x"})
    assert routing_metadata(_rpcs.BY_METHOD["update_space"], update) == (ROUTING_HEADER, "space.name=spaces/A+b%26c")
    assert routing_metadata(_rpcs.BY_NAME["ListMessages"], build(_rpcs.BY_NAME["ListMessages"], parent="spaces/A")) == (
        ROUTING_HEADER,
        "parent=spaces/A",
    )


def test_no_routing_header_for_top_level_collections_or_empty_values() -> None:
    unrouted = {rpc.name for rpc in _rpcs.RPCS if rpc.routing is None}
    assert unrouted == {
        "ListSpaces", "SearchSpaces", "CreateSpace", "SetUpSpace", "FindDirectMessage", "FindGroupChats",
        "CreateCustomEmoji", "ListCustomEmojis",
    }  # fmt: skip
    assert routing_metadata(_rpcs.BY_NAME["ListSpaces"], build(_rpcs.BY_NAME["ListSpaces"])) is None
    assert routing_metadata(_rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest()) is None


def test_every_routing_field_exists_on_its_request() -> None:
    for rpc in _rpcs.RPCS:
        if rpc.routing is not None:
            head, _, tail = rpc.routing.partition(".")
            field = rpc.request.DESCRIPTOR.fields_by_name[head]
            if tail:
                assert tail in field.message_type.fields_by_name, rpc.name


# ------------------------------------------------------------------------------------------------ call plans


def options(**kwargs: Any) -> CallOptions:
    return CallOptions(**{"timeout": 30.0, "retry": RetryPolicy(), **kwargs})


def test_plan_metadata_holds_defaults_extra_and_routing() -> None:
    plan = options(metadata=[("x-client", "1")]).plan(
        _rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest(name="spaces/A"), timeout=DEFAULT,
        metadata=[("x-call", "2")], retry=DEFAULT,
    )  # fmt: skip
    assert plan.metadata() == (("x-client", "1"), ("x-call", "2"), (ROUTING_HEADER, "name=spaces/A"))


def test_a_caller_routing_header_is_not_doubled() -> None:
    plan = options().plan(
        _rpcs.BY_NAME["GetSpace"], space_pb2.GetSpaceRequest(name="spaces/A"), timeout=DEFAULT,
        metadata=[(ROUTING_HEADER, "name=spaces/B")], retry=DEFAULT,
    )  # fmt: skip
    assert [v for k, v in plan.metadata() if k == ROUTING_HEADER] == ["name=spaces/B"]


def test_auth_metadata_is_asked_for_every_attempt() -> None:
    calls: list[int] = []

    def auth() -> tuple[tuple[str, str], ...]:
        calls.append(1)
        return (("authorization", f"Bearer t{len(calls)}"),)

    plan = options(auth_metadata=auth).plan(
        _rpcs.BY_NAME["ListSpaces"], build(_rpcs.BY_NAME["ListSpaces"]), timeout=DEFAULT, metadata=None, retry=DEFAULT
    )
    assert plan.metadata()[-1] == ("authorization", "Bearer t1")
    assert plan.metadata()[-1] == ("authorization", "Bearer t2")


def test_deadlines_default_override_and_none() -> None:
    request = build(_rpcs.BY_NAME["ListSpaces"])
    default = options(timeout=12.0).plan(
        _rpcs.BY_NAME["ListSpaces"], request, timeout=DEFAULT, metadata=None, retry=DEFAULT
    )
    assert 11.0 < (default.timeout() or 0) <= 12.0
    explicit = options().plan(_rpcs.BY_NAME["ListSpaces"], request, timeout=2.5, metadata=None, retry=DEFAULT)
    assert 2.0 < (explicit.timeout() or 0) <= 2.5
    unbounded = options().plan(_rpcs.BY_NAME["ListSpaces"], request, timeout=None, metadata=None, retry=DEFAULT)
    assert unbounded.timeout() is None and unbounded.deadline is None
    with pytest.raises(ValueError, match="positive"):
        options().plan(_rpcs.BY_NAME["ListSpaces"], request, timeout=0, metadata=None, retry=DEFAULT)
    with pytest.raises(ValueError, match="positive"):
        CallOptions(timeout=-1, retry=None)


def test_retry_policy_applies_to_idempotent_rpcs_only() -> None:
    policy = RetryPolicy(max_attempts=3)
    opts = options(retry=policy)
    get = opts.plan(
        _rpcs.BY_NAME["GetSpace"],
        build(_rpcs.BY_NAME["GetSpace"], name="spaces/A"),
        timeout=DEFAULT,
        metadata=None,
        retry=DEFAULT,
    )
    assert get.retry is policy
    create = opts.plan(
        _rpcs.BY_METHOD["create_membership"], build(_rpcs.BY_METHOD["create_membership"], parent="spaces/A"),
        timeout=DEFAULT, metadata=None,
        retry=DEFAULT,
    )  # fmt: skip
    assert create.retry is None
    off = opts.plan(
        _rpcs.BY_NAME["GetSpace"],
        build(_rpcs.BY_NAME["GetSpace"], name="spaces/A"),
        timeout=DEFAULT,
        metadata=None,
        retry=None,
    )
    assert off.retry is None


def test_each_attempt_gets_what_is_left_of_the_deadline() -> None:
    now = [100.0]
    from chat_grpc.client._core import CallPlan

    plan = CallPlan(
        space_pb2.GetSpaceRequest(), metadata=(), auth_metadata=None, timeout=10.0, retry=None, clock=lambda: now[0]
    )
    assert plan.timeout() == 10.0
    now[0] = 107.5
    assert plan.timeout() == 2.5
    now[0] = 120.0
    assert plan.timeout() == 0.0  # gRPC then fails the attempt with DEADLINE_EXCEEDED
    assert plan.attempts == 3


def test_status_codes_are_grpc_codes() -> None:
    assert grpc.StatusCode.UNAVAILABLE in RetryPolicy().retry_codes
