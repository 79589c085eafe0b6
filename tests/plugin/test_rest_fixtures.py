"""The plugin's REST fixtures (``chat_rest_url``, ``chat_discovery_service``) as users meet them: generated test
files run by pytester, the plugin loaded through its entry point."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

IN_PROCESS = ("-p", "no:cacheprovider", "--strict-markers", "-W", "ignore::pytest.PytestAssertRewriteWarning")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_generated=source)
    return pytester.runpytest(*IN_PROCESS, *args)


def test_the_rest_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    for name in ("chat_rest_url", "chat_discovery_service"):
        assert any(line.startswith(name) for line in result.stdout.lines), name


def test_rest_url_and_discovery_service(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import httpx
        import pytest
        from googleapiclient.errors import HttpError


        def test_plain_http(chat_rest_url, chat_server, chat_users):
            assert chat_rest_url == chat_server.rest_url and chat_rest_url.startswith("http://127.0.0.1:")
            alice = chat_users.alice
            made = httpx.post(
                f"{chat_rest_url}/v1/spaces",
                headers={"authorization": f"Bearer {chat_server.token_for(alice)}"},
                json={"spaceType": "SPACE", "displayName": "Over REST"},
            )
            assert made.status_code == 200, made.text
            assert chat_server.journal.last("CreateSpace").face == "rest"


        def test_discovery_service(chat_discovery_service, chat_factory, chat_users):
            alice, bob = chat_users.alice, chat_users.bob
            space = chat_factory.space(alice, "Team", members=[bob])
            chat_factory.message(space, bob, "hello")
            chat = chat_discovery_service(alice)
            listed = chat.spaces().messages().list(parent=space.name).execute()
            assert [m["text"] for m in listed["messages"]] == ["hello"]
            posted = chat.spaces().messages().create(parent=space.name, body={"text": "hi bob"}).execute()
            assert posted["sender"]["name"] == alice.name
            readonly = chat_discovery_service(bob, scopes=["chat.messages.readonly"])
            with pytest.raises(HttpError) as denied:
                readonly.spaces().messages().create(parent=space.name, body={"text": "no"}).execute()
            assert denied.value.status_code == 403
            with pytest.raises(HttpError) as nobody:
                chat_discovery_service().spaces().list().execute()
            assert nobody.value.status_code == 401


        @pytest.mark.chat_server(id_seed=7)
        def test_a_server_of_its_own(chat_rest_url, chat_discovery_service, chat_users):
            chat = chat_discovery_service(chat_users.alice)
            made = chat.spaces().create(body={"spaceType": "SPACE", "displayName": "Own"}).execute()
            assert made["displayName"] == "Own"
            assert chat._baseUrl.startswith(chat_rest_url)
        """,
    )
    result.assert_outcomes(passed=3)


def test_a_missing_discovery_client_says_what_to_install(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import sys

        sys.modules["googleapiclient"] = None  # as if google-api-python-client were not installed
        sys.modules["googleapiclient.discovery"] = None
        """
    )
    result = run(
        pytester,
        """
        def test_needs_it(chat_discovery_service):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*chat_discovery_service needs*pip install google-api-python-client*"])
    assert "Traceback" not in result.stdout.str()
