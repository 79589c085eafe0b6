"""The distribution installs and imports cleanly: the sdist and the wheel in fresh venvs, and the editable install.

One ``python -m build`` makes both artifacts, as a release would: the sdist from the checkout, then the wheel from
that sdist (so the wheel test also proves the sdist holds everything the wheel needs). Each is installed the way a
user installs it, with nothing borrowed from this checkout or its ``.venv``: a fresh venv, ``pip install`` with
dependency resolution from the configured index (and, for the sdist, pip's own isolated build with setuptools
fetched as pyproject.toml asks), then used from a directory outside the repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path
    seconds: float  # to build both


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The sdist, and the wheel built from it: one `python -m build` for the module's tests."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dist(sdist, wheel, time.monotonic() - started)


SDIST_HOLDS = (
    "LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "MANIFEST.in",
    # the contract, the generator and the last released wire contract (make generate / make breaking)
    "protos/google/chat/v1/chat_service.proto", "protos/google/chat/v1/message.proto",
    "protos/google/apps/card/v1/card.proto", "buildscripts/generate.py", "buildscripts/baseline.binpb",
    # the generated stubs (committed, not regenerated at install)
    "generated/google/chat/v1/message_pb2.py", "generated/google/chat/v1/message_pb2.pyi",
    "generated/google/chat/v1/chat_service_pb2_grpc.py", "generated/google/chat/v1/chat_descriptor_set.binpb",
    "generated/google/chat/v1/py.typed", "generated/google/apps/card/v1/card_pb2.py",
    # the package, its demo workspace and web UI
    "chat_grpc/__init__.py", "chat_grpc/py.typed", "chat_grpc/workspace/demo_workspace.json",
    "chat_grpc/doors/ui/static/index.html", "chat_grpc/doors/ui/static/app.js",
    "chat_grpc/doors/ui/static/style.css",
    # what README.md links to
    "docs/client.md", "docs/migrating.md", "docs/ui.png",
)  # fmt: skip

# One call through the installed client to the installed emulator, and its web UI page; prints what it saw.
CALL_THE_EMULATOR = """
import json, sys, urllib.request

import chat_grpc
from chat_grpc import ChatClient

address, rest_url = sys.argv[1], sys.argv[2]
with ChatClient.for_emulator(address, token="user:alice@example.com") as chat:
    spaces = sorted(space.display_name for space in chat.list_spaces())
with urllib.request.urlopen(rest_url + "/", timeout=30) as page:
    ui = page.read().decode()
print(json.dumps({"spaces": spaces, "client": chat_grpc.__file__, "ui": "<html" in ui.lower()}))
"""


@pytest.mark.slow
def test_sdist_holds_the_sources_and_installs_into_a_clean_venv(dist: Dist, tmp_path: Path) -> None:
    with tarfile.open(dist.sdist) as archive:
        names = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile() and "/" in m.name}
    missing = [name for name in SDIST_HOLDS if name not in names]
    assert not missing, missing
    protos = {n for n in names if n.startswith("protos/") and n.endswith(".proto")}
    assert protos == {str(p.relative_to(ROOT)) for p in (ROOT / "protos").rglob("*.proto")}
    generated = {n for n in names if n.startswith("generated/")}
    assert generated == {str(p.relative_to(ROOT)) for p in (ROOT / "generated").rglob("*") if p.is_file()
                         and "__pycache__" not in p.parts}  # fmt: skip
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n or n.endswith(".pyc")]

    # A user's `pip install chat_grpc-X.tar.gz`: pip builds the wheel in its own isolated environment
    # (setuptools as pyproject.toml asks) and resolves the dependencies; nothing comes from this checkout.
    env_dir = tmp_path / "venv"
    started = time.monotonic()
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(dist.sdist)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-4000:]
    install_seconds = time.monotonic() - started

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    completed = run(python, elsewhere)  # the stubs and the descriptor set
    assert completed.returncode == 0, completed.stderr
    assert str(env_dir) in completed.stdout

    emulator = subprocess.Popen(
        [str(env_dir / "bin" / "chat-grpc-emulator"), "--demo", "--port", "0"],
        cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert emulator.stdout is not None
        ready = emulator.stdout.readline()
        # "chat-grpc emulator listening on 127.0.0.1:P (gRPC) and http://127.0.0.1:Q (REST); web UI: ..."
        assert ready.startswith("chat-grpc emulator listening on 127.0.0.1:") and "(REST)" in ready, ready
        address, rest_url = ready.split()[4], ready.split()[7]
        call = subprocess.run(
            [str(python), "-c", CALL_THE_EMULATOR, address, rest_url],
            cwd=elsewhere, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert call.returncode == 0, call.stderr
        seen = json.loads(call.stdout)
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    assert "Project Falcon" in seen["spaces"], seen  # the demo workspace, through the installed client
    assert seen["client"].startswith(str(env_dir)), seen
    assert seen["ui"], "the web UI's page is served from the installed package"
    print(f"sdist + wheel built in {dist.seconds:.1f} s; fresh venv + pip install of the sdist {install_seconds:.1f} s")


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_and_imports_from_outside_the_repo(dist: Dist, tmp_path: Path) -> None:
    wheel = dist.wheel
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
