"""Section RPCs: CreateSection, UpdateSection, DeleteSection, ListSections, PositionSection, ListSectionItems,
MoveSectionItem (user authentication only; the caller's own sections)."""

from __future__ import annotations

import re

from google.chat.v1 import section_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake import codec
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.handlers.read_states import user_id
from chat_grpc.fake.names import mask_paths, parse_name, require
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler

USER = "users/{user}"
SECTION = "users/{user}/sections/{section}"
ITEM = "users/{user}/sections/{section}/items/{item}"
_SPACE_FILTER = re.compile(r'^\s*space\s*=\s*(?:"(spaces/[^"/\s]+)"|(spaces/[^"/\s]+))\s*$')
TYPE_NAMES = section_pb2.Section.SectionType.Name


@handler("CreateSection")
def create_section(call: Call, request: section_pb2.CreateSectionRequest) -> section_pb2.Section:
    (user,) = parse_name(request.parent, USER, "parent")
    require(request.HasField("section"), "section")
    created = call.store.sections.create(
        call.actor, user_id(call, user), TYPE_NAMES(request.section.type), request.section.display_name
    )
    return codec.section_to_proto(created)


@handler("UpdateSection")
def update_section(call: Call, request: section_pb2.UpdateSectionRequest) -> section_pb2.Section:
    require(request.HasField("section"), "section")
    user, section = parse_name(request.section.name, SECTION, "section.name")
    mask_paths(request.update_mask, {"display_name"})
    renamed = call.store.sections.rename(call.actor, user_id(call, user), section, request.section.display_name)
    return codec.section_to_proto(renamed)


@handler("DeleteSection")
def delete_section(call: Call, request: section_pb2.DeleteSectionRequest) -> empty_pb2.Empty:
    user, section = parse_name(request.name, SECTION, "name")
    call.store.sections.delete(call.actor, user_id(call, user), section)
    return empty_pb2.Empty()


@handler("ListSections")
def list_sections(call: Call, request: section_pb2.ListSectionsRequest) -> section_pb2.ListSectionsResponse:
    (user,) = parse_name(request.parent, USER, "parent")
    size = page_size(request.page_size, default=10, maximum=100)
    query = {"parent": request.parent}
    offset = call.page_cursor(request.page_token, query) or 0
    found, more = call.store.sections.list(call.actor, user_id(call, user), offset=offset, limit=size)
    return section_pb2.ListSectionsResponse(
        sections=[codec.section_to_proto(s) for s in found], next_page_token=call.next_page_token(query, more)
    )


@handler("PositionSection")
def position_section(call: Call, request: section_pb2.PositionSectionRequest) -> section_pb2.PositionSectionResponse:
    user, section = parse_name(request.name, SECTION, "name")
    which = request.WhichOneof("position")
    if which is None:
        raise InvalidArgument("set sort_order or relative_position", field="sort_order")
    if which == "sort_order":
        if request.sort_order <= 0:
            raise InvalidArgument(f"sort_order must be at least 1, got {request.sort_order}", field="sort_order")
        moved = call.store.sections.position(call.actor, user_id(call, user), section, sort_order=request.sort_order)
    else:
        relative = section_pb2.PositionSectionRequest.Position.Name(request.relative_position)
        if relative not in ("START", "END"):
            raise InvalidArgument("relative_position must be START or END", field="relative_position")
        moved = call.store.sections.position(
            call.actor, user_id(call, user), section, sort_order=1, end=relative == "END"
        )
    return section_pb2.PositionSectionResponse(section=codec.section_to_proto(moved))


@handler("ListSectionItems")
def list_section_items(
    call: Call, request: section_pb2.ListSectionItemsRequest
) -> section_pb2.ListSectionItemsResponse:
    user, section = parse_name(request.parent, SECTION, "parent")
    size = page_size(request.page_size, default=10, maximum=100)
    space = None
    if request.filter.strip():
        match = _SPACE_FILTER.match(request.filter)
        if match is None:
            raise InvalidArgument(
                f'invalid filter {request.filter!r}: the only supported filter is space = "spaces/{{space}}"',
                field="filter",
            )
        space = (match.group(1) or match.group(2)).removeprefix("spaces/")
    query = {"parent": request.parent, "filter": request.filter}
    after = call.page_cursor(request.page_token, query) or ""
    found, last = call.store.sections.list_items(
        call.actor, user_id(call, user), section, space_id=space, after=after, limit=size
    )
    return section_pb2.ListSectionItemsResponse(
        section_items=[codec.section_item_to_proto(i) for i in found], next_page_token=call.next_page_token(query, last)
    )


@handler("MoveSectionItem")
def move_section_item(call: Call, request: section_pb2.MoveSectionItemRequest) -> section_pb2.MoveSectionItemResponse:
    user, section, item = parse_name(request.name, ITEM, "name")
    parse_name(request.target_section, SECTION, "target_section")
    moved = call.store.sections.move_item(call.actor, user_id(call, user), section, item, request.target_section)
    return section_pb2.MoveSectionItemResponse(section_item=codec.section_item_to_proto(moved))
