"""A seeded fuzzer for the gRPC door (issue 14): typed requests with random fields (unknown enum numbers
included) and raw mutated bytes, over every RPC of ChatService, against an emulator subprocess.

Asserts per call: no UNKNOWN or INTERNAL status, and an answer within the timeout (no hang). After the run:
the server still answers, its RSS grew less than the bound, and the store's invariants hold (read through
the API: every listed space answers GetSpace, its members list, its messages list and each answers GetMessage).

    python -m tests.server.fuzz_driver --requests 100000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import grpc
from google.chat.v1 import chat_service_pb2, chat_service_pb2_grpc, membership_pb2, message_pb2, space_pb2
from google.protobuf import descriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

ROOT = Path(__file__).resolve().parents[2]
SERVICE = chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"]
RPCS = [m.name for m in SERVICE.methods]
REQUEST = {m.name: GetMessageClass(m.input_type) for m in SERVICE.methods}
TOKENS = [
    "user:alice@example.com",
    "user:bob@example.com",
    "user:carol@example.com;scopes=chat.spaces.readonly",
    "app:{app}",
    "garbage",
    "user:nobody@example.com",
    "",
]
WORDS = ["spaces/", "spaces/AAAA", "users/me", "-", "*", "spaces/-/messages/", "é", "\x00", "📎", "a" * 300, ""]
BAD = (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _repeated(field: descriptor.FieldDescriptor) -> bool:
    is_repeated = getattr(field, "is_repeated", None)
    if is_repeated is not None:
        return bool(is_repeated() if callable(is_repeated) else is_repeated)
    return bool(field.label == field.LABEL_REPEATED)


class Generator:
    def __init__(self, rng: random.Random, names: list[str]) -> None:
        self.rng = rng
        self.names = names  # real resource names seen so far: fields point at them often

    def string(self) -> str:
        r = self.rng.random()
        if r < 0.4 and self.names:
            return self.rng.choice(self.names)
        if r < 0.7:
            return self.rng.choice(WORDS) + "".join(self.rng.choices("abcAZ09-_./é", k=self.rng.randint(0, 12)))
        return "".join(chr(self.rng.randint(1, 0x2FFF)) for _ in range(self.rng.randint(0, 40)))

    def value(self, field: descriptor.FieldDescriptor, depth: int) -> Any:
        t, rng = field.type, self.rng
        if t == field.TYPE_ENUM:
            numbers = [v.number for v in field.enum_type.values]
            return rng.choice(numbers) if rng.random() < 0.8 else rng.choice([-1, 99, 2**31 - 1, 7, 1000])
        if t in (field.TYPE_INT32, field.TYPE_SINT32, field.TYPE_SFIXED32):
            return rng.choice([0, 1, -1, 10, 1000, 2**31 - 1, -(2**31)])
        if t in (field.TYPE_INT64, field.TYPE_SINT64, field.TYPE_SFIXED64):
            return rng.choice([0, 1, -1, 2**63 - 1, -(2**63), 253402300800, -62135596801])
        if t in (field.TYPE_UINT32, field.TYPE_FIXED32):
            return rng.choice([0, 1, 2**32 - 1])
        if t in (field.TYPE_UINT64, field.TYPE_FIXED64):
            return rng.choice([0, 1, 2**64 - 1])
        if t == field.TYPE_BOOL:
            return rng.random() < 0.5
        if t in (field.TYPE_DOUBLE, field.TYPE_FLOAT):
            return rng.choice([0.0, -1.5, 1e308, float("inf"), float("nan")])
        if t == field.TYPE_STRING:
            return self.string()
        if t == field.TYPE_BYTES:
            return rng.randbytes(rng.randint(0, 64))
        raise AssertionError(t)

    def fill(self, message: Message, depth: int = 0) -> Message:
        rng = self.rng
        for field in message.DESCRIPTOR.fields:
            if rng.random() > (0.6 if depth == 0 else 0.35) or depth > 6:
                continue
            try:
                if field.type == field.TYPE_MESSAGE:
                    if field.message_type.GetOptions().map_entry:
                        continue
                    if _repeated(field):
                        for _ in range(rng.randint(0, 3)):
                            self.fill(getattr(message, field.name).add(), depth + 1)
                    else:
                        self.fill(getattr(message, field.name), depth + 1)
                        getattr(message, field.name).SetInParent()
                elif _repeated(field):
                    getattr(message, field.name).extend(self.value(field, depth) for _ in range(rng.randint(0, 3)))
                else:
                    setattr(message, field.name, self.value(field, depth))
            except (ValueError, TypeError):
                pass  # a value this field's type refuses on the client side (e.g. an enum number in a closed enum)
        return message

    def mutate(self, data: bytes) -> bytes:
        rng, out = self.rng, bytearray(data)
        for _ in range(rng.randint(1, 8)):
            op = rng.random()
            if op < 0.3 and out:
                out[rng.randrange(len(out))] = rng.randrange(256)
            elif op < 0.5:
                out[rng.randint(0, len(out)) : rng.randint(0, len(out))] = rng.randbytes(rng.randint(1, 8))
            elif op < 0.65 and out:
                del out[rng.randrange(len(out)) :]
            elif op < 0.8:
                out += rng.choice([b"\x0b", b"\x0f\xff", b"\x12\xff\xff\xff\xff\x0f", b"\x80" * 10, b"\x1a\x05ab"])
            else:
                out = bytearray(b"\x0a\x02" * rng.randint(1, 200)) + out  # deep nesting attempts
        return bytes(out)


def start_emulator(*flags: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chat_grpc.server",
            "--port",
            "0",
            "--no-rest",
            "--demo",
            "--journal-size",
            "1000",
            "--call-timeout",
            "10",
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("chat-grpc emulator listening on"):
        process.kill()
        raise RuntimeError(f"the emulator did not start: {line!r}")
    address = line.split()[4]
    demo = [process.stdout.readline() for _ in range(3)]
    app = next((w.strip("(),") for w in " ".join(demo).split() if w.startswith("(users/")), "(users/0)")
    import threading

    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process, address + "|" + app.removeprefix("(users/").rstrip(")")


def check_invariants(stub: chat_service_pb2_grpc.ChatServiceStub) -> int:
    """Read the workspace back through the API as alice: every listed resource answers."""
    meta = [("authorization", "Bearer user:alice@example.com")]
    seen, token = 0, ""
    while True:
        page = stub.ListSpaces(space_pb2.ListSpacesRequest(page_token=token, page_size=100), metadata=meta, timeout=10)
        for space in page.spaces:
            assert (
                stub.GetSpace(space_pb2.GetSpaceRequest(name=space.name), metadata=meta, timeout=10).name == space.name
            )
            stub.ListMemberships(membership_pb2.ListMembershipsRequest(parent=space.name), metadata=meta, timeout=10)
            messages = stub.ListMessages(
                message_pb2.ListMessagesRequest(parent=space.name, page_size=50), metadata=meta, timeout=10
            )
            for message in messages.messages:
                got = stub.GetMessage(message_pb2.GetMessageRequest(name=message.name), metadata=meta, timeout=10)
                assert got.name == message.name and got.thread.name.startswith(space.name)
            seen += 1
        token = page.next_page_token
        if not token:
            return seen


def run(requests: int, seed: int, rss_bound_kib: int, threads: int = 4, quiet: bool = False) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    process, target = start_emulator()
    address, app = target.split("|")
    try:
        channel = grpc.insecure_channel(address, options=[("grpc.max_send_message_length", -1)])
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        raw = {rpc: channel.unary_unary(f"/{SERVICE.full_name}/{rpc}") for rpc in RPCS}
        codes: Counter[str] = Counter()
        bad: list[str] = []
        rng = random.Random(seed)
        names: list[str] = []
        generator = Generator(rng, names)
        warmup = min(2000, requests // 10)
        rss_start = None
        started = time.monotonic()

        def one(rpc: str, data: bytes, token: str) -> tuple[str, str]:
            metadata = [("authorization", f"Bearer {token}")] if token else []
            try:
                answer = raw[rpc](data, metadata=metadata, timeout=15)
                return "OK", answer[:300].decode("latin-1")
            except grpc.RpcError as error:
                code = error.code()
                if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                    return "HANG", f"{rpc} {data[:40]!r}"
                return code.name, f"{rpc} {data[:60]!r}: {(error.details() or '')[:200]}"

        with ThreadPoolExecutor(threads) as pool:
            batch = 200
            for base in range(0, requests, batch):
                work = []
                for _ in range(min(batch, requests - base)):
                    rpc = rng.choice(RPCS)
                    message = generator.fill(REQUEST[rpc]())
                    try:
                        data = message.SerializeToString()
                    except Exception:
                        data = b""
                    if rng.random() < 0.5:
                        data = generator.mutate(data)
                    token = rng.choice(TOKENS).replace("{app}", app)
                    work.append(pool.submit(one, rpc, data, token))
                for future in work:
                    code, detail = future.result()
                    codes[code] += 1
                    if code in ("UNKNOWN", "INTERNAL", "HANG"):
                        bad.append(f"{code}: {detail}")
                    elif code == "OK":
                        for word in detail.split("\x12")[0:1]:
                            text = "".join(c for c in word if c.isprintable())
                            if "spaces/" in text:
                                names.append(text[text.index("spaces/") :][:60])
                                del names[:-200]
                done = base + batch
                if rss_start is None and done >= warmup:
                    rss_start = rss_kib(process.pid)
                if not quiet and done % 10000 == 0:
                    print(f"{done} requests, {dict(codes)}, RSS {rss_kib(process.pid)} KiB", flush=True)
        elapsed = time.monotonic() - started
        rss_end = rss_kib(process.pid)
        spaces = check_invariants(stub)
        channel.close()
        result = {
            "requests": requests,
            "seed": seed,
            "seconds": round(elapsed, 1),
            "codes": dict(codes.most_common()),
            "bad": bad[:20],
            "bad_count": len(bad),
            "rss_start_kib": rss_start,
            "rss_end_kib": rss_end,
            "rss_growth_kib": rss_end - (rss_start or rss_end),
            "spaces_checked": spaces,
            "alive": process.poll() is None,
        }
        assert result["alive"], "the emulator died"
        assert not bad, f"{len(bad)} bad answers, e.g. {bad[:5]}"
        assert result["rss_growth_kib"] < rss_bound_kib, f"RSS grew {result['rss_growth_kib']} KiB"
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rss-bound-kib", type=int, default=5 * 1024)
    args = parser.parse_args()
    result = run(args.requests, args.seed, args.rss_bound_kib)
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
