"""The pytest plugin (chat_grpc.testing.pytest_plugin), exercised the way users meet it: generated test files run by
pytester in a fresh project, where pytest loads the plugin through the package's ``pytest11`` entry point."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]  # here, not in a conftest: pytest refuses pytest_plugins in non-root conftests


# In-process runs find chat_grpc already imported (by this session), too late for assertion rewriting.
IN_PROCESS = ("-p", "no:cacheprovider", "--strict-markers", "-W", "ignore::pytest.PytestAssertRewriteWarning")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_generated=source)
    return pytester.runpytest(*IN_PROCESS, *args)


def test_the_plugin_is_loaded_through_its_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.chat_server(*check_faults=True)*"])
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["chat_server*", "*chat_factory*", "*chat_client*"])
    # each fixture name appears, with its docstring
    for name in ("chat_server", "chat_factory", "chat_users", "chat_client", "async_chat_client", "chat_workspace"):
        assert any(line.startswith(name) for line in result.stdout.lines), name
    off = pytester.runpytest("-p", "no:chat_grpc", "--markers")  # the documented way to turn it off
    assert "chat_server" not in off.stdout.str()


def test_every_fixture_in_a_generated_test_file(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from google.chat.v1 import membership_pb2, message_pb2, reaction_pb2, space_pb2

        from chat_grpc import ChatClient, NotFound
        from chat_grpc.server import ChatServer
        from chat_grpc.fake.store import App, Group, User


        def test_factories_and_clients(chat_server, chat_factory, chat_users, chat_client):
            assert isinstance(chat_server, ChatServer)
            alice = chat_factory.user("alice@example.com", admin=True, display_name="Alice A.")
            assert isinstance(alice, User) and alice.is_admin and alice.display_name == "Alice A."
            anonymous = chat_factory.user()
            assert anonymous.email == "user1@example.com"
            bob, carol = chat_users.bob, chat_users["carol"]
            assert chat_users.bob is bob and bob.email == "bob@example.com"
            assert chat_users.admin.is_admin and not carol.is_admin
            bot = chat_factory.app("Helper Bot")
            assert isinstance(bot, App) and bot.name.startswith("users/")
            group = chat_factory.group("Engineers", members=[bob, "carol@example.com"])
            assert isinstance(group, Group) and group.member_ids == {bob.id, carol.id}

            space = chat_factory.space(alice, "Team", members=[bob, bot, group])
            assert isinstance(space, space_pb2.Space) and space.display_name == "Team"
            membership = chat_factory.membership(space, carol, role="ROLE_MANAGER")
            assert isinstance(membership, membership_pb2.Membership)
            assert membership.role == membership_pb2.Membership.ROLE_MANAGER
            first = chat_factory.message(space, bob, "Hello team")
            assert isinstance(first, message_pb2.Message) and first.sender.name == bob.name
            reply = chat_factory.message(space, alice, "Welcome!", thread=first)
            assert reply.thread.name == first.thread.name and reply.thread_reply
            keyed = chat_factory.message(space, bot, "Build green", thread_key="builds")
            again = chat_factory.message(space, bot, "Build red", thread_key="builds")
            assert again.thread.name == keyed.thread.name
            reaction = chat_factory.reaction(first, carol, "🎉")
            assert isinstance(reaction, reaction_pb2.Reaction) and reaction.user.name == carol.name
            dm = chat_factory.space(alice, members=[bob], space_type="DIRECT_MESSAGE")
            chat_factory.message(dm, alice, "Lunch?")  # a DM is listed from its first message on
            bot_dm = chat_factory.space(bob, members=[bot], space_type="DIRECT_MESSAGE")
            assert dm.space_type == space_pb2.Space.DIRECT_MESSAGE and bot_dm.single_user_bot_dm

            as_bob = chat_client(bob)
            assert isinstance(as_bob, ChatClient)
            assert [m.text for m in as_bob.list_messages(parent=space)] == [
                "Hello team", "Welcome!", "Build green", "Build red"
            ]
            assert as_bob.get_space(name=space.name).membership_count.joined_direct_human_user_count == 3
            summary = as_bob.get_message(name=first.name).emoji_reaction_summaries
            assert [(s.emoji.unicode, s.reaction_count) for s in summary] == [("🎉", 1)]
            as_bot = chat_client(bot)
            assert as_bot.get_space(name=space.name).name == space.name
            narrow = chat_client("bob@example.com", scopes=["chat.spaces.readonly"])
            assert [s.name for s in narrow.list_spaces()] == [space.name, dm.name]
            by_token = chat_client(token="user:carol@example.com")
            assert by_token.get_space(name=space.name).display_name == "Team"
            try:
                chat_client(anonymous).get_space(name=space.name)
            except NotFound:
                pass
            else:
                raise AssertionError("user1 is not a member")
            # The factories make no calls: the journal only holds what the clients sent.
            assert {c.method for c in chat_server.journal.calls()} == {
                "ListMessages", "GetSpace", "GetMessage", "ListSpaces"
            }
            # The builders of the RPCs added after the reference.
            pin = chat_factory.pin(first, carol)
            assert pin.message == first.name
            files = chat_factory.space(alice, "Files", members=[bob])
            ref = chat_factory.upload(files, bob, b"a,b;1,2", "data.csv", "text/csv")
            with_file = chat_client(bob).create_message(
                parent=files, message={"text": "data", "attachment": [{"attachment_data_ref": ref}]}
            )
            assert with_file.attachment[0].content_name == "data.csv"
            assert chat_server.store.attachment_media(ref.resource_name) == (b"a,b;1,2", "text/csv")
            many = chat_factory.messages(files, alice, (f"note {i}" for i in range(500)))
            assert len(many) == 500 and chat_client(bob).get_message(name=many[-1]).text == "note 499"
            work = chat_factory.section(bob, "Work", spaces=[files])
            assert [i.space for i in chat_client(bob).list_section_items(parent=work)] == [files.name]

        """,
    )
    result.assert_outcomes(passed=1)


