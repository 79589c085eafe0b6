"""The emulator's web UI in a real browser: Debian's headless Chromium driven by Playwright (the system browser,
never a downloaded one). The demo workspace is loaded; every space, member, message, thread and card widget of
it must appear with its text; a message created through the API must appear within 2 s; user text must never
run as HTML. Screenshots are saved under build/ui/ for review (``make screenshots`` copies one to docs/ui.png).

The Makefile installs ``chromium`` (apt-get) before the tests; where it is missing, these tests are skipped
with a loud reason (and ``make test`` says so), never silently.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.apps.card.v1 import card_pb2
from google.chat.v1 import chat_service_pb2_grpc, message_pb2, space_pb2
from google.protobuf import json_format

from chat_grpc.server import ChatServer, ManualClock
from chat_grpc.workspace.demo import demo_workspace
from chat_grpc.workspace.seed import Workspace, load_workspace

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "ui"
CHROMIUM = os.environ.get("CHAT_UI_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
VIEWPORT = {"width": 1440, "height": 960}

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="BROWSER TESTS SKIPPED: playwright is not installed (make setup installs it)"
)
if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
    pytest.skip(
        f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (make test installs Debian's chromium with apt-get)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[ChatServer, Workspace]]:
    with ChatServer(clock=ManualClock(NOW), seed=17, control=True) as chat:
        yield chat, load_workspace(chat.store, demo_workspace())


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, demo: tuple[ChatServer, Workspace]) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert not [e for e in errors if "Failed to load resource" not in e], errors  # no script error on the page


def open_space(page: Any, chat: ChatServer, space_name: str) -> None:
    page.goto(f"{chat.ui_url}#/{space_name}")
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    page.wait_for_selector(f".space-item.selected[data-space='{space_name}']", timeout=5_000)
    page.wait_for_selector(f".messages[data-space='{space_name}']", timeout=5_000)


def shot(page: Any, name: str, *, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def words(text: str) -> list[str]:
    """The words of a message as a reader sees them: markup and mention syntax removed."""
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<users/[^>]+>", " ", text)
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9.'#-]*[A-Za-z0-9]|[A-Za-z0-9]", text)


def widget_texts(kind: str, spec: dict[str, Any]) -> list[str]:
    """The strings a reader must see for a widget (labels, texts, titles), markup removed."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in ("onClick", "name", "value", "id", "imageUrl", "imageUri", "function", "url"):
                    walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and key in ("text", "label", "title", "subtitle", "topLabel", "bottomLabel"):
            found.append(re.sub(r"<[^>]+>", "", value))

    walk(spec)
    return found


