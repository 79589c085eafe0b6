"""Every ```python block of README.md and docs/*.md runs as written, or says in the Markdown why it does not.

Each block is accounted for by what stands on the line right before its fence:

- ``<!-- fragment: <reason> -->``: only a fragment (names defined elsewhere, or a call to Google itself); not run,
  listed with its reason by ``test_fragments_are_listed``.
- ``<!-- run by tests/<path>.py -->``: another test already runs this block (it must exist and name the page).
- nothing: the block is a complete program. It runs in a fresh interpreter, in an empty directory: the project's
  venv, or the oracle venv (``.venv-oracle``) when it imports Google's ``google.apps`` (never installed in .venv).
  Every block gets a live emulator holding the demo workspace of ``make run`` (users alice, bob, ...), at the
  addresses in ``CHAT_EMULATOR_HOST`` (gRPC) and ``CHAT_REST_URL`` / ``CHAT_EMULATOR_REST_URL`` (REST), with
  ``CHAT_EMULATOR_TOKEN=user:alice@example.com``: what docs/client.md tells a reader to export after ``make run``,
  so that ``ChatClient.from_environment()`` reaches it. Blocks that start their own ``ChatServer`` ignore it.
  A block that fails, unmarked, fails the suite.

  Blocks that construct clients for Google itself (``ChatClient()``, ``from_service_account_file("key.json")``)
  get real google-auth inputs: a service-account key made here (a fresh RSA key, never valid at Google) as
  ``key.json`` in their directory and as ``GOOGLE_APPLICATION_CREDENTIALS``. Constructing a client sends nothing;
  a block that called Google would fail (no network, no valid key).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chat_grpc.server import ChatServer
from chat_grpc.workspace.demo import seed_demo
from tests.oracle import oracle

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
FRAGMENT = re.compile(r"<!--\s*fragment:\s*(.+?)\s*-->")
RUN_BY = re.compile(r"<!--\s*run by\s+(tests/\S+\.py)\s*-->")


@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository
    line: int  # of the opening fence
    source: str
    marker: str  # the line before the fence

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def fragment(self) -> str | None:
        found = FRAGMENT.search(self.marker)
        return found.group(1) if found else None

    @property
    def run_by(self) -> str | None:
        found = RUN_BY.search(self.marker)
        return found.group(1) if found else None

    @property
    def needs_google_apps_chat(self) -> bool:
        return bool(re.search(r"^\s*(from google\.apps import|import google\.apps)", self.source, re.MULTILINE))


def python_blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group(1) != "python":
                continue
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(str(page.relative_to(ROOT)), line, match.group(2), before))
    return found


BLOCKS = python_blocks()
RUNNABLE = [b for b in BLOCKS if b.fragment is None and b.run_by is None]


def test_every_block_is_accounted_for() -> None:
    assert len(BLOCKS) >= 20, [b.id for b in BLOCKS]  # the collector still finds the pages' blocks
    for block in BLOCKS:
        marker = block.marker.strip()
        if marker.startswith("<!--"):
            assert block.fragment or block.run_by, f"{block.id}: unknown marker {marker!r}"
        if block.fragment is not None:
            assert len(block.fragment) >= 10, f"{block.id}: a fragment says why it does not run"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.run_by], ids=lambda b: b.id)
def test_delegated_blocks_are_run_elsewhere(block: Block) -> None:
    assert block.run_by is not None
    runner = ROOT / block.run_by
    assert runner.is_file(), f"{block.id}: {block.run_by} does not exist"
    assert Path(block.page).name in runner.read_text(encoding="utf-8"), f"{block.run_by} does not read {block.page}"


def test_fragments_are_listed() -> None:
    """The excluded blocks and their reasons (``pytest -s`` prints them)."""
    fragments = [(b.id, b.fragment) for b in BLOCKS if b.fragment]
    for where, why in fragments:
        print(f"fragment {where}: {why}")
    # Most blocks run: fragments stay the exception (a call to Google itself, a file of the reader's own).
    assert len(fragments) <= 2, fragments


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatServer]:
    """The demo workspace of `make run`, on real gRPC and REST listeners, with the control service."""
    with ChatServer(control=True) as chat:  # as `make run`: the control service on
        seed_demo(chat.store)
        yield chat


@pytest.fixture(scope="module")
def service_account_key() -> str:
    """A service-account key file's JSON, as the Cloud console downloads it, with a key made here."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "docs-example",
            "private_key_id": "0" * 40,
            "private_key": pem.decode(),
            "client_email": "docs@docs-example.iam.gserviceaccount.com",
            "client_id": "1" * 21,
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


def test_google_client_guide_is_linked_and_runs_google_apps_chat() -> None:
    guide = [b for b in RUNNABLE if b.page == "docs/google-client.md"]
    assert sum(b.needs_google_apps_chat for b in guide) == 3 and len(guide) == 5
    assert "docs/google-client.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_migration_guide_runs_each_task_three_ways_and_is_linked() -> None:
    guide = [b for b in BLOCKS if b.page == "docs/migrating.md"]
    assert guide and all(b in RUNNABLE for b in guide), "every block of the migration guide runs here"
    gapic = [b for b in guide if b.needs_google_apps_chat]
    discovery = [b for b in guide if "from googleapiclient" in b.source]
    ours = [b for b in guide if "from chat_grpc import" in b.source]
    assert len(gapic) == len(discovery) == len(ours) == 5 and len(guide) == 15
    # side by side: each task is google-apps-chat, googleapiclient, chat-grpc, in that order
    assert [b.line for b in guide] == sorted(b.line for b in gapic + discovery + ours)
    for task in range(5):
        assert guide[3 * task : 3 * task + 3] == [gapic[task], discovery[task], ours[task]]
    for page in ("README.md", "docs/client.md"):
        assert "migrating.md" in (ROOT / page).read_text(encoding="utf-8"), page


@pytest.mark.parametrize(
    "block",
    [pytest.param(b, marks=[pytest.mark.oracle] if b.needs_google_apps_chat else []) for b in RUNNABLE],
    ids=lambda b: b.id,
)
def test_block_runs_as_written(block: Block, emulator: ChatServer, service_account_key: str, tmp_path: Path) -> None:
    python = str(oracle.oracle_python()) if block.needs_google_apps_chat else sys.executable
    script = tmp_path / "snippet.py"
    script.write_text(block.source, encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(service_account_key, encoding="utf-8")
    env = {
        **os.environ,
        "CHAT_EMULATOR_HOST": emulator.address,
        "CHAT_REST_URL": emulator.rest_url,
        "CHAT_EMULATOR_REST_URL": emulator.rest_url,
        "CHAT_EMULATOR_TOKEN": "user:alice@example.com",
        "GOOGLE_APPLICATION_CREDENTIALS": str(key),
        "PYTHONPATH": "",
    }
    done = subprocess.run([python, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{block.id} failed:\n{done.stdout}\n{done.stderr}"
