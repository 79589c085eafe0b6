"""What README.md promises users who run mypy on their own code: with ``types-protobuf`` and ``types-grpcio``
installed next to chat-grpc, ``mypy --strict`` sees precise types through the client, the generated messages,
protobuf's well-known types and grpc, and catches a mistake.

mypy runs on a user's script in an empty directory, with its own configuration (not the project's). The
project's .venv has both stub packages (the dev extra); chat_grpc and the stubs are found on ``MYPYPATH`` at
``src/`` and ``generated/``, laid out as a wheel installs them (a static checker cannot see through the editable
install's import hook). Without the two stub packages, mypy --strict stops at ``import grpc`` / ``from
google.protobuf import ...`` ("Library stubs not installed") and, where the user imports neither, silently
types ``error.code``, ``message.create_time`` and ``chat.channel`` as ``Any`` (checked by hand in a fresh venv
with the wheel and mypy alone; not repeated here, since it would need a venv without the dev extra).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

USER_CODE = """\
import datetime

import grpc
from google.chat.v1 import message_pb2
from google.protobuf import timestamp_pb2

from chat_grpc import ChatClient, NotFound


def post(chat: ChatClient, space: str, text: str) -> message_pb2.Message:
    message = chat.create_message(parent=space, message={"text": text})
    reveal_type(message)
    return message


def count(chat: ChatClient, space: str) -> int:
    pager = chat.list_messages(parent=space, page_size=10)
    reveal_type(pager)
    try:
        return sum(1 for _ in pager)
    except NotFound as error:
        reveal_type(error.code)
        return 0


def when(message: message_pb2.Message) -> datetime.datetime:
    stamp: timestamp_pb2.Timestamp = message.create_time
    return stamp.ToDatetime()


def channel(chat: ChatClient) -> grpc.Channel:
    reveal_type(chat.channel)
    return chat.channel


def mistake(message: message_pb2.Message) -> int:
    return message.text
"""


def test_mypy_strict_on_user_code_with_the_stub_packages(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(USER_CODE, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n", encoding="utf-8")
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT), str(ROOT / "generated")])}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--no-incremental", "app.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = [line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("app.py:")]
    assert lines == [
        'note: Revealed type is "google.chat.v1.message_pb2.Message"',
        'note: Revealed type is "chat_grpc.client.pagers.Pager[google.chat.v1.message_pb2.Message,'
        ' google.chat.v1.message_pb2.ListMessagesResponse]"',
        'note: Revealed type is "grpc.StatusCode"',
        'note: Revealed type is "grpc.Channel"',
        'error: Incompatible return value type (got "str", expected "int")  [return-value]',
    ], done.stdout + done.stderr
    assert done.returncode == 1  # the one mistake, and nothing else
