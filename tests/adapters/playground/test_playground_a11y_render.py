"""Issue 14 (playground): the renderer's accessibility — fields with errors are marked aria-invalid,
the 「含まれる項目」 group has an accessible name — and the incident list links to each incident's card."""

from __future__ import annotations

from adapters.playground.render import card_html, form_html
from bot.core.views import Card, Field, Form, Input, Option
from tests.adapters.playground.test_playground_render import parse


def _form(errors: dict[str, str]) -> Form:
    return Form(
        "report",
        "Report",
        "Send",
        (
            Input("summary", "What happened", "textarea", True),
            Input("data_items", "含まれる項目", "multiselect", True, (Option("a", "A"), Option("b", "B"))),
            Input("people", "People", "number"),
        ),
        errors=errors,
    )


def test_fields_with_errors_are_aria_invalid_and_only_those() -> None:
    p = parse(form_html(_form({"summary": "required", "data_items": "pick one"}), "k1"))
    by_name: dict[str, list[dict[str, str | None]]] = {}
    for a in p.attrs:
        if a.get("name"):
            by_name.setdefault(str(a["name"]), []).append(a)
    assert by_name["summary"][0].get("aria-invalid") == "true"
    assert [a.get("aria-invalid") for a in by_name["data_items"]] == ["true", "true"]
    assert by_name["people"][0].get("aria-invalid") is None
    clean = parse(form_html(_form({}), "k1"))
    assert not any("aria-invalid" in a for a in clean.attrs)


def test_the_checkbox_group_is_named_by_its_label() -> None:
    p = parse(form_html(_form({}), "k1"))
    group = next(a for a in p.attrs if a.get("role") == "group")
    label = next(a for a in p.attrs if a.get("id") == group.get("aria-labelledby"))
    assert label.get("class") == "form-label"
    i = p.attrs.index(label)
    assert "含まれる項目" in "".join(p.text) and p.tags[i] == "label"


def test_the_incident_list_links_each_incident_and_the_card_names_its_incident() -> None:
    listing = Card(title="対応中の事案（2件）", fields=(Field("ML-2026-0001", "重大度 高"), Field("[訓練] ML-DRILL-2026-0002", "x")))
    p = parse(card_html(listing))
    links = [a.get("data-incident") for a in p.attrs if a.get("data-testid") == "incident-link"]
    assert links == ["ML-2026-0001", "ML-DRILL-2026-0002"]
    assert all(p.tags[i] == "button" for i, a in enumerate(p.attrs) if a.get("data-testid") == "incident-link")
    card = parse(card_html(Card(title="マイナンバー漏えい等事案 ML-2026-0001", fields=(Field("状態", "未確認"),))))
    assert card.attrs[0].get("data-incident-card") == "ML-2026-0001"
    assert not any(a.get("data-testid") == "incident-link" for a in card.attrs)  # an ordinary field is no link
