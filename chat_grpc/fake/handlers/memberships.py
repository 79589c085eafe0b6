"""Membership RPCs: CreateMembership, GetMembership, ListMemberships, UpdateMembership, DeleteMembership."""

from __future__ import annotations

from google.chat.v1 import membership_pb2

from chat_grpc.fake import codec, filters, wire_bytes
from chat_grpc.fake.errors import InvalidArgument, NotFound
from chat_grpc.fake.names import mask_paths, parse_name, require, space_id, to_datetime
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.store.book import MemberClass

MEMBERSHIP_PATTERN = "spaces/{space}/members/{member}"


def membership_name(call: Call, name: str, field: str = "name") -> tuple[str, str]:
    """``spaces/{space}/members/{member}`` with the member as an id, an email or ``app`` -> (space, member id)."""
    space, member = parse_name(name, MEMBERSHIP_PATTERN, field)
    if member == "app":
        if call.actor.app is None:
            raise InvalidArgument(f"{field}: members/app needs credentials of a Chat app", field=field)
        return space, call.actor.app.id
    if "@" in member:
        user = call.store.user_by_email(member)
        if user is None:
            raise NotFound(f"membership {name} not found", field=field)
        return space, user.id
    return space, member


@handler("CreateMembership")
def create_membership(call: Call, request: membership_pb2.CreateMembershipRequest) -> membership_pb2.Membership:
    parent = space_id(request.parent, "parent")
    require(request.HasField("membership"), "membership")
    membership = request.membership
    kind = membership.WhichOneof("memberType")
    if kind is None:
        raise InvalidArgument("membership.member or membership.group_member is required", field="membership.member")
    field = f"membership.{kind}.name"
    member_name = getattr(membership, kind).name
    require(member_name, field)
    if kind == "group_member" and call.actor.is_app:
        raise InvalidArgument(f"{field}: groups can be added only with user authentication", field=field)
    ref = call.store.resolve_member(call.actor, member_name, field_path=field)
    if kind == "member" and ref.kind == "GROUP":
        raise InvalidArgument(f"{field} names a group; use membership.group_member", field=field)
    member_type = membership.member.type
    if kind == "member" and member_type != membership.member.TYPE_UNSPECIFIED:
        wanted = "BOT" if member_type == membership.member.BOT else "HUMAN"
        if ref.kind != wanted:
            raise InvalidArgument(
                f"membership.member.type is {wanted} but {field} {member_name!r} is a"
                f" {'Chat app' if ref.kind == 'BOT' else 'human user'}",
                field="membership.member.type",
            )
    create_time = (
        to_datetime(membership.create_time, "membership.create_time") if membership.HasField("create_time") else None
    )
    created = call.store.create_membership(call.actor, parent, ref, create_time=create_time)
    return codec.membership_to_proto(created)


@handler("GetMembership")
def get_membership(call: Call, request: membership_pb2.GetMembershipRequest) -> membership_pb2.Membership:
    space, member = membership_name(call, request.name)
    return codec.membership_to_proto(call.store.get_membership(call.actor, space, member))


@handler("ListMemberships")
def list_memberships(
    call: Call, request: membership_pb2.ListMembershipsRequest
) -> membership_pb2.ListMembershipsResponse:
    parent = space_id(request.parent, "parent")
    size = page_size(request.page_size, default=100, maximum=1000)
    actor = call.actor
    if request.show_invited and actor.is_app:
        raise InvalidArgument("show_invited needs user authentication", field="show_invited")
    wanted = filters.parse_membership_filter(request.filter, admin=actor.admin)

    def accept(m: MemberClass) -> bool:
        if m.member_kind == "BOT" and (actor.is_app or actor.admin):
            return False  # app auth and admin access never list app memberships
        if m.member_kind == "GROUP" and (not request.show_groups or actor.is_app):
            return False  # reading group memberships needs user authentication
        if m.state == "INVITED" and not request.show_invited:
            return False
        return wanted is None or wanted.matches(m.role, m.member_kind)

    query = {
        "parent": parent,
        "filter": request.filter,
        "show_groups": request.show_groups,
        "show_invited": request.show_invited,
        "admin": request.use_admin_access,
    }
    after = call.page_cursor(request.page_token, query) or 0
    memberships, last = call.store.list_memberships(actor, parent, accept, after=after, limit=size)
    token = call.next_page_token(query, last)
    response = wire_bytes.page(membership_pb2.ListMembershipsResponse, token, map(codec.record_field, memberships))
    return response


@handler("UpdateMembership")
def update_membership(call: Call, request: membership_pb2.UpdateMembershipRequest) -> membership_pb2.Membership:
    require(request.HasField("membership"), "membership")
    space, member = membership_name(call, request.membership.name, "membership.name")
    mask_paths(request.update_mask, {"role"}, star=True)
    role = membership_pb2.Membership.MembershipRole.Name(request.membership.role)
    if role not in ("ROLE_MEMBER", "ROLE_MANAGER"):
        raise InvalidArgument("membership.role must be ROLE_MEMBER or ROLE_MANAGER", field="membership.role")
    return codec.membership_to_proto(call.store.update_membership_role(call.actor, space, member, role))


@handler("DeleteMembership")
def delete_membership(call: Call, request: membership_pb2.DeleteMembershipRequest) -> membership_pb2.Membership:
    space, member = membership_name(call, request.name)
    return codec.membership_to_proto(call.store.delete_membership(call.actor, space, member))