def test_the_session_server_is_reset_between_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from datetime import timedelta

        import pytest

        from chat_grpc import Unauthenticated

        seen = []


        def test_first(chat_server, chat_factory, chat_client):
            seen.append((id(chat_server), chat_server.address))
            alice = chat_factory.user("alice@example.com")
            chat_factory.space(alice, "Team")
            token = chat_server.token_for(alice)
            seen.append(token)
            chat_client(alice).list_spaces()
            chat_server.faults.fail("GetSpace", times=None)
            chat_server.faults.take("GetSpace")  # fired once: an every-call rule is then used
            chat_server.clock.advance(timedelta(days=3))
            assert chat_server.journal.count() == 1


        def test_second(chat_server, chat_client):
            assert seen[0] == (id(chat_server), chat_server.address)  # the same server, still serving
            assert chat_server.store.users() == [] and chat_server.store.spaces() == []
            assert chat_server.journal.count() == 0
            assert chat_server.faults.pending() == [] and chat_server.faults.fired() == []
            assert not chat_server.clock.frozen
            alice = chat_server.store.add_user("alice@example.com")  # the email is free again
            with pytest.raises(Unauthenticated):  # tokens issued before the reset are gone
                chat_client(token=seen[1]).list_spaces()
            assert list(chat_client(alice).list_spaces()) == []
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_marker_configures_a_server_of_the_tests_own(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".json",
        workspace="""
        {"users": [{"email": "alice@example.com", "admin": true}, {"email": "bob@example.com"}],
         "apps": [{"display_name": "Helper Bot", "id": "200000000000000000001"}],
         "spaces": [{"ref": "launch", "display_name": "Launch",
                     "members": [{"user": "alice@example.com"}, {"user": "bob@example.com"}],
                     "messages": [{"ref": "kickoff", "sender": "alice@example.com", "text": "Kick-off"}]}]}
        """,
    )
    result = run(
        pytester,
        """
        from datetime import UTC, datetime, timedelta

        import pytest

        from chat_grpc.doors.grpc.control import ControlClient

        servers = []


        def test_shared(chat_server):
            servers.append(chat_server)


        @pytest.mark.chat_server(manual_clock=True, id_seed=7)
        def test_manual_clock_and_ids(chat_server, chat_factory):
            assert chat_server is not servers[0]
            assert chat_server.clock.frozen
            assert chat_server.clock.now() >= datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
            space = chat_factory.space(chat_factory.user("alice@example.com"), "Team")
            servers.append(space.name)


        @pytest.mark.chat_server(manual_clock=datetime(2030, 1, 1, tzinfo=UTC), id_seed=7)
        def test_same_seed_same_ids(chat_server, chat_factory):
            assert chat_server.clock.now().year == 2030
            space = chat_factory.space(chat_factory.user("alice@example.com"), "Team")
            assert space.name == servers[1]


        @pytest.mark.chat_server(seed_file="workspace.json")
        def test_seed_file(chat_server, chat_workspace, chat_client):
            assert chat_workspace.spaces["launch"].display_name == "Launch"
            kickoff = chat_workspace.messages["kickoff"]
            bob = chat_client(chat_workspace.users["bob@example.com"])
            assert [m.name for m in bob.list_messages(parent=chat_workspace.spaces["launch"].name)] == [kickoff.name]
            bot = chat_client(token="app:200000000000000000001")
            assert list(bot.list_spaces()) == []


        @pytest.mark.chat_server(default_principal="dana@example.com")
        def test_default_principal(chat_server, chat_factory, chat_client):
            dana = chat_server.store.user_by_email("dana@example.com")  # made for the marker
            chat_factory.space(dana, "Dana's")
            assert [s.display_name for s in chat_client().list_spaces()] == ["Dana's"]


        @pytest.mark.chat_server(control=True, journal_size=2)
        def test_control(chat_server, chat_client, chat_users):
            client = chat_client(chat_users.alice)
            for _ in range(3):
                client.list_spaces()
            with ControlClient(chat_server.address) as control:
                assert len(control.calls()) == 2
                control.advance_clock(60)
            assert chat_server.clock.frozen


        pytestmark = pytest.mark.chat_server(check_faults=True)  # module-level markers merge with the test's


        class TestClassLevel:
            pytestmark = pytest.mark.chat_server(manual_clock=True)

            @pytest.mark.chat_server(id_seed=1)
            def test_merged(self, chat_server):
                assert chat_server.clock.frozen  # from the class
        """,
    )
    result.assert_outcomes(passed=7)


