"""The declared shape of workspace files: the published JSON Schema, and what it accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chat_grpc.fake.ids import IdGenerator
from chat_grpc.fake.store.model import PERMISSION_SETTINGS
from chat_grpc.server import ChatStore, ManualClock
from chat_grpc.server.__main__ import main
from chat_grpc.workspace import schema as workspace_schema
from chat_grpc.workspace.demo import demo_workspace
from chat_grpc.workspace.seed import SeedError, export_workspace, load_workspace

SHIPPED = Path(workspace_schema.__file__).with_name(workspace_schema.SCHEMA_FILE)


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_schema_is_the_generated_one() -> None:
    """Regenerate with: python -m chat_grpc.server schema > chat_grpc/workspace/workspace.schema.json"""
    assert SHIPPED.read_text(encoding="utf-8") == workspace_schema.json_schema_text()
    assert workspace_schema.shipped_schema_text() == workspace_schema.json_schema_text()  # and it ships


def test_the_schema_subcommand_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == workspace_schema.json_schema()


def test_the_demo_workspace_names_the_schema_and_follows_it() -> None:
    demo = demo_workspace()
    assert demo["$schema"] == workspace_schema.SCHEMA_FILE
    assert not list(_validator().iter_errors(demo))


def test_an_export_follows_the_schema() -> None:
    store = ChatStore(clock=ManualClock(), ids=IdGenerator(5))
    load_workspace(store, demo_workspace())
    assert not list(_validator().iter_errors(export_workspace(store)))


@pytest.mark.parametrize(
    "broken",
    [
        {"colour": "red"},
        {"users": [{"email": "a@example.com", "admin": "yes"}]},
        {"spaces": [{"display_name": "S", "type": "ROOM"}]},
        {"spaces": [{"display_name": "x" * 129}]},
        {"version": 2},
    ],
)
def test_what_the_loader_refuses_for_its_shape_the_schema_refuses(broken: dict[str, Any]) -> None:
    assert list(_validator().iter_errors(broken))
    with pytest.raises(SeedError):
        load_workspace(ChatStore(clock=ManualClock()), broken)


def test_the_schema_key_is_accepted() -> None:
    loaded = load_workspace(ChatStore(clock=ManualClock()), {"$schema": "anything", "users": [{"email": "a@b.c"}]})
    assert list(loaded.users) == ["a@b.c"]


def test_permission_settings_are_the_stores() -> None:
    assert tuple(workspace_schema.PermissionSettingsItem.model_fields) == PERMISSION_SETTINGS


def test_a_refused_value_is_reported_once_and_the_rest_still_checked() -> None:
    found, refused = workspace_schema.shape_problems(
        {"users": [{"email": "a@example.com", "admin": "yes"}, {"email": 5.5}], "spaces": "none"}
    )
    assert found == [
        "users[0].admin: must be true or false, got a string",
        "users[1].email: must be a string, got float",
        "spaces: must be a list, got a string",
    ]
    fixed = workspace_schema.repaired({"users": [{"email": "a@example.com", "admin": "yes"}]}, refused[:1])
    assert fixed == {"users": [{"email": "a@example.com"}]}


def test_a_list_of_the_wrong_type_is_worded_for_its_field() -> None:
    found, _ = workspace_schema.shape_problems(
        {"users": [{"email": "a@b", "blocked": "x", "sections": 5}], "spaces": [{"pins": {}, "former_members": 1}]}
    )
    assert found == [
        "users[0].blocked: must be a list of users, got a string",
        "users[0].sections: must be a list of sections, got a number",
        "spaces[0].former_members: must be a list of users and apps, got a number",
        "spaces[0].pins: must be a list of messages (ref, id or client id), got a mapping",
    ]
