"""The custom emoji RPCs through the real gRPC channel: Create/Get/List/DeleteCustomEmoji.

Rules come from the reference (spec/004: the RPC descriptions and the CustomEmoji, CustomEmojiPayload,
CreateCustomEmojiRequest, GetCustomEmojiRequest, ListCustomEmojisRequest/Response and DeleteCustomEmojiRequest
field texts) and chat-api-facts §3, §4, §5 and §8. The images are built here, byte by byte, and are valid
(Pillow decodes every one of them); the broken ones are cut or altered copies.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.chat.v1 import reaction_pb2
from google.protobuf import empty_pb2

from chat_grpc.fake.store import Actor, AuthKind, User
from chat_grpc.fake.store.emojis import read_image
from chat_grpc.server import ChatServer
from tests.server.conftest import Caller, Workspace
from tests.server.rpc_details import assert_details

Code = grpc.StatusCode
RpcError = Callable[..., grpc.RpcError]
CustomEmoji = reaction_pb2.CustomEmoji
NAME, FILENAME, CONTENT = (
    "custom_emoji.emoji_name",
    "custom_emoji.payload.filename",
    "custom_emoji.payload.file_content",
)
LIMIT = 256 * 1024


# ------------------------------------------------------------------ images


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 64, height: int = 64, *, noise: bool = False, extra: bytes = b"") -> bytes:
    """An RGB PNG; ``noise`` makes the pixels incompressible, ``extra`` is an ancillary chunk's text."""
    rng = random.Random(width * 1000 + height)
    raw = b"".join(b"\x00" + (rng.randbytes(3 * width) if noise else bytes(3 * width)) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + (_chunk(b"tEXt", b"Comment\x00" + extra) if extra else b"")
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def png_of_size(total: int) -> bytes:
    """A valid 64x64 PNG of exactly ``total`` bytes, padded with a comment chunk."""
    base = len(png(extra=b"x"))
    return png(extra=b"x" * (total - base + 1))


def gif(width: int = 64, height: int = 64) -> bytes:
    """A two-color GIF89a; LZW with 3-bit codes and a clear code every two pixels, so the width never grows."""
    pixels, codes = width * height, []
    for i in range(0, pixels, 2):
        codes += [4, 1] + ([1] if i + 1 < pixels else [])
    codes.append(5)
    packed, acc, bits = bytearray(), 0, 0
    for code in codes:
        acc, bits = acc | code << bits, bits + 3
        while bits >= 8:
            packed.append(acc & 0xFF)
            acc, bits = acc >> 8, bits - 8
    if bits:
        packed.append(acc)
    blocks = b"".join(bytes([len(packed[i : i + 255])]) + packed[i : i + 255] for i in range(0, len(packed), 255))
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + b"\x02"
        + blocks
        + b"\x00\x3b"
    )


