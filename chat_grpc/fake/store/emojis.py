"""Custom emojis: state and rules (no gRPC).

A custom emoji belongs to the customer (organization) of the user who created it and is visible to every user
of that customer, never to other customers: to them it does not exist (NOT_FOUND). Its ``emoji_name``
(``:name:``) is unique within the customer. Only users reach custom emojis (the RPCs accept user
authentication only); an organization's administrator can turn custom emojis off, and then every custom emoji
RPC of its users answers FAILED_PRECONDITION. Custom emojis are not space resources: they record no space
events.

The uploaded image is really checked: its format is read from its bytes (PNG chunks and IHDR, the GIF logical
screen descriptor and blocks, the JPEG segments and SOF marker), so undecodable content, a size out of range or
a file name whose extension does not match the content is INVALID_ARGUMENT naming the request field.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chat_grpc.fake.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from chat_grpc.fake.store.book import StoreCore
from chat_grpc.fake.store.model import Actor, User, clone
from chat_grpc.fake.store.ordering import InsertionOrder

# ``:name:``: lowercase letters and digits in words separated by single hyphens or underscores.
EMOJI_NAME = re.compile(r"^:[a-z0-9]+(?:[-_][a-z0-9]+)*:$")
MAX_FILE_BYTES = 256 * 1024  # file_content must be smaller than this ("under 256 KB")
MIN_SIDE, MAX_SIDE = 64, 500  # pixels, each of width and height
EXTENSIONS = {".png": "PNG", ".jpg": "JPEG", ".gif": "GIF"}  # the reference's list, nothing else
IMAGE_URI = "https://custom-emoji.chat.invalid/{uid}?expires={expires}"
IMAGE_URI_LIFETIME = timedelta(hours=1)  # "valid for at least 10 minutes"

NAME_FIELD = "custom_emoji.emoji_name"
FILENAME_FIELD = "custom_emoji.payload.filename"
CONTENT_FIELD = "custom_emoji.payload.file_content"


@dataclass(slots=True)
class CustomEmoji:
    uid: str
    emoji_name: str  # ":name:"
    customer: str  # customers/{id}: the creator's organization
    creator_id: str  # the creating user's id
    filename: str
    file_content: bytes
    image_format: str  # PNG | JPEG | GIF
    width: int
    height: int
    create_time: datetime | None = None
    seq: int = 0  # creation order, for stable pagination

    @property
    def name(self) -> str:
        return f"customEmojis/{self.uid}"


# ------------------------------------------------------------------ images


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str  # PNG | JPEG | GIF
    width: int
    height: int


class UndecodableImage(ValueError):
    """The bytes are not an image of a supported format, or are damaged."""


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}  # color type -> depths
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_MAX_RAW_PNG = 1 << 24  # larger pixel data is not inflated: such an image is far beyond MAX_SIDE anyway
# JPEG start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC)
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length


def read_image(data: bytes) -> ImageInfo:
    """The format and size of a PNG, GIF or JPEG image, after checking that its structure is sound."""
    if data.startswith(PNG_SIGNATURE):
        return _png(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    raise UndecodableImage("is not a PNG, JPEG or GIF image")


def _png(data: bytes) -> ImageInfo:
    pos, header, idat, ended = len(PNG_SIGNATURE), b"", [], False
    while not ended:
        if pos + 12 > len(data):
            raise UndecodableImage("is a truncated PNG image (no IEND chunk)")
        length, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8]
        if not kind.isalpha():
            raise UndecodableImage(f"is a damaged PNG image (invalid chunk type {kind!r})")
        end = pos + 12 + length
        if length >= 1 << 31 or end > len(data):
            raise UndecodableImage(f"is a truncated PNG image (chunk {kind.decode()} runs past the end)")
        body = data[pos + 8 : pos + 8 + length]
        if zlib.crc32(kind + body) != int.from_bytes(data[end - 4 : end], "big"):
            raise UndecodableImage(f"is a damaged PNG image (bad CRC in chunk {kind.decode()})")
        if not header:
            if kind != b"IHDR" or length != 13:
                raise UndecodableImage("is a damaged PNG image (the first chunk is not IHDR)")
            header = body
        elif kind == b"IHDR":
            raise UndecodableImage("is a damaged PNG image (two IHDR chunks)")
        elif kind == b"IDAT":
            idat.append(body)
        ended = kind == b"IEND"
        pos = end
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, color, compression, filtering, interlace = header[8:13]
    if width == 0 or height == 0 or depth not in _PNG_DEPTHS.get(color, ()) or compression or filtering:
        raise UndecodableImage("is a damaged PNG image (invalid IHDR)")
    if interlace not in (0, 1):
        raise UndecodableImage("is a damaged PNG image (unknown interlace method)")
    if not idat:
        raise UndecodableImage("is a damaged PNG image (no IDAT chunk)")
    bits = depth * _PNG_CHANNELS[color]
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    expected = 0
    for x0, y0, dx, dy in passes:
        w, h = max(0, -(-(width - x0) // dx)), max(0, -(-(height - y0) // dy))
        if w and h:
            expected += h * (1 + (w * bits + 7) // 8)  # one filter byte per scanline
    if expected <= _MAX_RAW_PNG:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(b"".join(idat), expected + 1)
        except zlib.error as error:
            raise UndecodableImage("is a damaged PNG image (corrupt pixel data)") from error
        if len(raw) != expected or not inflater.eof:
            raise UndecodableImage("is a damaged PNG image (the pixel data does not match the image size)")
    return ImageInfo("PNG", width, height)


def _gif(data: bytes) -> ImageInfo:
    if len(data) < 13:
        raise UndecodableImage("is a truncated GIF image (no logical screen descriptor)")
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    packed = data[10]
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)  # global color table
    images = 0

    def skip_sub_blocks(at: int) -> int:
        while True:
            if at >= len(data):
                raise UndecodableImage("is a truncated GIF image")
            size = data[at]
            at += 1 + size
            if size == 0:
                return at

    while pos < len(data):
        introducer = data[pos]
        if introducer == 0x3B:  # trailer
            break
        if introducer == 0x21:  # extension: label, then data sub-blocks
            pos = skip_sub_blocks(pos + 2)
        elif introducer == 0x2C:  # image descriptor, local color table, LZW minimum code size, image data
            if pos + 11 > len(data):
                raise UndecodableImage("is a truncated GIF image")
            local = data[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            if pos >= len(data) or not 2 <= data[pos] <= 8:
                raise UndecodableImage("is a damaged GIF image (invalid LZW code size)")
            pos = skip_sub_blocks(pos + 1)
            images += 1
        else:
            raise UndecodableImage(f"is a damaged GIF image (unexpected block 0x{introducer:02x})")
    if pos > len(data) or not images:
        raise UndecodableImage("is a truncated GIF image (no image data)")
    return ImageInfo("GIF", width, height)


def _jpeg(data: bytes) -> ImageInfo:
    pos, size = 2, None
    while True:
        if pos >= len(data):
            raise UndecodableImage("is a truncated JPEG image (no frame header)")
        if data[pos] != 0xFF:
            raise UndecodableImage("is a damaged JPEG image (expected a marker)")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise UndecodableImage("is a truncated JPEG image")
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0xD8, 0xD9):
            raise UndecodableImage("is a damaged JPEG image (no image data before the end of the image)")
        if pos + 2 > len(data):
            raise UndecodableImage("is a truncated JPEG image")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > len(data):
            raise UndecodableImage("is a truncated JPEG image (a segment runs past the end)")
        if marker in _JPEG_SOF:
            components = data[pos + 7] if length >= 8 else 0
            if size is not None or components == 0 or length != 8 + 3 * components:
                raise UndecodableImage("is a damaged JPEG image (invalid frame header)")
            size = (int.from_bytes(data[pos + 5 : pos + 7], "big"), int.from_bytes(data[pos + 3 : pos + 5], "big"))
        elif marker == 0xDA:  # start of scan: the entropy-coded data follows
            if size is None:
                raise UndecodableImage("is a damaged JPEG image (no frame header before the scan)")
            if b"\xff\xd9" not in data[pos + length :]:
                raise UndecodableImage("is a truncated JPEG image (no end-of-image marker)")
            return ImageInfo("JPEG", *size)
        pos += length


def check_emoji_name(emoji_name: str, field: str = NAME_FIELD) -> None:
    if not emoji_name:
        raise InvalidArgument(f"{field} is required", field=field)
    if not EMOJI_NAME.match(emoji_name):
        raise InvalidArgument(
            f"{field} {emoji_name!r} is not a valid emoji name: it must start and end with a colon and contain"
            " only lowercase letters, digits, and single hyphens or underscores between words, e.g."
            " :valid-emoji-name:",
            field=field,
        )


def check_image(filename: str, content: bytes) -> ImageInfo:
    """The image of a new custom emoji, checked against the documented limits."""
    if not filename:
        raise InvalidArgument(f"{FILENAME_FIELD} is required", field=FILENAME_FIELD)
    extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
    wanted = EXTENSIONS.get(extension)
    if wanted is None:
        raise InvalidArgument(
            f"{FILENAME_FIELD} {filename!r} must end in one of {', '.join(EXTENSIONS)}", field=FILENAME_FIELD
        )
    if not content:
        raise InvalidArgument(f"{CONTENT_FIELD} is required", field=CONTENT_FIELD)
    if len(content) >= MAX_FILE_BYTES:
        raise InvalidArgument(
            f"{CONTENT_FIELD} is {len(content)} bytes; it must be under 256 KB ({MAX_FILE_BYTES} bytes)",
            field=CONTENT_FIELD,
        )
    try:
        info = read_image(content)
    except UndecodableImage as error:
        raise InvalidArgument(f"{CONTENT_FIELD} {error}", field=CONTENT_FIELD) from None
    if not (MIN_SIDE <= info.width <= MAX_SIDE and MIN_SIDE <= info.height <= MAX_SIDE):
        raise InvalidArgument(
            f"{CONTENT_FIELD} is a {info.width}x{info.height} image; width and height must be between"
            f" {MIN_SIDE} and {MAX_SIDE} pixels",
            field=CONTENT_FIELD,
        )
    if info.format != wanted:
        raise InvalidArgument(
            f"{FILENAME_FIELD} {filename!r} names a {wanted} file but {CONTENT_FIELD} is a {info.format} image",
            field=FILENAME_FIELD,
        )
    return info


# ------------------------------------------------------------------ state


@dataclass
class _Catalog:
    """The custom emojis of one customer."""

    by_uid: dict[str, CustomEmoji] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)  # emoji_name -> uid
    order: InsertionOrder = field(default_factory=InsertionOrder)  # emojis by seq, for paging

    def add(self, emoji: CustomEmoji) -> None:
        self.by_uid[emoji.uid] = emoji
        self.by_name[emoji.emoji_name] = emoji.uid
        self.order.append(emoji.seq, emoji.uid)

    def remove(self, emoji: CustomEmoji) -> None:
        del self.by_uid[emoji.uid]
        del self.by_name[emoji.emoji_name]
        self.order.compact(self.by_uid)

    def iter_from(self, after_seq: int) -> Iterator[CustomEmoji]:
        return self.order.after(after_seq, self.by_uid)


class CustomEmojiBook:
    """The custom emojis of every customer, and each customer's on/off switch (on by default)."""

    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._catalogs: dict[str, _Catalog] = {}
        self._disabled: set[str] = set()  # customers whose administrator turned custom emojis off
        self._next_seq = 1
        self.on_deleted: list[Callable[[CustomEmoji], object]] = []  # e.g. reactions that use the emoji

    # ------------------------------------------------------------------ administration and seeding

    def set_enabled(self, customer: str, enabled: bool = True) -> None:
        """What a customer's administrator does in the Admin console: turn custom emojis on or off."""
        with self._core.lock:
            if enabled:
                self._disabled.discard(customer)
            else:
                self._disabled.add(customer)

    def enabled(self, customer: str) -> bool:
        with self._core.lock:
            return customer not in self._disabled

    def set_manager(self, user_id: str, manager: bool = True) -> None:
        """Make a user an emoji manager (or not): emoji managers may delete any custom emoji of their customer."""
        with self._core.lock:
            self._core._users[user_id].can_manage_custom_emojis = manager

    def emojis(self, customer: str | None = None) -> list[CustomEmoji]:
        """Every custom emoji (of one customer), in creation order, with its image: for tests and tools."""
        with self._core.lock:
            found = [
                e for c, catalog in self._catalogs.items() if customer in (None, c) for e in catalog.by_uid.values()
            ]
            return [clone(e) for e in sorted(found, key=lambda e: e.seq)]

    # ------------------------------------------------------------------ helpers (lock held)

    def _user(self, actor: Actor) -> User:
        """The calling user as it is now; custom emojis exist only for users of a customer that allows them."""
        user = self._core.principal(actor.principal.id)
        if actor.is_app or not isinstance(user, User):
            raise PermissionDenied("custom emojis need user authentication", reason="APP_AUTH_NOT_SUPPORTED")
        if user.customer in self._disabled:
            raise FailedPrecondition(
                f"custom emojis are turned off for {user.customer}; its administrator must turn them on",
                reason="CUSTOM_EMOJIS_DISABLED",
            )
        return user

    def _find(self, customer: str, key: str, field: str) -> CustomEmoji:
        """By uid, or by ``:emoji-name:`` (the alias); NOT_FOUND outside the caller's customer."""
        catalog = self._catalogs.get(customer)
        uid = (catalog.by_name.get(key, "") if key.startswith(":") else key) if catalog else ""
        emoji = catalog.by_uid.get(uid) if catalog else None
        if emoji is None:
            raise NotFound(f"custom emoji customEmojis/{key} not found", field=field)
        return emoji

    # ------------------------------------------------------------------ operations

    def create(self, actor: Actor, emoji_name: str, filename: str, file_content: bytes) -> CustomEmoji:
        check_emoji_name(emoji_name)
        info = check_image(filename, file_content)
        core = self._core
        with core.lock:
            user = self._user(actor)
            catalog = self._catalogs.setdefault(user.customer, _Catalog())
            if emoji_name in catalog.by_name:
                raise AlreadyExists(
                    f"a custom emoji named {emoji_name} already exists in {user.customer}",
                    field=NAME_FIELD,
                    reason="EMOJI_NAME_TAKEN",
                )
            emoji = CustomEmoji(
                uid=core.ids.opaque_id(),
                emoji_name=emoji_name,
                customer=user.customer,
                creator_id=user.id,
                filename=filename,
                file_content=file_content,
                image_format=info.format,
                width=info.width,
                height=info.height,
                create_time=core.clock.now(),
                seq=self._next_seq,
            )
            self._next_seq += 1
            catalog.add(emoji)
            return clone(emoji)

    def get(self, actor: Actor, key: str, *, field: str = "name") -> CustomEmoji:
        """``key`` is the uid or the ``:emoji-name:`` alias."""
        with self._core.lock:
            user = self._user(actor)
            return clone(self._find(user.customer, key, field))

    def list(
        self, actor: Actor, accept: Callable[[CustomEmoji], bool], *, after: int, limit: int
    ) -> tuple[list[CustomEmoji], int | None]:
        """A page of the caller's customer's emojis in creation order after position ``after``, and the
        position to continue from (None on the last page)."""
        with self._core.lock:
            user = self._user(actor)
            catalog = self._catalogs.get(user.customer)
            page: list[CustomEmoji] = []
            for emoji in catalog.iter_from(after) if catalog else ():
                if not accept(emoji):
                    continue
                if len(page) == limit:
                    return page, page[-1].seq
                page.append(clone(emoji))
            return page, None

    def delete(self, actor: Actor, key: str, *, field: str = "name") -> CustomEmoji:
        """Creators delete their own emojis; emoji managers any emoji of their customer."""
        with self._core.lock:
            user = self._user(actor)
            emoji = self._find(user.customer, key, field)
            if emoji.creator_id != user.id and not user.can_manage_custom_emojis:
                raise PermissionDenied(
                    f"only its creator or an emoji manager may delete {emoji.name} ({emoji.emoji_name})",
                    reason="NOT_EMOJI_CREATOR",
                )
            self._catalogs[user.customer].remove(emoji)
            for hook in self.on_deleted:
                hook(clone(emoji))
            return clone(emoji)

    def temporary_image_uri(self, emoji: CustomEmoji) -> str:
        expires = self._core.clock.now() + IMAGE_URI_LIFETIME
        return IMAGE_URI.format(uid=emoji.uid, expires=int(expires.timestamp()))
