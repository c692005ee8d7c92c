"""The playground's HTML renderer: escaped, well-formed, accessible, mentions as chips."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from adapters.playground.render import card_html, form_html, message_html, text_html
from bot.core.model import UserRef
from bot.core.views import Button, Card, CheckItem, Field, Form, Input, Option, Section, mention

VOID = {"input", "br", "img", "meta", "link", "path"}
EVIL = '<script>alert("x")</script>&"\''


class Balanced(HTMLParser):
    """Fails on unbalanced tags; collects every attribute and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.attrs: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> (open: {self.stack})"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Balanced:
    p = Balanced()
    p.feed(html)
    p.close()
    assert p.stack == [], f"unclosed {p.stack}"
    return p


def card() -> Card:
    items = (
        CheckItem("1.1", f"item {EVIL}", "open", "detail", (Button("完了", "item:done", 'ML-2026-0001|1.1"><x', "primary"),)),
        CheckItem("1.2", "done item", "done"),
        CheckItem("1.3", "na item", "na", "because"),
    )
    return Card(
        title=f"title {EVIL}",
        tone="danger",
        text=f"hello {mention(UserRef('playground', 'sato', '佐藤 花子'))}\nline 2 {EVIL}",
        fields=(Field(f"label {EVIL}", f"value {EVIL}"),),
        sections=(Section(f"section {EVIL}", "text", items),),
        buttons=(Button(f"ack {EVIL}", "ack", "ML-2026-0001", "primary"),),
        footer=f"footer {EVIL}",
    )


def test_a_card_is_escaped_and_well_formed() -> None:
    html = card_html(card())
    p = parse(html)
    assert "script" not in p.tags and "x" not in p.tags
    assert "<script>" not in html
    joined = "".join(p.text)
    assert joined.count('<script>alert("x")</script>') == 8  # shown as text, everywhere it was
    assert 'class="card tone-danger"' in html


def test_a_cards_buttons_carry_action_and_value() -> None:
    p = parse(card_html(card()))
    buttons = [(a["data-action"], a["data-value"]) for a in p.attrs if "data-action" in a]
    assert ("item:done", 'ML-2026-0001|1.1"><x') in buttons and ("ack", "ML-2026-0001") in buttons


def test_checklist_items_show_their_state_accessibly() -> None:
    p = parse(card_html(card(), "en"))
    items = [a for a in p.attrs if a.get("data-testid", "").startswith("item-")]
    assert [(a["data-testid"], a["data-state"]) for a in items] == [("item-1.1", "open"), ("item-1.2", "done"), ("item-1.3", "na")]
    labels = [a.get("aria-label") for a in p.attrs if a.get("class") == "check-mark"]
    assert labels == ["Open", "Done", "Not applicable"]


def test_mentions_become_chips() -> None:
    html = text_html(
        f"to {mention(UserRef('playground', 'sato', '佐藤 花子'))} and {mention(UserRef('playground', 'x', ''))}",
        lambda k: {"x": "X-san"}[k],
    )
    assert '<span class="mention" data-user="playground:sato">@佐藤 花子</span>' in html
    assert "@X-san" in html and "⟦" not in html


def test_unknown_tone_falls_back() -> None:
    assert "tone-info" in card_html(Card(title="t", tone="weird"))  # type: ignore[arg-type]


def form(errors: dict[str, str] | None = None) -> Form:
    return Form(
        "report",
        f"Report {EVIL}",
        "Send",
        (
            Input("summary", "What happened", "textarea", True, initial=f"text {EVIL}", hint="e.g."),
            Input("when", "When", "datetime", True, initial="2026-11-26T10:00:00+09:00"),
            Input("medium", "Medium", "select", True, (Option("usb", "USB"), Option("pc", "PC")), "pc"),
            Input("items", "Items", "multiselect", True, (Option("a", "A"), Option("b", "B")), ("b",)),
            Input("people", "People", "number"),
            Input("name", "Name", "text", max_length=50),
        ),
        context="ML-1|2",
        intro="intro",
        errors=errors or {},
    )


def test_a_form_is_escaped_well_formed_and_labelled() -> None:
    html = form_html(form(), "abc123")
    p = parse(html)
    assert "<script>" not in html
    ids = {a.get("id") for a in p.attrs}
    fors = {a.get("for") for a in p.attrs if a.get("for")}
    assert fors <= ids  # every label points at a control
    root = p.attrs[0]
    assert (root["data-form-id"], root["data-context"], root["data-key"]) == ("report", "ML-1|2", "abc123")
    assert 'value="2026-11-26T10:00"' in html  # datetime-local wants minutes precision
    assert '<option value="pc" selected>' in html
    assert 'value="b" checked' in html and 'value="a">' in html
    assert 'aria-required="true"' in html and 'maxlength="50"' in html


@pytest.mark.parametrize("lang, summary", [("ja", "入力内容を確認してください。"), ("en", "Please check the highlighted fields.")])
def test_a_rejected_form_shows_its_errors(lang: str, summary: str) -> None:
    html = form_html(form({"summary": "required!"}), "k1", lang)
    p = parse(html)
    assert summary in "".join(p.text) and "required!" in "".join(p.text)
    control = next(a for a in p.attrs if a.get("name") == "summary")
    assert "f-k1-summary-err" in (control.get("aria-describedby") or "")
    assert 'class="form-row has-error" data-field="summary"' in html


def test_message_chrome_marks_private_and_edited() -> None:
    html = message_html(author="mynaleak", is_bot=True, time="10:00", body="<b>x</b>", lang="ja", edited=True, private=True)
    parse(html)
    assert "あなただけに表示されています" in html and "（編集済み）" in html and "アプリ" in html
    plain = message_html(author=EVIL, is_bot=False, time="10:00", body="", lang="en", edited=False, private=False)
    assert "<script>" not in plain and "Only visible to you" not in plain
