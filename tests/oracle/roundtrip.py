"""Runs INSIDE the oracle virtualenv: decode/encode messages with Google's own types.

Reads JSON lines from stdin and answers one JSON line each on stdout:
* {"type": T, "wire": base64}  -> {"json": <T parsed from the bytes, as protobuf JSON>}
* {"type": T, "json": {...}}   -> {"wire": base64 of T built from that JSON}
Unknown fields are dropped on the way to JSON, so a field we send that Google lacks shows up as a difference.
"""

import base64
import json
import sys

import google.apps.card_v1
import google.apps.chat_v1  # noqa: F401  (registers google.chat.v1)
from google.protobuf import descriptor_pool, json_format, message_factory


def message_class(name):
    return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(name))


def answer(request):
    cls = message_class(request["type"])
    if "wire" in request:
        message = cls.FromString(base64.b64decode(request["wire"]))
        return {"json": json_format.MessageToDict(message)}
    message = json_format.ParseDict(request["json"], cls())
    return {"wire": base64.b64encode(message.SerializeToString()).decode()}


for line in sys.stdin:
    sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
