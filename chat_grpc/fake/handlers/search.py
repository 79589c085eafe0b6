"""SearchMessages: the caller's messages across the spaces they joined (user authentication only)."""

from __future__ import annotations

from google.chat.v1 import message_pb2

from chat_grpc.fake import codec, wire_bytes
from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.names import require
from chat_grpc.fake.pagination import page_size
from chat_grpc.fake.rpc import Call, handler
from chat_grpc.fake.search_query import parse_search_order_by, parse_search_query
from chat_grpc.fake.store.message_records import Message

VIEW = message_pb2.SearchMessagesRequest.SearchMessagesView


@handler("SearchMessages")
def search_messages(call: Call, request: message_pb2.SearchMessagesRequest) -> message_pb2.SearchMessagesResponse:
    require(request.parent, "parent")
    if request.parent != "spaces/-":
        raise InvalidArgument(
            f"parent must be spaces/- (search every space the caller belongs to; narrow with space.name in the"
            f" filter), got {request.parent!r}",
            field="parent",
        )
    require(request.filter.strip(), "filter")
    query = parse_search_query(request.filter)
    newest_first = parse_search_order_by(request.order_by)
    size = page_size(request.page_size, default=25, maximum=100)
    full = request.view == VIEW.SEARCH_MESSAGES_VIEW_FULL
    bound = {"filter": request.filter, "order_by": request.order_by}
    cursor = call.page_cursor(request.page_token, bound)
    found, last = call.store.search.search(
        call.actor,
        query,
        newest_first=newest_first,
        cursor=tuple(cursor) if cursor is not None else None,
        limit=size,
        full_view=full,
        view=_full_result if full else _result,
    )
    token = call.next_page_token(bound, list(last) if last else None)
    response = wire_bytes.page(message_pb2.SearchMessagesResponse, token, found)
    return response


def _result(message: Message, read: bool | None, mute_setting: str) -> bytes:
    """A SearchMessageResult (its message is field 1) as field 1 of SearchMessagesResponse."""
    return codec.framed(codec.message_field(message))


def _full_result(message: Message, read: bool | None, mute_setting: str) -> bytes:
    """The full view's result: also whether the caller read the message and their mute setting of its space."""
    extra = message_pb2.SearchMessageResult(read=bool(read), space_mute_setting=mute_setting)
    return codec.framed(codec.message_field(message) + extra.SerializeToString())
