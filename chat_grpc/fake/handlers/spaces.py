"""Space RPCs: CreateSpace, SetUpSpace, GetSpace, ListSpaces, SearchSpaces, UpdateSpace, DeleteSpace,
CompleteImportSpace, FindDirectMessage."""

from __future__ import annotations

from google.chat.v1 import history_state_pb2, space_pb2, space_setup_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake import codec, filters, wire_bytes
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.names import mask_paths, max_length, parse_name, require, space_id, to_datetime
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.space_query import parse_search_order_by, parse_search_spaces_query
from chat_grpc.fake.store import model
from chat_grpc.fake.store.spaces import SpaceChanges

DISPLAY_NAME_MAX, DESCRIPTION_MAX, GUIDELINES_MAX = 128, 150, 5000
MY_CUSTOMER = "customers/my_customer"
SETTABLE_PERMISSIONS = tuple(s for s in model.PERMISSION_SETTINGS if s != "post_messages")  # post_messages: output only
UPDATE_PATHS = frozenset(
    {"display_name", "space_details", "space_type", "space_history_state", "access_settings.audience"}
    | {f"permission_settings.{s}" for s in SETTABLE_PERMISSIONS}
)
RESULTS_TAG = b"\x22"  # SearchSpacesResponse.results: field 4, length-delimited (a SearchSpaceResult: space is 1)
NOT_WITH_ADMIN_ACCESS = ("space_type", "space_history_state", "access_settings.audience", "permission_settings.")


def render(call: Call, space: model.Space) -> space_pb2.Space:
    """A Space as the caller may see it: under app auth, access settings need chat.app.spaces and permission
    settings are shown only for spaces the app created."""
    actor = call.actor
    app_created = space.created_by_app and space.creator_key == actor.key
    return codec.space_to_proto(
        space,
        member_counts=call.store.joined_human_count(space.id),
        with_permission_settings=not actor.is_app or app_created,
        with_access_settings=not actor.is_app or "chat.app.spaces" in actor.granted_scopes,
    )


def listed(call: Call, space: model.Space) -> bytes:
    """A Space of a list or search page (``render``'s, but never with permission settings), as the encoded field
    1 of the page (``codec.space_field``)."""
    actor = call.actor
    return codec.space_field(
        space,
        member_counts=call.store.joined_human_count(space.id),
        with_permission_settings=False,
        with_access_settings=not actor.is_app or "chat.app.spaces" in actor.granted_scopes,
    )


def _customer(call: Call, requested: str, field: str) -> str:
    own: str = call.actor.principal.customer
    if call.actor.is_app and not requested:
        raise InvalidArgument(f"{field} is required with app authentication (customers/my_customer)", field=field)
    if requested and requested not in (MY_CUSTOMER, own):
        raise InvalidArgument(f"{field} must be {MY_CUSTOMER} or the caller's own customer {own}", field=field)
    return own


def _space_details(space: space_pb2.Space, prefix: str) -> tuple[str, str]:
    details = space.space_details
    max_length(details.description, DESCRIPTION_MAX, f"{prefix}.space_details.description")
    max_length(details.guidelines, GUIDELINES_MAX, f"{prefix}.space_details.guidelines")
    return details.description, details.guidelines


