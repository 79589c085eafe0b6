"""The demo workspace of ``make run``: a few people, a Chat app, a custom emoji, spaces of every kind and a short
conversation, described by the workspace file ``demo_workspace.json`` shipped in this package (JSON, so that
it loads without the optional PyYAML)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from chat_grpc.fake.store import App, ChatStore, Space, User
from chat_grpc.workspace.seed import Workspace, load_workspace

ALICE_ID, BOB_ID, CAROL_ID, DAVE_ID, APP_ID = (f"1000000000000000000{n:02d}" for n in range(1, 6))
DEMO_FILE = "demo_workspace.json"


@dataclass(frozen=True)
class DemoWorkspace:
    alice: User  # Workspace admin, manages the spaces she created
    bob: User
    carol: User  # auto-accept off: added to spaces, she is INVITED
    dave: User  # in another organization
    app: App
    spaces: dict[str, Space]  # falcon, announcements, partners, dm, group, bot_lab
    workspace: Workspace


def demo_workspace() -> dict[str, Any]:
    """The demo workspace file's mapping."""
    text = resources.files("chat_grpc.workspace").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def seed_demo(store: ChatStore) -> DemoWorkspace:
    return demo_from(load_workspace(store, demo_workspace()))


def demo_from(loaded: Workspace) -> DemoWorkspace:
    """The demo's handles from the loaded demo workspace file."""
    users = loaded.users
    return DemoWorkspace(
        alice=users["alice@example.com"],
        bob=users["bob@example.com"],
        carol=users["carol@example.com"],
        dave=users["dave@partner.example"],
        app=loaded.apps["Demo Bot"],
        spaces=loaded.spaces,
        workspace=loaded,
    )