def jpeg(width: int = 64, height: int = 64) -> bytes:
    """A grey baseline JPEG whose 8x8 blocks are all flat: each is a DC difference of 0 and an end of block."""

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    huffman = bytes([1] + [0] * 15) + b"\x00"  # a single code, "0", for symbol 0
    bits = "00" * (-(-width // 8) * -(-height // 8))
    bits += "1" * (-len(bits) % 8)
    return (
        b"\xff\xd8"
        + segment(0xDB, b"\x00" + bytes([1] * 64))
        + segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + segment(0xC4, b"\x00" + huffman)
        + segment(0xC4, b"\x10" + huffman)
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + int(bits, 2).to_bytes(len(bits) // 8, "big")
        + b"\xff\xd9"
    )


IMAGES = {".png": png, ".gif": gif, ".jpg": jpeg}


# ------------------------------------------------------------------ builders and helpers


def emoji(emoji_name: str = ":party-parrot:", filename: str = "parrot.png", content: bytes | None = None) -> Any:
    return CustomEmoji(
        emoji_name=emoji_name,
        payload=CustomEmoji.CustomEmojiPayload(filename=filename, file_content=png() if content is None else content),
    )


def create(custom_emoji: Any = None) -> reaction_pb2.CreateCustomEmojiRequest:
    request = reaction_pb2.CreateCustomEmojiRequest()
    if custom_emoji is not None:
        request.custom_emoji.CopyFrom(custom_emoji)
    return request


def get(name: str) -> reaction_pb2.GetCustomEmojiRequest:
    return reaction_pb2.GetCustomEmojiRequest(name=name)


def delete(name: str) -> reaction_pb2.DeleteCustomEmojiRequest:
    return reaction_pb2.DeleteCustomEmojiRequest(name=name)


def listing(**fields: Any) -> reaction_pb2.ListCustomEmojisRequest:
    return reaction_pb2.ListCustomEmojisRequest(**fields)


def make(call: Caller, who: Any, emoji_name: str, **fields: Any) -> Any:
    return call("CreateCustomEmoji", create(emoji(emoji_name, **fields)), as_=who)


def seed(chat: ChatServer, who: User, *names: str) -> list[str]:
    """Create emojis straight in the store (fast, for big pages); returns their resource names."""
    actor = Actor(who, AuthKind.USER, frozenset({"chat.customemojis"}))
    book = chat.store.custom_emojis
    return [book.create(actor, name, "e.png", png()).name for name in names]


def all_pages(call: Caller, who: Any, **fields: Any) -> list[list[str]]:
    pages, token = [], ""
    while True:
        response = call("ListCustomEmojis", listing(page_token=token, **fields), as_=who)
        pages.append([e.emoji_name for e in response.custom_emojis])
        token = response.next_page_token
        if not token:
            return pages


def invalid(rpc_error: RpcError, rpc: str, request: Any, field: str, match: str = "", *, as_: Any) -> grpc.RpcError:
    error = rpc_error(Code.INVALID_ARGUMENT, rpc, request, as_=as_, match=match)
    assert_details(error, field=field)
    return error


# ------------------------------------------------------------------ the images themselves


@pytest.mark.parametrize(("extension", "size"), [(e, s) for e in IMAGES for s in [(64, 64), (500, 500), (65, 499)]])
def test_the_test_images_are_read_back_with_their_size(extension: str, size: tuple[int, int]) -> None:
    info = read_image(IMAGES[extension](*size))
    assert (info.width, info.height) == size
    assert info.format == {".png": "PNG", ".gif": "GIF", ".jpg": "JPEG"}[extension]


# ------------------------------------------------------------------ create


def test_create_returns_the_emoji_with_its_server_assigned_name(call: Caller, ws: Workspace) -> None:
    created = make(call, ws.alice, ":party-parrot:")
    assert created.uid
    assert created.name == f"customEmojis/{created.uid}"
    assert created.emoji_name == ":party-parrot:"
    assert created.temporary_image_uri == ""  # not populated in the create response
    assert not created.HasField("payload")  # input only


def test_output_only_fields_of_the_request_are_ignored(call: Caller, ws: Workspace) -> None:
    request = emoji(":mine:")
    request.name, request.uid, request.temporary_image_uri = "customEmojis/chosen", "chosen", "https://x"
    created = call("CreateCustomEmoji", create(request), as_=ws.alice)
    assert created.uid != "chosen"
    assert created.name == f"customEmojis/{created.uid}"
    assert created.temporary_image_uri == ""


@pytest.mark.parametrize("extension", sorted(IMAGES))
@pytest.mark.parametrize("size", [(64, 64), (500, 500), (64, 500), (500, 64), (128, 96)])
def test_png_gif_and_jpg_images_from_64_to_500_pixels_are_accepted(
    call: Caller, ws: Workspace, extension: str, size: tuple[int, int]
) -> None:
    content = IMAGES[extension](*size)
    created = make(call, ws.alice, ":ok:", filename=f"ok{extension}", content=content)
    assert created.emoji_name == ":ok:"


def test_the_store_keeps_the_image(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    content = gif(80, 90)
    created = make(call, ws.alice, ":kept:", filename="kept.gif", content=content)
    (stored,) = chat.store.custom_emojis.emojis(ws.alice.customer)
    assert (stored.uid, stored.file_content, stored.filename) == (created.uid, content, "kept.gif")
    assert (stored.image_format, stored.width, stored.height, stored.creator_id) == ("GIF", 80, 90, ws.alice.id)
    stored.file_content = b""  # a copy: the store is unchanged
    assert chat.store.custom_emojis.emojis()[0].file_content == content


def test_file_extensions_are_case_insensitive(call: Caller, ws: Workspace) -> None:
    assert make(call, ws.alice, ":upper:", filename="UPPER.PNG").emoji_name == ":upper:"
    assert make(call, ws.alice, ":photo:", filename="photo.JpG", content=jpeg()).emoji_name == ":photo:"


@pytest.mark.parametrize(
    "emoji_name", [":a:", ":7:", ":valid-emoji-name:", ":snake_case:", ":mixed-sep_ok:", ":x1-y2_z3:", ":100:"]
)
def test_valid_emoji_names(call: Caller, ws: Workspace, emoji_name: str) -> None:
    assert make(call, ws.alice, emoji_name).emoji_name == emoji_name


@pytest.mark.parametrize(
    "emoji_name",
    [
        "smile",  # no colons
        ":smile",
        "smile:",
        "::",  # empty
        ":Smile:",  # uppercase
        ":SMILE:",
        ":smi le:",  # space
        ":smile.face:",  # other punctuation
        ":émoji:",  # non-ASCII letter
        ":a--b:",  # consecutive separators
        ":a__b:",
        ":a-_b:",
        ":-a:",  # separators only between words
        ":a_:",
        "::smile::",
        ":sm:ile:",
    ],
)
def test_invalid_emoji_names_are_invalid_argument(rpc_error: RpcError, ws: Workspace, emoji_name: str) -> None:
    invalid(rpc_error, "CreateCustomEmoji", create(emoji(emoji_name)), NAME, "not a valid emoji name", as_=ws.alice)


def test_required_fields(rpc_error: RpcError, ws: Workspace) -> None:
    invalid(rpc_error, "CreateCustomEmoji", create(), "custom_emoji", "custom_emoji is required", as_=ws.alice)
    invalid(rpc_error, "CreateCustomEmoji", create(emoji("")), NAME, f"{NAME} is required", as_=ws.alice)
    no_payload = CustomEmoji(emoji_name=":x:")
    invalid(rpc_error, "CreateCustomEmoji", create(no_payload), "custom_emoji.payload", "is required", as_=ws.alice)
    no_name = emoji(":x:", filename="")
    invalid(rpc_error, "CreateCustomEmoji", create(no_name), FILENAME, f"{FILENAME} is required", as_=ws.alice)
    no_content = emoji(":x:", content=b"")
    invalid(rpc_error, "CreateCustomEmoji", create(no_content), CONTENT, f"{CONTENT} is required", as_=ws.alice)


@pytest.mark.parametrize("filename", ["parrot.jpeg", "parrot.bmp", "parrot.webp", "parrot.svg", "parrot", "png"])
def test_unsupported_file_extensions(rpc_error: RpcError, ws: Workspace, filename: str) -> None:
    request = create(emoji(":x:", filename=filename))
    invalid(rpc_error, "CreateCustomEmoji", request, FILENAME, ".png, .jpg, .gif", as_=ws.alice)


@pytest.mark.parametrize(
    ("filename", "content", "match"),
    [
        ("a.png", gif(), "names a PNG file but"),
        ("a.gif", jpeg(), "names a GIF file but"),
        ("a.jpg", png(), "names a JPEG file but"),
    ],
)
def test_the_extension_must_match_the_content(
    rpc_error: RpcError, ws: Workspace, filename: str, content: bytes, match: str
) -> None:
    invalid(rpc_error, "CreateCustomEmoji", create(emoji(":x:", filename, content)), FILENAME, match, as_=ws.alice)


@pytest.mark.parametrize("extension", sorted(IMAGES))
@pytest.mark.parametrize("size", [(63, 64), (64, 63), (501, 64), (64, 501), (16, 16), (1000, 100)])
def test_images_outside_64_to_500_pixels_are_rejected(
    rpc_error: RpcError, ws: Workspace, extension: str, size: tuple[int, int]
) -> None:
    request = create(emoji(":x:", f"x{extension}", IMAGES[extension](*size)))
    error = invalid(rpc_error, "CreateCustomEmoji", request, CONTENT, "between 64 and 500 pixels", as_=ws.alice)
    assert f"{size[0]}x{size[1]}" in error.details()


def test_content_must_be_under_256_kb(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    assert make(call, ws.alice, ":just-under:", content=png_of_size(LIMIT - 1)).emoji_name == ":just-under:"
    request = create(emoji(":at-limit:", content=png_of_size(LIMIT)))
    invalid(rpc_error, "CreateCustomEmoji", request, CONTENT, f"{LIMIT} bytes; it must be under 256 KB", as_=ws.alice)
    noisy = png(300, 300, noise=True)  # a real photo-like image, larger than the limit
    assert len(noisy) > LIMIT
    invalid(rpc_error, "CreateCustomEmoji", create(emoji(":big:", content=noisy)), CONTENT, "256 KB", as_=ws.alice)


def _damaged() -> list[tuple[str, str, bytes, str]]:
    p, g, j = png(), gif(), jpeg()
    ihdr = p[16:29]
    flipped = bytearray(p)
    flipped[20] ^= 1  # inside IHDR: the CRC no longer matches
    return [
        ("text", "a.png", b"definitely not an image", "is not a PNG, JPEG or GIF image"),
        ("png signature only", "a.png", p[:8], "truncated PNG"),
        ("png truncated", "a.png", p[:-20], "truncated PNG"),
        ("png bad crc", "a.png", bytes(flipped), "bad CRC"),
        (
            "png garbage pixels",
            "a.png",
            p[:8] + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"not zlib") + _chunk(b"IEND", b""),
            "corrupt pixel data",
        ),
        (
            "png too few pixels",
            "a.png",
            p[:8] + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 100)) + _chunk(b"IEND", b""),
            "does not match the image size",
        ),
        ("png without IDAT", "a.png", p[:8] + _chunk(b"IHDR", ihdr) + _chunk(b"IEND", b""), "no IDAT"),
        ("png IHDR not first", "a.png", p[:8] + _chunk(b"IEND", b""), "not IHDR"),
        ("gif header only", "a.gif", g[:13], "truncated GIF"),
        ("gif truncated", "a.gif", g[: len(g) // 2], "truncated GIF"),
        ("gif garbage block", "a.gif", g[:19] + b"\x99" + g[19:], "damaged GIF"),
        ("jpeg SOI only", "a.jpg", j[:2], "truncated JPEG"),
        ("jpeg truncated", "a.jpg", j[:60], "truncated JPEG"),
        ("jpeg without EOI", "a.jpg", j[:-2], "no end-of-image"),
        ("jpeg garbage after SOI", "a.jpg", j[:2] + b"garbage" + j[2:], "damaged JPEG"),
    ]


@pytest.mark.parametrize(("case", "filename", "content", "match"), _damaged(), ids=[c[0] for c in _damaged()])
def test_undecodable_content_is_invalid_argument(
    rpc_error: RpcError, ws: Workspace, case: str, filename: str, content: bytes, match: str
) -> None:
    request = create(emoji(":x:", filename, content))
    invalid(rpc_error, "CreateCustomEmoji", request, CONTENT, match, as_=ws.alice)


def test_emoji_names_are_unique_in_the_organization(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    first = make(call, ws.alice, ":taken:")
    error = rpc_error(Code.ALREADY_EXISTS, "CreateCustomEmoji", create(emoji(":taken:")), as_=ws.bob, match=":taken:")
    assert_details(error, reason="EMOJI_NAME_TAKEN")
    other = make(call, ws.dave, ":taken:")  # another organization has its own names
    assert other.uid != first.uid
    call("DeleteCustomEmoji", delete(first.name), as_=ws.alice)
    assert make(call, ws.bob, ":taken:").uid not in (first.uid, other.uid)  # a deleted emoji frees its name


def test_concurrent_creates_of_one_name_make_one_emoji(chat: ChatServer, ws: Workspace) -> None:
    def attempt(_: int) -> str:
        try:
            return seed(chat, ws.bob, ":race:")[0]
        except Exception as error:  # the domain error of the losers
            return type(error).__name__

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(16)))
    assert sum(r.startswith("customEmojis/") for r in results) == 1
    assert results.count("AlreadyExists") == 15


# ------------------------------------------------------------------ get


def test_get_by_uid_or_alias_answers_the_canonical_emoji_with_an_image_uri(call: Caller, ws: Workspace) -> None:
    created = make(call, ws.alice, ":party-parrot:")
    for name in (created.name, "customEmojis/:party-parrot:"):
        got = call("GetCustomEmoji", get(name), as_=ws.bob)  # everyone in the organization sees it
        assert (got.name, got.uid, got.emoji_name) == (created.name, created.uid, ":party-parrot:")
        assert got.temporary_image_uri.startswith("https://")
        assert created.uid in got.temporary_image_uri
        assert not got.HasField("payload")


@pytest.mark.parametrize("rpc", ["GetCustomEmoji", "DeleteCustomEmoji"])
def test_missing_emojis_are_not_found(call: Caller, rpc_error: RpcError, ws: Workspace, rpc: str) -> None:
    make(call, ws.alice, ":exists:")
    request = get if rpc == "GetCustomEmoji" else delete
    for name in ("customEmojis/nosuchuid", "customEmojis/:no-such-emoji:"):
        error = rpc_error(Code.NOT_FOUND, rpc, request(name), as_=ws.alice, match=name)
        assert_details(error)


@pytest.mark.parametrize("rpc", ["GetCustomEmoji", "DeleteCustomEmoji"])
@pytest.mark.parametrize(
    "name",
    ["", "emojis/x", "customEmojis", "customEmojis/", "customEmojis/a/b", "customEmojis/:Bad:", "customEmojis/:a"],
)
def test_malformed_names_are_invalid_argument(rpc_error: RpcError, ws: Workspace, rpc: str, name: str) -> None:
    request = get(name) if rpc == "GetCustomEmoji" else delete(name)
    invalid(rpc_error, rpc, request, "name", as_=ws.alice)


# ------------------------------------------------------------------ organizations


def test_other_organizations_never_see_the_emojis(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    ours = make(call, ws.alice, ":ours:")
    theirs = make(call, ws.dave, ":theirs:")
    for name in (ours.name, "customEmojis/:ours:"):
        rpc_error(Code.NOT_FOUND, "GetCustomEmoji", get(name), as_=ws.dave)
        rpc_error(Code.NOT_FOUND, "DeleteCustomEmoji", delete(name), as_=ws.dave)
    rpc_error(Code.NOT_FOUND, "GetCustomEmoji", get(theirs.name), as_=ws.bob)
    assert all_pages(call, ws.dave) == [[":theirs:"]]
    assert all_pages(call, ws.bob) == [[":ours:"]]
    assert call("GetCustomEmoji", get(ours.name), as_=ws.alice).uid == ours.uid  # still there


# ------------------------------------------------------------------ list


def test_list_answers_the_organization_emojis_in_creation_order(call: Caller, ws: Workspace) -> None:
    assert call("ListCustomEmojis", listing(), as_=ws.alice) == reaction_pb2.ListCustomEmojisResponse()
    names = [":one:", ":two:", ":three:"]
    made = [make(call, who, n) for who, n in zip((ws.alice, ws.bob, ws.erin), names, strict=True)]
    response = call("ListCustomEmojis", listing(), as_=ws.carol)
    assert [e.name for e in response.custom_emojis] == [m.name for m in made]
    assert [e.emoji_name for e in response.custom_emojis] == names
    assert all(e.temporary_image_uri and e.uid in e.temporary_image_uri for e in response.custom_emojis)
    assert response.next_page_token == ""


def test_filter_by_creator(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    for who, name in [(ws.alice, ":a1:"), (ws.bob, ":b1:"), (ws.alice, ":a2:"), (ws.erin, ":e1:")]:
        make(call, who, name)
    mine = call("ListCustomEmojis", listing(filter='creator("users/me")'), as_=ws.alice)
    assert [e.emoji_name for e in mine.custom_emojis] == [":a1:", ":a2:"]
    others = call("ListCustomEmojis", listing(filter='NOT creator("users/me")'), as_=ws.alice)
    assert [e.emoji_name for e in others.custom_emojis] == [":b1:", ":e1:"]
    assert call("ListCustomEmojis", listing(filter='creator("users/me")'), as_=ws.carol).custom_emojis == []
    for bad in ['creator("users/someone")', 'creator = "users/me"', "emoji_name = ':a1:'"]:
        invalid(rpc_error, "ListCustomEmojis", listing(filter=bad), "filter", as_=ws.alice)


def test_pages_of_three_cover_everything_once(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    names = [f":e{i}:" for i in range(8)]
    seed(chat, ws.alice, *names)
    assert all_pages(call, ws.bob, page_size=3) == [names[0:3], names[3:6], names[6:8]]
    mine = [f":m{i}:" for i in range(4)]
    seed(chat, ws.bob, *mine)
    pages = all_pages(call, ws.bob, page_size=3, filter='creator("users/me")')
    assert pages == [mine[0:3], mine[3:4]]
    assert all_pages(call, ws.bob, page_size=3, filter='NOT creator("users/me")') == [
        names[0:3],
        names[3:6],
        names[6:8],
    ]


def test_paging_is_stable_while_emojis_come_and_go(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    names = seed(chat, ws.alice, *[f":s{i}:" for i in range(6)])
    first = call("ListCustomEmojis", listing(page_size=2), as_=ws.alice)
    call("DeleteCustomEmoji", delete(names[2]), as_=ws.alice)  # the next page's first emoji
    call("DeleteCustomEmoji", delete(names[0]), as_=ws.alice)  # already seen
    make(call, ws.alice, ":late:")
    second = call("ListCustomEmojis", listing(page_size=2, page_token=first.next_page_token), as_=ws.alice)
    assert [e.emoji_name for e in second.custom_emojis] == [":s3:", ":s4:"]
    third = call("ListCustomEmojis", listing(page_size=2, page_token=second.next_page_token), as_=ws.alice)
    assert [e.emoji_name for e in third.custom_emojis] == [":s5:", ":late:"]
    assert third.next_page_token == ""


def test_page_size_default_25_and_maximum_200(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    seed(chat, ws.alice, *[f":p{i}:" for i in range(205)])
    default = call("ListCustomEmojis", listing(), as_=ws.alice)
    assert len(default.custom_emojis) == 25 and default.next_page_token
    capped = call("ListCustomEmojis", listing(page_size=1000), as_=ws.alice)
    assert len(capped.custom_emojis) == 200 and capped.next_page_token
    rest = call("ListCustomEmojis", listing(page_size=1000, page_token=capped.next_page_token), as_=ws.alice)
    assert [e.emoji_name for e in rest.custom_emojis] == [f":p{i}:" for i in range(200, 205)]
    assert rest.next_page_token == ""


def test_page_size_and_token_errors(call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace) -> None:
    seed(chat, ws.alice, ":a:", ":b:", ":c:")
    invalid(rpc_error, "ListCustomEmojis", listing(page_size=-1), "page_size", "negative", as_=ws.alice)
    token = call("ListCustomEmojis", listing(page_size=1), as_=ws.alice).next_page_token
    other_filter = listing(page_size=1, page_token=token, filter='creator("users/me")')
    invalid(rpc_error, "ListCustomEmojis", other_filter, "page_token", "different request", as_=ws.alice)
    tampered = listing(page_size=1, page_token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    invalid(rpc_error, "ListCustomEmojis", tampered, "page_token", "not a token this server issued", as_=ws.alice)
    # the same token with another page size is fine
    more = call("ListCustomEmojis", listing(page_size=5, page_token=token), as_=ws.alice)
    assert [e.emoji_name for e in more.custom_emojis] == [":b:", ":c:"]


# ------------------------------------------------------------------ delete


def test_creators_delete_their_emojis_by_uid_or_alias(call: Caller, rpc_error: RpcError, ws: Workspace) -> None:
    first, second = make(call, ws.bob, ":first:"), make(call, ws.bob, ":second:")
    assert call("DeleteCustomEmoji", delete(first.name), as_=ws.bob) == empty_pb2.Empty()
    assert call("DeleteCustomEmoji", delete("customEmojis/:second:"), as_=ws.bob) == empty_pb2.Empty()
    for gone in (first, second):
        rpc_error(Code.NOT_FOUND, "GetCustomEmoji", get(gone.name), as_=ws.bob)
        rpc_error(Code.NOT_FOUND, "DeleteCustomEmoji", delete(gone.name), as_=ws.bob)
    assert all_pages(call, ws.bob) == [[]]


def test_only_the_creator_or_an_emoji_manager_deletes(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace
) -> None:
    bobs = make(call, ws.bob, ":bobs:")
    for who in (ws.erin, ws.alice):  # a Workspace admin is not an emoji manager by being admin
        error = rpc_error(Code.PERMISSION_DENIED, "DeleteCustomEmoji", delete(bobs.name), as_=who, match="creator")
        assert_details(error, reason="NOT_EMOJI_CREATOR")
    chat.store.custom_emojis.set_manager(ws.erin.id)
    assert call("DeleteCustomEmoji", delete("customEmojis/:bobs:"), as_=ws.erin) == empty_pb2.Empty()
    rpc_error(Code.NOT_FOUND, "GetCustomEmoji", get(bobs.name), as_=ws.bob)
    daves = make(call, ws.dave, ":daves:")  # a manager manages their own organization's emojis only
    rpc_error(Code.NOT_FOUND, "DeleteCustomEmoji", delete(daves.name), as_=ws.erin)
    chat.store.custom_emojis.set_manager(ws.erin.id, False)
    erins_target = make(call, ws.bob, ":again:")
    rpc_error(Code.PERMISSION_DENIED, "DeleteCustomEmoji", delete(erins_target.name), as_=ws.erin)


# ------------------------------------------------------------------ the organization's switch


def test_custom_emojis_turned_off_by_the_administrator(
    call: Caller, chat: ChatServer, rpc_error: RpcError, ws: Workspace
) -> None:
    kept = make(call, ws.alice, ":kept:")
    book = chat.store.custom_emojis
    assert book.enabled(ws.alice.customer)
    book.set_enabled(ws.alice.customer, False)
    assert not book.enabled(ws.alice.customer)
    for rpc, request in [
        ("CreateCustomEmoji", create(emoji(":new:"))),
        ("GetCustomEmoji", get(kept.name)),
        ("ListCustomEmojis", listing()),
        ("DeleteCustomEmoji", delete(kept.name)),
    ]:
        error = rpc_error(Code.FAILED_PRECONDITION, rpc, request, as_=ws.alice, match="turned off")
        assert_details(error, reason="CUSTOM_EMOJIS_DISABLED")
    assert make(call, ws.dave, ":elsewhere:").emoji_name == ":elsewhere:"  # other organizations are unaffected
    # request validation comes first
    invalid(rpc_error, "CreateCustomEmoji", create(emoji("bad")), NAME, as_=ws.alice)
    book.set_enabled(ws.alice.customer)
    assert all_pages(call, ws.bob) == [[":kept:"]]  # the emojis were kept meanwhile


# ------------------------------------------------------------------ authentication and scopes


REQUESTS = {
    "CreateCustomEmoji": lambda: create(emoji(":x:")),
    "GetCustomEmoji": lambda: get("customEmojis/:x:"),
    "ListCustomEmojis": listing,
    "DeleteCustomEmoji": lambda: delete("customEmojis/:x:"),
}


@pytest.mark.parametrize("rpc", sorted(REQUESTS))
def test_app_authentication_is_not_supported(rpc_error: RpcError, ws: Workspace, rpc: str) -> None:
    error = rpc_error(Code.PERMISSION_DENIED, rpc, REQUESTS[rpc](), as_=ws.app, match="user authentication")
    assert_details(error, reason="APP_AUTH_NOT_SUPPORTED")


@pytest.mark.parametrize("rpc", sorted(REQUESTS))
def test_scopes(call: Caller, rpc_error: RpcError, ws: Workspace, rpc: str) -> None:
    make(call, ws.bob, ":x:")
    error = rpc_error(Code.PERMISSION_DENIED, rpc, REQUESTS[rpc](), as_=ws.bob, scopes=["chat.messages"])
    assert_details(error, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT")
    assert "https://www.googleapis.com/auth/chat.customemojis" in error.details()
    readonly = {"scopes": ["chat.customemojis.readonly"]}
    if rpc in ("GetCustomEmoji", "ListCustomEmojis"):
        assert call(rpc, REQUESTS[rpc](), as_=ws.bob, **readonly) is not None
    else:
        rpc_error(Code.PERMISSION_DENIED, rpc, REQUESTS[rpc](), as_=ws.bob, match="chat.customemojis", **readonly)


def test_custom_emojis_record_no_space_events(call: Caller, chat: ChatServer, ws: Workspace) -> None:
    before = len(chat.store.events())
    created = make(call, ws.alice, ":quiet:")
    call("DeleteCustomEmoji", delete(created.name), as_=ws.alice)
    assert len(chat.store.events()) == before