def _display_name(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument(f"{field} is required for a SPACE", field=field)
    max_length(value, DISPLAY_NAME_MAX, field)
    return value


def _template(call: Call, space: space_pb2.Space, *, setup: bool) -> model.Space:
    """Validate the Space of a create or set-up request into a record template."""
    space_type = space_pb2.Space.SpaceType.Name(space.space_type)
    if space.space_type == space_pb2.Space.SPACE_TYPE_UNSPECIFIED:
        space_type = "DIRECT_MESSAGE" if setup and space.single_user_bot_dm else ""
    allowed = ("SPACE", "GROUP_CHAT", "DIRECT_MESSAGE") if setup else ("SPACE", "GROUP_CHAT")
    if space_type not in allowed:
        raise InvalidArgument(f"space.space_type must be one of {', '.join(allowed)}", field="space.space_type")
    if not setup and space_type == "GROUP_CHAT" and not space.import_mode:
        raise InvalidArgument("CreateSpace makes a GROUP_CHAT only in import mode", field="space.space_type")
    if setup and space.import_mode:
        raise InvalidArgument("space.import_mode is only for CreateSpace (with chat.import)", field="space.import_mode")
    if space.single_user_bot_dm and space_type != "DIRECT_MESSAGE":
        raise InvalidArgument(
            "space.single_user_bot_dm is only for a DIRECT_MESSAGE set up with the calling app",
            field="space.single_user_bot_dm",
        )
    if space_type == "SPACE":
        _display_name(space.display_name, "space.display_name")
    elif space.display_name:
        raise InvalidArgument(f"space.display_name must be empty for a {space_type}", field="space.display_name")
    description, guidelines = _space_details(space, "space")
    if space_type == "DIRECT_MESSAGE" and (description or guidelines):
        raise InvalidArgument("a DIRECT_MESSAGE has no space_details", field="space.space_details")
    history = history_state_pb2.HistoryState.Name(space.space_history_state)
    template = model.Space(
        id="",
        space_type=space_type,
        display_name=space.display_name,
        description=description,
        guidelines=guidelines,
        external_user_allowed=space.external_user_allowed,
        history_state=history if space.space_history_state else "HISTORY_ON",
        import_mode=space.import_mode,
        single_user_bot_dm=space.single_user_bot_dm,
        customer=_customer(call, space.customer, "space.customer") if space_type != "DIRECT_MESSAGE" else None,
        create_time=to_datetime(space.create_time, "space.create_time")
        if space.import_mode and space.HasField("create_time")
        else None,
    )
    if space.access_settings.audience:
        if call.actor.is_app:
            raise InvalidArgument(
                "space.access_settings.audience needs user authentication", field="space.access_settings.audience"
            )
        template.audience = _audience(space.access_settings.audience)
        template.access_state = "DISCOVERABLE"
    return template


def _audience(value: str) -> str:
    if value:
        parse_name(value, "audiences/{audience}", "space.access_settings.audience")
    return value


def _predefined(space: space_pb2.Space) -> str:
    if space.WhichOneof("space_permission_settings") != "predefined_permission_settings":
        return ""
    value = space_pb2.Space.PredefinedPermissionSettings.Name(space.predefined_permission_settings)
    if value == "PREDEFINED_PERMISSION_SETTINGS_UNSPECIFIED":
        raise InvalidArgument(
            "space.predefined_permission_settings must be COLLABORATION_SPACE or ANNOUNCEMENT_SPACE",
            field="space.predefined_permission_settings",
        )
    if space.space_type != space_pb2.Space.SPACE:
        raise InvalidArgument(
            "predefined permission settings apply to a SPACE only", field="space.predefined_permission_settings"
        )
    return value


@handler("CreateSpace")
def create_space(call: Call, request: space_pb2.CreateSpaceRequest) -> space_pb2.Space:
    require(request.HasField("space"), "space")
    template = _template(call, request.space, setup=False)
    space = call.store.create_space(
        call.actor, template, predefined=_predefined(request.space), request_id=request.request_id
    )
    return render(call, space)


@handler("SetUpSpace")
def set_up_space(call: Call, request: space_setup_pb2.SetUpSpaceRequest) -> space_pb2.Space:
    require(request.HasField("space"), "space")
    template = _template(call, request.space, setup=True)
    if len(request.memberships) > 20:
        raise InvalidArgument(
            f"memberships lists {len(request.memberships)} members; at most 20 are allowed", field="memberships"
        )
    members = []
    for i, membership in enumerate(request.memberships):
        field = f"memberships[{i}]"
        if membership.HasField("group_member"):
            if template.space_type != "SPACE":
                raise InvalidArgument("groups can only be added to a SPACE", field=f"{field}.group_member.name")
            ref = call.store.resolve_member(
                call.actor, membership.group_member.name, field_path=f"{field}.group_member.name"
            )
        else:
            require(membership.member.name, f"{field}.member.name")
            ref = call.store.resolve_member(call.actor, membership.member.name, field_path=f"{field}.member.name")
            if ref.kind != "HUMAN" or membership.member.type == membership.member.BOT:
                raise InvalidArgument(
                    "SetUpSpace adds human users and groups only; add the calling app with single_user_bot_dm"
                    " or CreateMembership",
                    field=f"{field}.member.name",
                )
        members.append(ref)
    space = call.store.set_up_space(call.actor, template, members, request_id=request.request_id)
    return render(call, space)


@handler("GetSpace")
def get_space(call: Call, request: space_pb2.GetSpaceRequest) -> space_pb2.Space:
    store = call.store
    with store.lock:  # the live record, rendered before anyone can change it
        return render(call, store.get_space(call.actor, space_id(request.name), copy=False))


@handler("ListSpaces")
def list_spaces(call: Call, request: space_pb2.ListSpacesRequest) -> space_pb2.ListSpacesResponse:
    size = page_size(request.page_size, default=100, maximum=1000)
    wanted = filters.parse_space_filter(request.filter)
    query = {"filter": request.filter}
    cursor = call.page_cursor(request.page_token, query)
    store = call.store
    with store.lock:  # the live records, rendered before anyone can change them
        spaces, last = store.list_spaces(
            call.actor,
            lambda s: wanted is None or wanted.matches(s.space_type),
            after=tuple(cursor) if cursor else None,
            limit=size,
            copy=False,
        )
        entries = [listed(call, s) for s in spaces]
    token = call.next_page_token(query, list(last) if last else None)
    return wire_bytes.page(space_pb2.ListSpacesResponse, token, entries)


@handler("SearchSpaces")
def search_spaces(call: Call, request: space_pb2.SearchSpacesRequest) -> space_pb2.SearchSpacesResponse:
    require(request.query.strip(), "query")
    space_query = parse_search_spaces_query(request.query)
    order_field, descending = parse_search_order_by(request.order_by)
    size = page_size(request.page_size, default=100, maximum=1000)
    query = {"query": request.query, "order_by": request.order_by}
    offset = call.page_cursor(request.page_token, query) or 0
    sign = -1 if descending else 1

    def sort_key(space: model.Space) -> float:
        if order_field == "membership_count.joined_direct_human_user_count":
            return sign * call.store.joined_human_count(space.id)[0]
        when = space.last_active_time if order_field == "last_active_time" else space.create_time
        return sign * (when.timestamp() if when else 0.0)

    store = call.store
    with store.lock:  # the live records, rendered before anyone can change them
        spaces, total = store.search_spaces(
            call.actor, space_query, order_field, descending, sort_key, offset=offset, limit=size, copy=False
        )
        rendered = [listed(call, s) for s in spaces]
    more = offset + len(spaces) < total
    token = call.next_page_token(query, offset + len(spaces) if more else None)
    entries = [
        *rendered,  # spaces (field 1)
        space_pb2.SearchSpacesResponse(total_size=total).SerializeToString(),
        *[codec.framed(s, RESULTS_TAG) for s in rendered],  # results (Google's newer field): each holds its space
    ]
    return wire_bytes.page(space_pb2.SearchSpacesResponse, token, entries)


def _changes(call: Call, request: space_pb2.UpdateSpaceRequest) -> SpaceChanges:
    paths = mask_paths(request.update_mask, UPDATE_PATHS)
    actor, space = call.actor, request.space
    if actor.admin:
        for path in paths:
            if path.startswith(NOT_WITH_ADMIN_ACCESS):
                raise InvalidArgument(
                    f"update_mask path {path!r} cannot be used with admin access", field="update_mask"
                )
    for sole in ("space_history_state", "access_settings.audience"):
        if sole in paths and len(paths) > 1:
            raise InvalidArgument(f"update_mask path {sole!r} must be the only path", field="update_mask")
    permission_paths = {p for p in paths if p.startswith("permission_settings.")}
    if permission_paths and permission_paths != paths:
        raise InvalidArgument(
            "permission_settings paths cannot be combined with other paths in one update", field="update_mask"
        )
    if "access_settings.audience" in paths and actor.is_app:
        raise InvalidArgument("access_settings.audience needs user authentication", field="update_mask")
    changes: dict[str, object] = {"paths": paths}
    if "display_name" in paths:
        changes["display_name"] = _display_name(space.display_name, "space.display_name")
    if "space_details" in paths:
        changes["description"], changes["guidelines"] = _space_details(space, "space")
    if "space_type" in paths:
        changes["space_type"] = space_pb2.Space.SpaceType.Name(space.space_type)
    if "space_history_state" in paths:
        if space.space_history_state == history_state_pb2.HISTORY_STATE_UNSPECIFIED:
            raise InvalidArgument(
                "space.space_history_state must be HISTORY_ON or HISTORY_OFF", field="space.space_history_state"
            )
        changes["history_state"] = history_state_pb2.HistoryState.Name(space.space_history_state)
    if "access_settings.audience" in paths:
        changes["audience"] = _audience(space.access_settings.audience)
    settings = {}
    for path in permission_paths:
        setting = path.removeprefix("permission_settings.")
        if not space.permission_settings.HasField(setting):
            raise InvalidArgument(f"space.{path} is in update_mask but not set", field=f"space.{path}")
        value = getattr(space.permission_settings, setting)
        settings[setting] = model.PermissionSetting(value.managers_allowed, value.members_allowed)
    changes["permission_settings"] = settings
    return SpaceChanges(**changes)  # type: ignore[arg-type]


@handler("UpdateSpace")
def update_space(call: Call, request: space_pb2.UpdateSpaceRequest) -> space_pb2.Space:
    require(request.HasField("space"), "space")
    target = space_id(request.space.name, "space.name")
    return render(call, call.store.update_space(call.actor, target, _changes(call, request)))


@handler("DeleteSpace")
def delete_space(call: Call, request: space_pb2.DeleteSpaceRequest) -> empty_pb2.Empty:
    call.store.delete_space(call.actor, space_id(request.name))
    return empty_pb2.Empty()


@handler("CompleteImportSpace")
def complete_import_space(
    call: Call, request: space_pb2.CompleteImportSpaceRequest
) -> space_pb2.CompleteImportSpaceResponse:
    space = call.store.complete_import(call.actor, space_id(request.name))
    return space_pb2.CompleteImportSpaceResponse(space=render(call, space))


@handler("FindDirectMessage")
def find_direct_message(call: Call, request: space_pb2.FindDirectMessageRequest) -> space_pb2.Space:
    require(request.name, "name")
    ref = call.store.resolve_member(call.actor, request.name, field_path="name", allow_email=not call.actor.is_app)
    if ref.kind != "HUMAN":
        raise InvalidArgument(f"name must name a human user, got {request.name!r}", field="name")
    return render(call, call.store.find_direct_message(call.actor, ref.id))


@handler("FindGroupChats")
def find_group_chats(call: Call, request: space_pb2.FindGroupChatsRequest) -> space_pb2.FindGroupChatsResponse:
    if len(request.users) > 49:
        raise InvalidArgument(f"users names {len(request.users)} users; at most 49 are allowed", field="users")
    for i, user in enumerate(request.users):
        parse_name(user, "users/{user}", f"users[{i}]")
    size = page_size(request.page_size, default=10, maximum=30)
    query = {"users": sorted(request.users), "view": request.space_view}
    after = call.page_cursor(request.page_token, query) or ""
    found, last = call.store.find_group_chats(call.actor, list(request.users), after=after, limit=size)
    expanded = request.space_view == space_pb2.SPACE_VIEW_EXPANDED
    entries = [
        listed(call, s) if expanded else codec.framed(space_pb2.Space(name=s.name).SerializeToString()) for s in found
    ]
    return wire_bytes.page(space_pb2.FindGroupChatsResponse, call.next_page_token(query, last), entries)
