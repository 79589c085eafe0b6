"""The REST door's media protocols, byte for byte: multipart bodies as googleapiclient (bare LF) and RFC 2046 (CRLF)
write them, resumable sessions (chunks, retransmitted chunks, status queries, unknown totals), the resumable
``Location`` header whatever the path held, and who may download."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from chat_grpc.doors.rest.media import _multipart
from chat_grpc.fake.store import User
from chat_grpc.server import ChatServer

TRICKY = b"\r\n--b\r\n\n\r" + bytes(range(256)) + b"\r\n"  # line breaks everywhere, ending with one


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


@pytest.fixture
def alice(chat: ChatServer) -> User:
    chat.reset()
    return chat.store.add_user("alice@example.com", "Alice")


@pytest.fixture
def http(chat: ChatServer, alice: User) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {chat.token_for(alice)}"}
    with httpx.Client(base_url=chat.rest_url, headers=headers, timeout=10) as client:
        yield client


def new_space(http: httpx.Client) -> str:
    made = http.post("/v1/spaces", json={"spaceType": "SPACE", "displayName": "Files"})
    assert made.status_code == 200, made.text
    return str(made.json()["name"])


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_multipart_keeps_every_byte(newline: bytes) -> None:
    body = newline.join(
        [
            b"preamble",
            b"--XyZ",
            b"Content-Type: application/json",
            b"",
            b'{"filename": "a.bin"}',
            b"--XyZ",
            b"Content-Type: image/png",
            b"",
            TRICKY,
            b"--XyZ--",
            b"",
        ]
    )
    metadata, media = _multipart(body, 'multipart/related; boundary="XyZ"')
    assert metadata == b'{"filename": "a.bin"}'
    assert media.data == TRICKY and media.content_type == "image/png"


def test_a_multipart_upload_round_trips(chat: ChatServer, http: httpx.Client) -> None:
    space = new_space(http)
    body = (
        b'--B\r\nContent-Type: application/json\r\n\r\n{"filename": "a.bin"}\r\n'
        b"--B\r\nContent-Type: image/png\r\n\r\n" + TRICKY + b"\r\n--B--\r\n"
    )
    uploaded = http.post(
        f"/upload/v1/{space}/attachments:upload",
        params={"uploadType": "multipart"},
        content=body,
        headers={"Content-Type": "multipart/related; boundary=B"},
    )
    assert uploaded.status_code == 200, uploaded.text
    name = uploaded.json()["attachmentDataRef"]["resourceName"]
    got = http.get(f"/v1/media/{name}", params={"alt": "media"})
    assert got.content == TRICKY and got.headers["content-type"] == "image/png"


def start(http: httpx.Client, space: str) -> str:
    started = http.post(
        f"/upload/v1/{space}/attachments:upload",
        params={"uploadType": "resumable"},
        json={"filename": "r.bin"},
        headers={"X-Upload-Content-Type": "application/pdf"},
    )
    assert started.status_code == 200, started.text
    return started.headers["location"]


def test_resumable_chunks_retransmissions_and_status_queries(http: httpx.Client) -> None:
    space = new_space(http)
    location = start(http, space)
    data = bytes(range(256)) * 40  # 10,240 bytes
    total = len(data)
    query = http.put(location, content=b"", headers={"Content-Range": f"bytes */{total}"})
    assert query.status_code == 308 and "range" not in query.headers  # nothing received yet
    first = http.put(location, content=data[:4096], headers={"Content-Range": f"bytes 0-4095/{total}"})
    assert first.status_code == 308 and first.headers["range"] == "bytes=0-4095"
    again = http.put(location, content=data[:4096], headers={"Content-Range": f"bytes 0-4095/{total}"})
    assert again.headers["range"] == "bytes=0-4095"  # sent again after a lost answer: replaces, not appends
    unknown = http.put(location, content=data[4096:8192], headers={"Content-Range": "bytes 4096-8191/*"})
    assert unknown.status_code == 308 and unknown.headers["range"] == "bytes=0-8191"  # total unknown: more to come
    gap = http.put(location, content=b"x", headers={"Content-Range": f"bytes 9000-9000/{total}"})
    assert gap.status_code == 400
    odd = http.put(location, content=b"", headers={"Content-Range": b"bytes \xb2-\xb3/" + b"9" * 5000})
    assert odd.status_code == 308 and odd.headers["range"] == "bytes=0-8191"  # not numbers: a status query, no 500
    last = http.put(location, content=data[8192:], headers={"Content-Range": f"bytes 8192-{total - 1}/{total}"})
    assert last.status_code == 200, last.text
    name = last.json()["attachmentDataRef"]["resourceName"]
    got = http.get(f"/v1/media/{name}", params={"alt": "media"})
    assert got.content == data and got.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize("parent", ["spaces/a%0D%0Ab", "spaces/%E2%98%83", "spaces/a%20b%3Fc"])
def test_the_resumable_location_is_re_encoded(http: httpx.Client, parent: str) -> None:
    location = start(http, parent)  # the space does not exist: that is found when the bytes arrive
    assert "\r" not in location and "\n" not in location and location.isascii()
    assert f"/upload/v1/{parent}/attachments:upload?" in location
    finished = http.put(location, content=b"x")  # the name is checked when the call is made: a JSON error, no 500
    assert finished.status_code == 400 and finished.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_downloads_only_from_a_space_the_caller_sees(chat: ChatServer, http: httpx.Client) -> None:
    space = new_space(http)
    body = b'--B\r\nContent-Type: application/json\r\n\r\n{"filename": "a.txt"}\r\n--B\r\n\r\nsecret\r\n--B--'
    uploaded = http.post(
        f"/upload/v1/{space}/attachments:upload",
        params={"uploadType": "multipart"},
        content=body,
        headers={"Content-Type": "multipart/related; boundary=B"},
    )
    assert uploaded.status_code == 200, uploaded.text
    name = uploaded.json()["attachmentDataRef"]["resourceName"]
    carol = chat.store.add_user("carol@example.com")
    answered = httpx.get(
        f"{chat.rest_url}/v1/media/{name}",
        params={"alt": "media"},
        headers={"Authorization": f"Bearer {chat.token_for(carol)}"},
    )
    assert answered.status_code == 404 and answered.json()["error"]["status"] == "NOT_FOUND"
    assert http.get(f"/v1/media/{name}", params={"alt": "media"}).content == b"secret"
