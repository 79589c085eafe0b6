"""Admin search and cleanup: alice, a Workspace administrator, finds the stale "Old ..." spaces she is not a member
of with SearchSpaces, looks inside with admin access, removes a member, deletes them, and the members' lists no
longer show them. Without admin rights (or without asking for admin access) none of this works."""

from __future__ import annotations

import pytest

from chat_grpc import InvalidArgument, NotFound, PermissionDenied
from tests.scenarios.conftest import ERIN, FRANK, GENERAL, OLD_IDEAS, OLD_PROJECT, Chat

ALL_SPACES = 'customer = "customers/my_customer" AND space_type = "SPACE"'


def test_admin_search_and_cleanup(chat: Chat) -> None:
    alice, bob = chat.user("alice@example.com"), chat.user("bob@example.com")
    erin, frank = chat.user("erin@example.com"), chat.user("frank@example.com")

    # Searching is for administrators using admin access.
    with pytest.raises(InvalidArgument):
        alice.search_spaces(query=ALL_SPACES)
    with pytest.raises(PermissionDenied) as not_admin:
        bob.search_spaces(query=ALL_SPACES, use_admin_access=True)
    assert not_admin.value.reason == "NOT_AN_ADMINISTRATOR"

    everything = alice.search_spaces(query=ALL_SPACES, use_admin_access=True, order_by="create_time ASC")
    assert [s.name for s in everything] == [GENERAL, OLD_PROJECT, OLD_IDEAS]
    stale = alice.search_spaces(
        query=ALL_SPACES + ' AND display_name:"old"',
        use_admin_access=True,
        order_by="membership_count.joined_direct_human_user_count DESC",
        page_size=1,
    )
    first_page = stale.response
    assert first_page.total_size == 2 and first_page.next_page_token
    assert [(s.display_name, s.membership_count.joined_direct_human_user_count) for s in stale] == [
        ("Old Project (archive)", 2),
        ("Old Ideas", 1),
    ]

    # alice is not a member: only admin access lets her in.
    with pytest.raises(NotFound):
        alice.get_space(name=OLD_PROJECT)
    assert alice.get_space(name=OLD_PROJECT, use_admin_access=True).display_name == "Old Project (archive)"
    members = alice.list_memberships(parent=OLD_PROJECT, use_admin_access=True, filter='member.type = "HUMAN"')
    assert [m.member.name for m in members] == [FRANK, ERIN]
    last_words = list(frank.list_messages(parent=OLD_PROJECT))
    assert [m.text for m in last_words] == ["Last update before we wind this down"]

    # Cleanup: erin is removed from the project, then both stale spaces go.
    removed = alice.delete_membership(
        name=f"{OLD_PROJECT}/members/{ERIN.removeprefix('users/')}", use_admin_access=True
    )
    assert removed.member.name == ERIN
    assert OLD_PROJECT not in [s.name for s in erin.list_spaces()]
    for space in (OLD_PROJECT, OLD_IDEAS):
        alice.delete_space(name=space, use_admin_access=True)
    with pytest.raises(NotFound):
        alice.get_space(name=OLD_IDEAS, use_admin_access=True)
    with pytest.raises(NotFound):
        frank.list_messages(parent=OLD_PROJECT)
    assert [s.name for s in alice.search_spaces(query=ALL_SPACES, use_admin_access=True)] == [GENERAL]
    assert [s.name for s in erin.list_spaces()] == [GENERAL]

    # Members cannot delete a space they do not manage.
    with pytest.raises(PermissionDenied):
        bob.delete_space(name=GENERAL)
