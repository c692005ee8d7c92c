"""The organisation file's ``company:`` section: what the drafts name as the reporter and the sender."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.config import ConfigError, parse_org
from tests.flows.helpers import COMPANY, ORG
from tests.test_cli import cli


def test_a_full_company_section_is_read_and_complete() -> None:
    company = parse_org({**ORG, "company": COMPANY}).company
    assert company.address == COMPANY["address"] and company.representative == COMPANY["representative"]
    assert company.missing() == ()


def test_without_the_section_the_name_is_the_organisation_and_the_rest_is_missing() -> None:
    company = parse_org(ORG).company
    assert company.name == "テスト株式会社"
    assert company.missing() == ("address", "representative", "department", "contact_person", "phone", "inquiry_desk")


@pytest.mark.parametrize(
    ("company", "problem"),
    [
        ({**COMPANY, "fax": "03"}, "company.fax: unknown setting"),
        ({**COMPANY, "email": "privacy at example"}, "company.email: not an e-mail address"),
        ({**COMPANY, "phone": "call us"}, "company.phone: expected a telephone number"),
        ({**COMPANY, "address": ["東京都"]}, "company.address: expected text"),
        ("テスト株式会社", "company: expected a mapping"),
    ],
)
def test_mistakes_are_named_with_their_path(company: object, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_org({**ORG, "company": company})
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_check_config_warns_about_missing_company_fields_but_accepts_the_file(tmp_path: Path) -> None:
    path = tmp_path / "org.yml"
    path.write_text(yaml.safe_dump({**ORG, "company": {k: v for k, v in COMPANY.items() if k != "address"}}, allow_unicode=True))
    run = cli("check-config", env={"MYNALEAK_CONFIG": str(path)})
    assert run.returncode == 0, run.stderr
    assert "company.address" in run.stderr and "company.phone" not in run.stderr
    full = tmp_path / "full.yml"
    full.write_text(yaml.safe_dump({**ORG, "company": COMPANY}, allow_unicode=True))
    assert "company." not in cli("check-config", env={"MYNALEAK_CONFIG": str(full)}).stderr