def test_a_misspelt_marker_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.chat_server(manual_clok=True)
        def test_typo(chat_server):
            pass


        def test_workspace_without_seed_file(chat_workspace):
            pass
        """,
    )
    result.assert_outcomes(errors=2)
    assert "chat_workspace needs @pytest.mark.chat_server(seed_file='workspace.yaml')" in result.stdout.str()
    assert "test_typo: unknown @pytest.mark.chat_server option(s) ['manual_clok']; known: [" in result.stdout.str()
    assert "Traceback" not in result.stdout.str() and "def marker_options" not in result.stdout.str()


def test_unused_faults_fail_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import grpc
        import pytest


        def test_never_called(chat_server):
            chat_server.faults.fail("CreateMessage", grpc.StatusCode.UNAVAILABLE, times=2)
            chat_server.faults.delay("GetSpace", 0.5)


        def test_half_used(chat_server, chat_users, chat_client):
            chat_server.faults.fail("ListSpaces", "INTERNAL", times=2)
            with pytest.raises(Exception):
                chat_client(chat_users.alice, retry=None).list_spaces()


        def test_every_call_never_fired(chat_server):
            chat_server.faults.fail("*", "UNAVAILABLE", times=None)


        def test_used_up(chat_server, chat_users, chat_client):
            chat_server.faults.fail("ListSpaces", "UNAVAILABLE", times=2)
            chat_client(chat_users.alice).list_spaces()  # retried twice, then answered


        @pytest.mark.chat_server(check_faults=False)
        def test_opted_out(chat_server):
            chat_server.faults.fail("CreateMessage")


        def test_cleared(chat_server):
            chat_server.faults.fail("CreateMessage")
            chat_server.faults.clear()


        def test_failing_test_is_not_reported_twice(chat_server):
            chat_server.faults.fail("CreateMessage")
            assert False, "the test's own failure"
        """,
    )
    result.assert_outcomes(passed=6, errors=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_never_called*",
            "chat_server: 2 injected faults were not used up:",
            "  - fail CreateMessage UNAVAILABLE (armed for 2 calls): fired 0 times",
            "  - delay GetSpace 0.5s (armed for 1 call): fired 0 times",
            "Make the calls the test meant to fail, call chat_server.faults.clear(), or opt out with"
            " @pytest.mark.chat_server(check_faults=False).",
            "*ERROR at teardown of test_half_used*",
            "  - fail ListSpaces INTERNAL (armed for 2 calls): fired 1 time",
            "*ERROR at teardown of test_every_call_never_fired*",
            "  - fail * UNAVAILABLE (armed for every call): fired 0 times",
        ]
    )
    assert "ERROR at teardown of test_failing_test_is_not_reported_twice" not in result.stdout.str()


def test_the_async_client(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import asyncio

        from chat_grpc import AsyncChatClient, PermissionDenied

        left_open = []


        def test_async_client(chat_factory, chat_users, async_chat_client, chat_server):
            alice, bob = chat_users.alice, chat_users.bob
            space = chat_factory.space(alice, "Team", members=[bob])
            chat_factory.message(space, alice, "Hi Bob")

            async def main():
                client = async_chat_client(bob)
                assert isinstance(client, AsyncChatClient)
                texts = [m.text async for m in await client.list_messages(parent=space)]
                sent = await client.create_message(parent=space, message={"text": "Hi Alice"})
                readonly = async_chat_client(bob, scopes=["chat.messages.readonly"])
                try:
                    await readonly.create_message(parent=space, message={"text": "nope"})
                except PermissionDenied as error:
                    assert error.reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
                async with async_chat_client(alice) as mine:  # also a context manager
                    await mine.get_message(name=sent.name)
                left_open.append(client)  # not closed here: the fixture closes it at teardown
                return texts

            assert asyncio.run(main()) == ["Hi Bob"]
            assert chat_server.journal.count("CreateMessage") == 2


        def test_clients_of_a_still_open_loop_are_closed_in_it(async_chat_client, chat_users):
            loop = asyncio.new_event_loop()
            try:
                async def main():
                    return await async_chat_client(chat_users.alice).list_spaces()
                loop.run_until_complete(main())
            finally:
                left_open.append(loop)  # closed after the fixture's teardown, by the next test


        def test_cleanup():
            left_open[-1].close()
        """,
    )
    result.assert_outcomes(passed=3)
    assert "Unclosed" not in result.stdout.str() + result.stderr.str()
