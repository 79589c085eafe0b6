"""UploadAttachment: the bytes arrive through a media upload door (the REST face's
``POST /upload/v1/{parent}/attachments:upload``) as ``call.media``; over gRPC there are none."""

from __future__ import annotations

from google.chat.v1 import attachment_pb2

from chat_grpc.fake.errors import InvalidArgument
from chat_grpc.fake.names import max_length, require, space_id
from chat_grpc.fake.rpc import Call, handler

UPLOAD_ENDPOINT = "POST /upload/v1/{parent}/attachments:upload"


@handler("UploadAttachment")
def upload_attachment(
    call: Call, request: attachment_pb2.UploadAttachmentRequest
) -> attachment_pb2.UploadAttachmentResponse:
    space = space_id(request.parent, "parent")
    require(request.filename.strip(), "filename")
    max_length(request.filename, 255, "filename")
    if call.media is None:
        raise InvalidArgument(
            "UploadAttachment carries no file bytes: upload them through the media upload endpoint"
            f" {UPLOAD_ENDPOINT} (the REST face), with the file as the request body",
            field="media",
        )
    resource, token = call.store.messages.upload_attachment(
        call.actor, space, request.filename, call.media.data, call.media.content_type or "application/octet-stream"
    )
    response = attachment_pb2.UploadAttachmentResponse()
    response.attachment_data_ref.resource_name = resource
    response.attachment_data_ref.attachment_upload_token = token
    return response
