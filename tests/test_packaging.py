"""The distribution installs and imports cleanly: a built wheel in a fresh venv, and the editable install."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

USE_THE_STUBS = """
import chat_grpc
from google.apps.card.v1 import card_pb2
from google.chat.v1 import chat_service_pb2_grpc, message_pb2, space_pb2
from google.protobuf import json_format

message = message_pb2.Message(
    text="hello",
    space=space_pb2.Space(name="spaces/AAA"),
    cards_v2=[message_pb2.CardWithId(card_id="c1", card=card_pb2.Card(header=card_pb2.Card.CardHeader(title="t")))],
)
again = message_pb2.Message.FromString(message.SerializeToString())
assert again == message, again
assert hasattr(chat_service_pb2_grpc, "ChatServiceStub")
files = {f.name for f in chat_grpc.descriptor_set().file}
assert "google/chat/v1/chat_service.proto" in files
print(json_format.MessageToJson(again, indent=None))
print(message_pb2.__file__)
"""


def run(python: Path | str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", USE_THE_STUBS], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_and_imports_from_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "chat_grpc/__init__.py", "chat_grpc/py.typed",
        "google/chat/v1/message_pb2.py", "google/chat/v1/message_pb2.pyi", "google/chat/v1/chat_service_pb2_grpc.py",
        "google/chat/v1/chat_descriptor_set.binpb", "google/chat/v1/py.typed", "google/apps/card/v1/card_pb2.py",
        "chat_grpc/server/__init__.py", "chat_grpc/fake/store/store.py", "chat_grpc/fake/handlers/spaces.py",
        "chat_grpc/workspace/demo_workspace.json", "chat_grpc/doors/rest/app.py",
        "chat_grpc/doors/ui/static/index.html", "chat_grpc/doors/ui/static/app.js",
        "chat_grpc/doors/ui/static/style.css",
    ):  # fmt: skip
        assert expected in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)  # Apache-2.0, shipped with the wheel
    # google/, google/chat/, google/apps/ must stay namespace packages to merge with google.api & co.
    assert not {"google/__init__.py", "google/chat/__init__.py", "google/apps/__init__.py"} & names
    assert not [n for n in names if n.startswith(("tests/", "protos/", "buildscripts/"))]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    completed = run(python, elsewhere)
    assert completed.returncode == 0, completed.stderr
    assert '"text": "hello"' in completed.stdout
    assert str(env_dir) in completed.stdout  # imported from the installed wheel, not the checkout
    demo = subprocess.run(  # the emulator's demo workspace ships as package data and loads without PyYAML
        [str(python), "-c", "from chat_grpc.server import ChatStore; from chat_grpc.workspace.demo import seed_demo;"
         " print(sorted(seed_demo(ChatStore()).spaces))"],
        cwd=elsewhere, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert "'falcon'" in demo.stdout
    # the console script: the emulator after `pip install`, without knowing the module path
    emulator = subprocess.Popen(
        [str(env_dir / "bin" / "chat-grpc-emulator"), "--port", "0", "--demo"],
        cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert emulator.stdout is not None
        ready = emulator.stdout.readline()
        assert ready.startswith("chat-grpc emulator listening on 127.0.0.1:") and "(REST)" in ready, ready
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)


def test_editable_install_imports_from_outside_the_repo(tmp_path: Path) -> None:
    """make setup installs the project with `pip install -e .`; this interpreter is that install."""
    completed = run(sys.executable, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert str(ROOT / "generated") in completed.stdout