def test_every_space_member_message_thread_and_card_widget_of_the_demo_appears(
    page: Any, demo: tuple[ChatServer, Workspace]
) -> None:
    chat, ws = demo
    store = chat.store
    people = {u.name: u.display_name for u in store.users()} | {a.name: a.display_name for a in store.apps()}
    page.goto(chat.ui_url)
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    listed = page.locator(".space-item")
    assert listed.count() == len(store.spaces())
    widgets_seen: set[str] = set()
    for space in store.spaces():
        item = page.locator(f".space-item[data-space='{space.name}']")
        assert item.count() == 1, space.name
        members = [m for m in store.memberships(space.id) if m.delete_time is None]
        joined = sum(1 for m in members if m.state == "JOINED")
        meta = item.locator(".space-meta").inner_text()
        assert (
            f"{joined} member" in meta
            and {"SPACE": "Space", "GROUP_CHAT": "Group chat"}.get(space.space_type, "Direct message") in meta
        )
        if space.display_name:
            assert item.locator(".space-name").inner_text() == space.display_name
        item.click()
        page.wait_for_selector(f".space-item.selected[data-space='{space.name}']", timeout=5_000)
        page.wait_for_selector(f".messages[data-space='{space.name}']", timeout=5_000)
        threads = {m.thread_id for m in store.messages.all(space.id)}
        assert page.locator(".thread").count() == len(threads)
        header = page.locator("#space-header")
        for membership in members:
            chip = header.locator(f".member[data-member='{membership.member_name}']")
            assert chip.count() == 1
            text = chip.inner_text()
            assert people[membership.member_name] in text
            if membership.role == "ROLE_MANAGER":
                assert "manager" in text
            if membership.state == "INVITED":
                assert "invited" in text
        for message in store.messages.all(space.id):
            thread = page.locator(f".thread[data-thread='{message.thread_name}']")
            assert thread.count() == 1, message.thread_name
            article = thread.locator(f".message[data-message='{message.name}']")
            assert article.count() == 1, message.name
            shown = article.inner_text()
            assert people[message.sender_name] in shown
            if message.delete_time is not None:
                assert "Message deleted by its author" in shown
                continue
            for word in words(message.formatted_text or message.text):
                assert word in shown, (word, message.name, shown)
            if message.last_update_time is not None:
                assert "(edited)" in shown
            for mention in message.mentions:
                assert article.locator(".mention", has_text=people[f"users/{mention.user_id}"]).count() == 1
            for attachment in message.attachments:
                assert attachment.content_name in article.locator(".attachments").inner_text()
            for key, count in (message.reaction_counts or {}).items():
                if key.startswith("u:"):
                    pill = article.locator(".reaction", has_text=key[2:])
                    assert pill.locator(".reaction-count").inner_text() == str(count)
                else:
                    assert article.locator(".reaction img.custom-emoji").count() == 1
            if message.thread_reply:
                assert article.locator("xpath=ancestor::div[contains(@class,'replies')]").count() == 1
            for index, (card_id, raw) in enumerate(message.cards_v2):
                card = json_format.MessageToDict(card_pb2.Card.FromString(raw))
                node = article.locator(".card").nth(index)
                assert node.get_attribute("data-card-id") == card_id
                for details in node.locator("details").all():
                    details.evaluate("d => { d.open = true; }")
                text = node.inner_text()
                if "header" in card:
                    assert card["header"]["title"] in text
                for section in card.get("sections", []):
                    if "header" in section:
                        assert section["header"] in text
                    for widget in section["widgets"]:
                        kind = next(k for k in widget if k != "horizontalAlignment")
                        widgets_seen.add(kind)
                        assert node.locator(f".widget[data-widget='{kind}']").count() >= 1, kind
                        for expected in widget_texts(kind, widget[kind]):
                            assert expected in text, (kind, expected)
                assert node.locator(".widget-unknown").count() == 0
                controls = node.locator("input, textarea, select")
                assert all(c.is_disabled() for c in controls.all())  # inputs are drawn, never usable
        shot(page, f"space-{(space.display_name or space.space_type).lower().replace(' ', '-')}")
    assert widgets_seen == {
        "textParagraph", "image", "decoratedText", "buttonList", "textInput", "selectionInput", "dateTimePicker",
        "divider", "grid", "columns", "carousel", "chipList",
    }  # fmt: skip
    bot_lab = ws.spaces["bot_lab"]
    open_space(page, chat, bot_lab.name)
    for details in page.locator("details").all():
        details.evaluate("d => { d.open = true; }")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2600})
    gallery = page.locator(".card[data-card-id='gallery']")
    gallery.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    gallery.screenshot(path=str(SHOTS / "widget-gallery-card.png"))
    shot(page, "widget-gallery")


