"""HTTP rules: each RPC's google.api.http equals the official REST transport's, and our rules produce the
paths of the REST client documented for an older cut of the API (told apart by full template)."""

from __future__ import annotations

import re

import pytest

from tests.oracle import descriptor_diff

# (REST method, verb, documented path) from the OpenAPI-generated SpacesApi docs of the spec.
REST_CLIENT_PATHS = [
    ("chat_spaces_complete_import", "post", "/v1/{name}:completeImport"),
    ("chat_spaces_create", "post", "/v1/spaces"),
    ("chat_spaces_find_direct_message", "get", "/v1/spaces:findDirectMessage"),
    ("chat_spaces_list", "get", "/v1/spaces"),
    ("chat_spaces_members_create", "post", "/v1/{parent}/members"),
    ("chat_spaces_members_list", "get", "/v1/{parent}/members"),
    ("chat_spaces_messages_attachments_get", "get", "/v1/{name}"),
    ("chat_spaces_messages_create", "post", "/v1/{parent}/messages"),
    ("chat_spaces_messages_list", "get", "/v1/{parent}/messages"),
    ("chat_spaces_messages_patch", "patch", "/v1/{name}"),
    ("chat_spaces_messages_reactions_create", "post", "/v1/{parent}/reactions"),
    ("chat_spaces_messages_reactions_delete", "delete", "/v1/{name}"),
    ("chat_spaces_messages_reactions_list", "get", "/v1/{parent}/reactions"),
    ("chat_spaces_messages_update", "put", "/v1/{name}"),
    ("chat_spaces_setup", "post", "/v1/spaces:setup"),
]
# The RPC behind each documented REST method (the generator collapsed the templates; we keep them apart).
REST_METHOD_RPC = {
    "chat_spaces_complete_import": "CompleteImportSpace", "chat_spaces_create": "CreateSpace",
    "chat_spaces_find_direct_message": "FindDirectMessage", "chat_spaces_list": "ListSpaces",
    "chat_spaces_members_create": "CreateMembership", "chat_spaces_members_list": "ListMemberships",
    "chat_spaces_messages_attachments_get": "GetAttachment", "chat_spaces_messages_create": "CreateMessage",
    "chat_spaces_messages_list": "ListMessages", "chat_spaces_messages_patch": "UpdateMessage",
    "chat_spaces_messages_reactions_create": "CreateReaction",
    "chat_spaces_messages_reactions_delete": "DeleteReaction",
    "chat_spaces_messages_reactions_list": "ListReactions", "chat_spaces_messages_update": "UpdateMessage",
    "chat_spaces_setup": "SetUpSpace",
}  # fmt: skip


def our_methods(descriptors):
    return {m.name: m for f in descriptors.file if f.package == "google.chat.v1" for s in f.service for m in s.method}


def test_every_rpc_has_googles_http_rules(our_descriptors, oracle_rpcs) -> None:
    methods = our_methods(our_descriptors)
    assert len(methods) == 52
    for name, method in methods.items():
        assert descriptor_diff.http_rules(method) == oracle_rpcs[name]["http"], name


def test_update_message_binds_put_and_patch(our_descriptors) -> None:
    rules = descriptor_diff.http_rules(our_methods(our_descriptors)["UpdateMessage"])
    assert [(r["method"], r["uri"], r["body"]) for r in rules] == [
        ("put", "/v1/{message.name=spaces/*/messages/*}", "message"),
        ("patch", "/v1/{message.name=spaces/*/messages/*}", "message"),
    ]


def collapse(template: str) -> str:
    """/v1/{message.name=spaces/*/messages/*} -> /v1/{name}: the form the REST client docs print."""
    return re.sub(r"\{(?:[a-z_]+\.)?([a-z_]+)(?:=[^}]*)?\}", r"{\1}", template)


@pytest.mark.parametrize(("rest_method", "verb", "path"), REST_CLIENT_PATHS, ids=[r[0] for r in REST_CLIENT_PATHS])
def test_rest_client_paths_come_from_our_rules(our_descriptors, rest_method, verb, path) -> None:
    rules = descriptor_diff.http_rules(our_methods(our_descriptors)[REST_METHOD_RPC[rest_method]])
    assert (verb, path) in [(r["method"], collapse(r["uri"])) for r in rules]


def test_collapsed_paths_are_told_apart_by_their_full_templates(our_descriptors) -> None:
    deletes = {
        name: rule["uri"]
        for name, method in our_methods(our_descriptors).items()
        for rule in descriptor_diff.http_rules(method)
        if rule["method"] == "delete" and collapse(rule["uri"]) == "/v1/{name}"
    }
    assert deletes["DeleteMessage"] == "/v1/{name=spaces/*/messages/*}"
    assert deletes["DeleteReaction"] == "/v1/{name=spaces/*/messages/*/reactions/*}"
    assert len(set(deletes.values())) == len(deletes)