def test_a_message_created_through_the_api_appears_within_two_seconds(
    page: Any, demo: tuple[ChatServer, Workspace]
) -> None:
    chat, ws = demo
    falcon = ws.spaces["falcon"]
    open_space(page, chat, falcon.name)
    with grpc.insecure_channel(chat.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        token = chat.token_for(ws.users["bob@example.com"])
        started = time.monotonic()
        created = stub.CreateMessage(
            message_pb2.CreateMessageRequest(
                parent=falcon.name, message=message_pb2.Message(text="Live from the API: *shipped* at 09:31")
            ),
            metadata=[("authorization", f"Bearer {token}")],
        )
        page.wait_for_selector(f".message[data-message='{created.name}']", timeout=2_000)
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    article = page.locator(f".message[data-message='{created.name}']")
    assert article.locator("strong").inner_text() == "shipped"
    assert "Bob Builder" in article.inner_text()
    # ... and the call is in the journal, newest first; a click shows its request and no token.
    row = page.locator(".journal-row").first
    page.wait_for_function("() => document.querySelector('.journal-row .rpc')?.textContent.includes('CreateMessage')")
    row.click()
    detail = page.locator("#call-detail")
    detail.locator("pre.json").first.wait_for(timeout=3_000)
    shown = detail.inner_text()
    assert "Live from the API" in shown and "Bearer <redacted>" in shown and token not in shown
    assert "grpc" in row.inner_text() and "OK" in row.inner_text() and "Bob Builder" in row.inner_text()


def test_faults_and_the_clock_are_shown_and_the_clock_advances_through_the_control_rules(
    page: Any, demo: tuple[ChatServer, Workspace]
) -> None:
    chat, ws = demo
    open_space(page, chat, ws.spaces["falcon"].name)
    chat.faults.fail("ListSpaces", "UNAVAILABLE", times=2, message="injected for the UI test")
    try:
        page.wait_for_selector(".fault-rule", timeout=2_000)
        rule = page.locator(".fault-rule").inner_text()
        assert "ListSpaces" in rule and "UNAVAILABLE" in rule and "2" in rule
        before = chat.clock.now()
        shown = page.locator("#clock .clock-time").inner_text()
        assert "frozen" in page.locator("#clock").inner_text() and shown.startswith(before.strftime("%Y-%m-%d %H:%M"))
        page.locator("#clock-controls button", has_text="+1 h").click()
        later = (before + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
        page.wait_for_function(
            "t => document.querySelector('#clock .clock-time').textContent.startsWith(t)", arg=later, timeout=3_000
        )
        assert (chat.clock.now() - before).total_seconds() >= 3600
        shot(page, "falcon-with-journal")
    finally:
        chat.faults.clear()


def kickoff_thread(message: Any) -> message_pb2.Thread:
    return message_pb2.Thread(name=message.thread_name)


XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_user_text_never_runs_as_html(page: Any, demo: tuple[ChatServer, Workspace]) -> None:
    chat, ws = demo
    space = ws.spaces["bot_lab"]
    app = ws.apps["Demo Bot"]
    card = card_pb2.Card()
    json_format.ParseDict(
        {
            "header": {"title": XSS, "imageUrl": "javascript:window.__xss=3"},
            "sections": [
                {
                    "header": XSS,
                    "widgets": [
                        {"textParagraph": {"text": f'<a href="javascript:window.__xss=4">bad link</a> {XSS}'}},
                        {"decoratedText": {"text": XSS, "topLabel": XSS}},
                        {"buttonList": {"buttons": [{"text": XSS, "onClick": {"openLink": {"url": "javascript:x"}}}]}},
                        {"image": {"imageUrl": "javascript:window.__xss=5", "altText": XSS}},
                    ],
                }
            ],
        },
        card,
    )
    with grpc.insecure_channel(chat.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        created = stub.CreateMessage(
            message_pb2.CreateMessageRequest(
                parent=space.name,
                message=message_pb2.Message(
                    text=f"{XSS} *{XSS}* <javascript:window.__xss=6|click me> `{XSS}`\n```\n{XSS}\n```",
                    cards_v2=[message_pb2.CardWithId(card_id="xss", card=card)],
                ),
            ),
            metadata=[("authorization", f"Bearer {chat.token_for(app)}")],
        )
    open_space(page, chat, space.name)
    article = page.locator(f".message[data-message='{created.name}']")
    article.wait_for(timeout=3_000)
    page.wait_for_timeout(300)  # time for an injected handler to have run, if one had been created
    assert page.evaluate("window.__xss") is None
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("img[src='x']").count() == 0
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if not re.match(r"^(https?:|mailto:|/|#)", h)], hrefs
    srcs = page.eval_on_selector_all("img[src]", "images => images.map(i => i.getAttribute('src'))")
    assert not [s for s in srcs if s.lower().startswith("javascript")], srcs
    text = article.inner_text()
    assert text.count("<script>window.__xss=2</script>") >= 5  # shown as the text it is
    assert "click me" in text and article.locator("a", has_text="click me").count() == 0
    shot(page, "xss-shown-as-text")


def test_renderers_show_unknown_widgets_quoted_messages_and_formatting(
    page: Any, demo: tuple[ChatServer, Workspace]
) -> None:
    chat, ws = demo
    open_space(page, chat, ws.spaces["falcon"].name)
    unknown = page.evaluate(
        "() => { const n = window.chatUi.renderWidget({futureWidget: {title: 'from the future'}});"
        " return [n.className, n.textContent]; }"
    )
    assert "widget-unknown" in unknown[0] and "unsupported widget: futureWidget" in unknown[1]
    assert "from the future" in unknown[1]
    empty = page.evaluate("() => window.chatUi.renderWidget({horizontalAlignment: 'CENTER'}).textContent")
    assert "empty widget" in empty
    html = page.evaluate(
        "() => { const d = document.createElement('div');"
        " d.append(...window.chatUi.formatText("
        "'*b* _i_ ~s~ `c` <https://e.example/x|L> @Bob x*y*z', [{start: 40, length: 4, user: 'users/2'}],"
        " {'users/2': {displayName: 'Bob'}})); return d.innerHTML; }"
    )
    assert html == (
        '<strong>b</strong> <em>i</em> <s>s</s> <code class="inline-code">c</code> '
        '<a href="https://e.example/x" target="_blank" rel="noopener noreferrer nofollow" '
        'title="https://e.example/x">L</a> <span class="mention" title="users/2">@Bob</span> x*y*z'
    )
    quoted = page.evaluate(
        "() => window.chatUi.renderMessage({name: 'spaces/s/messages/b', sender: {name: 'users/2', type: 'HUMAN'},"
        " createTime: '2026-01-05T09:00:00Z', text: 'agreed',"
        " quotedMessageMetadata: {name: 'spaces/s/messages/a'}},"
        " {people: {'users/1': {displayName: 'Alice'}, 'users/2': {displayName: 'Bob'}}, customEmojis: {},"
        "  byName: {'spaces/s/messages/a':"
        "   {name: 'spaces/s/messages/a', sender: {name: 'users/1'}, text: 'ship it?'}}})"
        ".querySelector('blockquote.quoted').textContent"
    )
    assert quoted == "Aliceship it?"
    summary = json.dumps(page.evaluate("() => Object.keys(window.chatUi)"))
    assert "renderCard" in summary


def test_the_readme_screenshot(page: Any, demo: tuple[ChatServer, Workspace]) -> None:
    """The picture in the README (``make screenshots`` copies it to docs/ui.png): Project Falcon with calls
    through both doors, one of them failed by an injected fault, and a call's request opened."""
    chat, ws = demo
    falcon = ws.spaces["falcon"]
    chat.journal.clear()
    bob = f"Bearer {chat.token_for(ws.users['bob@example.com'])}"
    alice = f"Bearer {chat.token_for(ws.users['alice@example.com'])}"
    with grpc.insecure_channel(chat.address) as channel:
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        stub.ListSpaces(space_pb2.ListSpacesRequest(), metadata=[("authorization", alice)])
        chat.faults.fail("CreateMessage", "UNAVAILABLE", times=1)
        with pytest.raises(grpc.RpcError):
            stub.CreateMessage(
                message_pb2.CreateMessageRequest(parent=falcon.name, message=message_pb2.Message(text="retry me")),
                metadata=[("authorization", bob)],
            )
        kickoff = next(m for m in chat.store.messages.all(falcon.id) if m.mentions)
        stub.CreateMessage(
            message_pb2.CreateMessageRequest(
                parent=falcon.name,
                message=message_pb2.Message(
                    text="Plan is in `docs/plan.md`, *review by Friday*", thread=kickoff_thread(kickoff)
                ),
                message_reply_option=message_pb2.CreateMessageRequest.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD,
            ),
            metadata=[("authorization", bob)],
        )
    chat.faults.delay("ListMessages", 0.01, times=3)
    with httpx.Client(base_url=chat.rest_url, headers={"authorization": alice}, timeout=10) as rest:
        assert rest.get(f"/v1/{falcon.name}/messages").status_code == 200
        assert rest.get(f"/v1/{falcon.name}/members").status_code == 200
    open_space(page, chat, falcon.name)
    page.wait_for_function("() => document.querySelectorAll('.journal-row').length >= 5")
    page.locator(".journal-row", has_text="CreateMessage").first.click()
    page.locator("#call-detail pre.json").first.wait_for(timeout=3_000)
    shot(page, "readme")
    chat.faults.clear()
