"""Settings from the environment (12-factor) plus the organisation file, validated with clear errors."""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.core.away import Away, parse_entries
from bot.core.model import ITEM_ROLES, ChainStep, Route, UserRef
from bot.core.paging import EMAIL, SERVICES, VIA, PageRule, parse_email, parse_policy, parse_service, routes_of

DEFAULT_CHECKLIST = Path(__file__).resolve().parents[2] / "flows" / "checklist" / "default.yaml"
# checklist templates by cause (flows/checklist/<name>.yaml), next to the default (the leaflet's USB
# example); a template's missing steps are the default's
CAUSE_TEMPLATES: tuple[str, ...] = ("misdirected", "unauthorised_access", "insider", "paper_loss")
SAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "mynaleak.sample.yml"


class ConfigError(Exception):
    """The organisation file is wrong; ``problems`` lists every mistake found, each with its path."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    ids: dict[str, str]
    email: str = ""  # where e-mail pages go (bot.core.paging)
    page: tuple[PageRule, ...] = ()  # the person's paging policy; empty: every channel they have, at once
    pagerduty: str = ""  # their PagerDuty Events API v2 routing key (bot.core.paging)
    webhook: str = ""  # the URL of their signed JSON webhook (bot.core.paging)

    def on(self, platform: str) -> UserRef | None:
        key = self.ids.get(platform)
        return UserRef(platform, key, self.name) if key else None

    def routes(self, platform: str, channels: tuple[str, ...] = VIA) -> tuple[tuple[str, UserRef, float], ...]:
        services = {"pagerduty": self.pagerduty, "webhook": self.webhook}
        return tuple(r for r in routes_of(self.on(platform), self.email, self.name, self.page, services) if r[0] in channels)

    def acting(self, platform: str) -> UserRef | None:
        """Who this person acknowledges as: their chat id on ``platform``, else their e-mail ref."""
        return self.on(platform) or (UserRef(EMAIL, self.email, self.name) if self.email else None)


@dataclass(frozen=True)
class ItemTemplate:
    id: str
    text: dict[str, str]
    required: bool = True
    report: tuple[int, ...] = ()  # the sections (1–9) of the report to the PPC its notes feed
    role: str = ""  # what the code finds it by (bot.core.model.ITEM_ROLES); "" for most items


@dataclass(frozen=True)
class StepTemplate:
    step: int
    title: dict[str, str]
    items: tuple[ItemTemplate, ...]


COMPANY_FIELDS: tuple[str, ...] = ("name", "address", "representative", "department", "contact_person", "phone", "email", "inquiry_desk")
COMPANY_REQUIRED: tuple[str, ...] = ("name", "address", "representative", "department", "contact_person", "phone", "inquiry_desk")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9０-９+()（）\-－ー‐ 　]{6,24}$")


@dataclass(frozen=True)
class Company:
    """The reporter block of the report to the PPC and the sender of the letters (``company:``).

    Every field is optional to the file; a missing one shows as a placeholder in the drafts and is
    listed by ``mynaleak check-config`` (:meth:`missing`)."""

    name: str = ""
    address: str = ""
    representative: str = ""  # e.g. 代表取締役 山本 太郎
    department: str = ""  # the department in charge (担当部署)
    contact_person: str = ""  # the person to contact (担当者)
    phone: str = ""
    email: str = ""
    inquiry_desk: str = ""  # the desk named in the notice and the announcement (name, phone, hours)

    def missing(self) -> tuple[str, ...]:
        """The fields the drafts need that the organisation file leaves empty."""
        return tuple(f for f in COMPANY_REQUIRED if not getattr(self, f))


def parse_company(data: Any, organisation: str, problems: list[str]) -> Company:
    """The ``company:`` section; its name defaults to ``organisation``."""
    if data is None:
        return Company(name=organisation)
    if not isinstance(data, dict):
        problems.append("company: expected a mapping (name, address, representative, department, …)")
        return Company(name=organisation)
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in COMPANY_FIELDS:
            problems.append(f"company.{key}: unknown setting (use {', '.join(COMPANY_FIELDS)})")
        elif value is None or value == "":
            continue
        elif not isinstance(value, str | int) or isinstance(value, bool):
            problems.append(f"company.{key}: expected text, got {value!r}")
        elif len(str(value).strip()) > 200:
            problems.append(f"company.{key}: at most 200 characters")
        else:
            values[key] = " ".join(str(value).split())
    if values.get("email") and not _EMAIL.match(values["email"]):
        problems.append(f"company.email: not an e-mail address: {values['email']!r}")
    if values.get("phone") and not _PHONE.match(values["phone"]):
        problems.append(f"company.phone: expected a telephone number (digits, hyphens), got {values['phone']!r}")
    values.setdefault("name", organisation)
    return Company(**values)


@dataclass(frozen=True)
class OrgConfig:
    organisation: str
    language: str
    timezone: str
    business_start: time
    business_end: time
    people: dict[str, Person]
    escalation: tuple[tuple[tuple[str, ...], float], ...]  # (handles, wait_minutes) per step
    repeat_last: int
    responders: tuple[str, ...]
    channels: dict[str, str]
    remind_every_hours: float
    snooze_hours: float
    checklist: tuple[StepTemplate, ...]
    source: str = "<memory>"
    # the checklist templates by cause (CAUSE_TEMPLATES), each complete with six steps; empty when the
    # organisation brings its own checklist (its item ids need not match the bundled templates')
    templates: dict[str, tuple[StepTemplate, ...]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    government_systems: bool = False  # do we run systems of government bodies (規則第2条第1号)?
    # flood control (flows.coalesce): a person paged this many times within the window gets one digest
    # for the rest of it instead of a page each; 0 turns it off
    coalesce_after: int = 5
    coalesce_window_minutes: float = 10
    # the page channels this process can deliver (bot.core.paging.VIA; the shell drops e-mail when no SMTP
    # server is configured, so people are not "paged" where nothing can be sent)
    page_channels: tuple[str, ...] = VIA
    company: Company = field(default_factory=Company)
    # where APPI reports go when the power was delegated to a ministry (個人情報保護法第150条): its name;
    # "" = the PPC. My Number reports always go to the PPC (flows.submissions).
    appi_report_to: str = ""
    # deputies and time (flows.away): away periods from the file, and the off-hours chain (empty: none)
    away: tuple[Away, ...] = ()
    off_hours: tuple[tuple[tuple[str, ...], float], ...] = ()
    off_hours_repeat: int = 0

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def chain_for(self, platform: str, off_hours: bool = False) -> tuple[ChainStep, ...]:
        """The escalation chain (``off_hours``: the off-hours one) as people on ``platform``, each with
        the routes their paging policy gives there (people who cannot be reached there are skipped)."""
        steps = self.off_hours if off_hours else self.escalation
        return tuple(s for handles, wait in steps if (s := self.step_for(handles, wait, platform)))

    def step_for(self, handles: tuple[str, ...], wait: float, platform: str) -> ChainStep | None:
        people: list[UserRef] = []
        routes: list[Route] = []
        for h in handles:
            person = self.people[h]
            found, who = person.routes(platform, self.page_channels), person.acting(platform)
            if not found or who is None:
                continue
            routes += [Route(len(people), via, to, after) for via, to, after in found]
            people.append(who)
        return ChainStep(tuple(people), wait, tuple(routes)) if people else None

    def late_channels(self) -> list[tuple[str, int, str, str, float, float]]:
        """The ``page:`` channels that can never fire: a person's channel whose ``after_minutes`` is not
        less than the wait of a step they are in (the next step is paged first, and the step's channel
        timers do nothing once it moved on). Each as (chain, step number, person, via, after, wait);
        ``chain`` is ``escalation`` or ``escalation.off_hours``."""
        found = []
        for chain, steps in (("escalation", self.escalation), ("escalation.off_hours", self.off_hours)):
            for n, (handles, wait) in enumerate(steps, 1):
                for h in handles:
                    found += [(chain, n, h, r.via, r.after_minutes, wait) for r in self.people[h].page if r.after_minutes >= wait]
        return found

    def responders_for(self, platform: str) -> tuple[UserRef, ...]:
        return tuple(u for h in self.responders if (u := self.people[h].on(platform)))

    def person(self, user: UserRef) -> Person | None:
        by_mail = user.platform == EMAIL
        return next((p for p in self.people.values() if (p.email if by_mail else p.ids.get(user.platform)) == user.key), None)

    def display(self, user: UserRef) -> UserRef:
        """``user`` with the configured name, when the config knows them."""
        p = self.person(user)
        return UserRef(user.platform, user.key, p.name) if p else user

    def is_staff(self, user: UserRef) -> bool:
        """In the configured chain or among the standing responders."""
        p = self.person(user)
        chains = self.escalation + self.off_hours
        return p is not None and (p.handle in self.responders or any(p.handle in hs for hs, _ in chains))


def _time(value: Any, where: str, problems: list[str]) -> time:
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except ValueError:
        problems.append(f"{where}: expected HH:MM, got {value!r}")
        return time(0, 0)


def _number(value: Any, where: str, problems: list[str], minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        problems.append(f"{where}: expected a number >= {minimum}, got {value!r}")
        return minimum
    return float(value)


def load_checklist(path: Path, problems: list[str]) -> tuple[StepTemplate, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"checklist: cannot read {path}: {exc}")
        return ()
    steps, seen = [], set()
    roles: dict[str, str] = {}  # role -> the item id that has it
    for si, s in enumerate(data.get("steps") or []):
        where = f"checklist {path.name}: steps[{si}]"
        items = []
        for ii, it in enumerate(s.get("items") or []):
            iid, text = str(it.get("id", "")), it.get("text") or {}
            if not iid or iid in seen:
                problems.append(f"{where}.items[{ii}]: missing or duplicate id {iid!r}")
            if not isinstance(text, dict) or not text.get("ja") or not text.get("en"):
                problems.append(f"{where}.items[{ii}]: text needs both ja and en")
                text = {"ja": str(text), "en": str(text)}
            seen.add(iid)
            report = it.get("report") or []
            if not isinstance(report, list) or any(not isinstance(n, int) or not 1 <= n <= 9 for n in report):
                problems.append(f"{where}.items[{ii}]: report must be a list of section numbers 1–9")
                report = []
            role = it.get("role", "")
            if role in ("", None):
                role = ""
            elif not isinstance(role, str) or role not in ITEM_ROLES:
                problems.append(f"{where}.items[{ii}]: unknown role {role!r} (use {', '.join(ITEM_ROLES)})")
                role = ""
            elif role in roles:
                problems.append(f"{where}.items[{ii}]: role {role!r} is already on item {roles[role]!r}; a role tags one item")
                role = ""
            else:
                roles[role] = iid
            items.append(ItemTemplate(iid, dict(text), bool(it.get("required", True)), tuple(report), role))
        title = s.get("title") or {}
        if not isinstance(title, dict) or not title.get("ja") or not title.get("en"):
            problems.append(f"{where}: title needs both ja and en")
            title = {"ja": str(title), "en": str(title)}
        steps.append(StepTemplate(int(s.get("step", si + 1)), dict(title), tuple(items)))
    if not steps:
        problems.append(f"checklist {path}: no steps")
    return tuple(steps)


def load_templates(default: tuple[StepTemplate, ...], problems: list[str]) -> dict[str, tuple[StepTemplate, ...]]:
    """The bundled checklist templates by cause, each with the steps it lacks taken from ``default``."""
    found = {}
    for name in CAUSE_TEMPLATES:
        own = {st.step: st for st in load_checklist(DEFAULT_CHECKLIST.parent / f"{name}.yaml", problems)}
        found[name] = tuple(own.get(st.step, st) for st in default)
    return found


def parse_org(data: Any, source: str = "<memory>", base: Path | None = None, platforms: Collection[str] | None = None) -> OrgConfig:
    """Validate an organisation file's content; raise :class:`ConfigError` listing every problem.
    ``platforms``: the channel names a person's ids and the incident channel may use (the shell
    passes the registry's, ``adapters.names()``); ``None`` accepts any name."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(source, ["the file must be a mapping of settings"])
    known = {"organisation", "language", "timezone", "business_hours", "people", "incident_channel",
             "escalation", "responders", "reminders", "checklist", "drill", "government_systems", "company"}  # fmt: skip
    known |= {"appi_report_to"}  # the report lifecycle (flows.submissions)
    known |= {"away"}  # away periods (bot.core.away)
    problems += [f"{k}: unknown setting" for k in data if k not in known]
    language = data.get("language", "ja")
    if language not in ("ja", "en"):
        problems.append(f"language: expected ja or en, got {language!r}")
    tzname = str(data.get("timezone", "Asia/Tokyo"))
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone: unknown time zone {tzname!r}")
        tzname = "Asia/Tokyo"
    hours = data.get("business_hours") or {}
    start = _time(hours.get("start", "09:00"), "business_hours.start", problems)
    end = _time(hours.get("end", "18:00"), "business_hours.end", problems)
    if start >= end:
        problems.append("business_hours: start must be before end")

    people: dict[str, Person] = {}
    for handle, p in (data.get("people") or {}).items():
        if not isinstance(p, dict) or not p.get("name"):
            problems.append(f"people.{handle}: needs a name")
            continue
        own = ("name", "email", "page", *SERVICES)
        unknown = [k for k in p if k not in own and platforms is not None and k not in platforms]
        ids = {str(k): str(v) for k, v in p.items() if k not in own and k not in unknown and v}
        problems += [f"people.{handle}.{k}: unknown platform (use {', '.join(platforms or ())})" for k in unknown]
        email = parse_email(p.get("email"), f"people.{handle}", problems)
        services = {via: parse_service(via, p.get(via), f"people.{handle}", problems) for via in SERVICES}
        policy = parse_policy(p.get("page"), f"people.{handle}", email, problems, services)
        if not ids and not email:
            problems.append(f"people.{handle}: needs an id on at least one platform (or an email: address)")
        people[str(handle)] = Person(str(handle), str(p["name"]), ids, email, policy, services["pagerduty"], services["webhook"])

    esc = data.get("escalation") or {}
    steps, repeat = _chain(esc, "escalation", people, problems)
    if not steps:
        problems.append("escalation.steps: the chain needs at least one step")
    off: list[tuple[tuple[str, ...], float]] = []
    off_repeat = 0
    if esc.get("off_hours") is not None:
        if isinstance(esc["off_hours"], dict):
            off, off_repeat = _chain(esc["off_hours"], "escalation.off_hours", people, problems)
            if not off:
                problems.append("escalation.off_hours.steps: the off-hours chain needs at least one step (or leave off_hours out)")
        else:
            problems.append("escalation.off_hours: expected a mapping with steps (and repeat_last), like escalation")
    coalesce = esc.get("coalesce") or {}
    if not isinstance(coalesce, dict):
        problems.append("escalation.coalesce: expected a mapping with after_pages and window_minutes")
        coalesce = {}
    after = coalesce.get("after_pages", 5)
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= 1000:
        problems.append(f"escalation.coalesce.after_pages: expected a whole number 0–1000 (0: off), got {after!r}")
        after = 5
    window = _number(coalesce.get("window_minutes", 10), "escalation.coalesce.window_minutes", problems, 0.01)
    responders = tuple(str(h) for h in (data.get("responders") or []))
    problems += [f"responders: unknown person {h!r} (not in people)" for h in responders if h not in people]
    channels = {k: str(v) for k, v in (data.get("incident_channel") or {}).items()}
    problems += [f"incident_channel.{k}: unknown platform" for k in channels if platforms is not None and k not in platforms]
    if not channels:
        problems.append("incident_channel: name the incident channel for at least one platform")
    drill = data.get("drill") or {}
    if not isinstance(drill, dict):
        problems.append("drill: expected a mapping with participants")
        drill = {}
    problems += [f"drill.participants: unknown person {h!r} (not in people)" for h in drill.get("participants") or [] if h not in people]
    rem = data.get("reminders") or {}
    every = _number(rem.get("every_hours", 4), "reminders.every_hours", problems, 0.01)
    snooze = _number(rem.get("snooze_hours", 24), "reminders.snooze_hours", problems, 0.01)
    checklist_path = DEFAULT_CHECKLIST
    if data.get("checklist"):
        checklist_path = Path(str(data["checklist"]))
        if not checklist_path.is_absolute() and base is not None:
            checklist_path = base / checklist_path
    checklist = load_checklist(checklist_path, problems)
    templates = {} if data.get("checklist") else load_templates(checklist, problems)
    company = parse_company(data.get("company"), str(data.get("organisation", "")), problems)
    appi_to = data.get("appi_report_to") or ""
    if not isinstance(appi_to, str) or len(appi_to) > 100:
        problems.append(f"appi_report_to: expected the ministry's name (text, at most 100 characters), got {appi_to!r}")
        appi_to = ""
    away = parse_entries(data.get("away"), set(people), ZoneInfo(tzname), problems)
    if problems:
        raise ConfigError(source, problems)
    return OrgConfig(
        organisation=str(data.get("organisation", "")),
        language=language,
        timezone=tzname,
        business_start=start,
        business_end=end,
        people=people,
        escalation=tuple(steps),
        repeat_last=repeat,
        responders=responders,
        channels=channels,
        remind_every_hours=every,
        snooze_hours=snooze,
        checklist=checklist,
        templates=templates,
        source=source,
        extra={"drill": drill},
        government_systems=bool(data.get("government_systems", False)),
        coalesce_after=after,
        coalesce_window_minutes=window,
        company=company,
        appi_report_to=appi_to.strip(),
        away=away,
        off_hours=tuple(off),
        off_hours_repeat=off_repeat,
    )


def _chain(esc: Any, where: str, people: dict[str, Person], problems: list[str]) -> tuple[list[tuple[tuple[str, ...], float]], int]:
    """A chain's steps and repeat_last (``escalation`` and ``escalation.off_hours``)."""
    steps = []
    for i, s in enumerate(esc.get("steps") or []):
        if not isinstance(s, dict):
            problems.append(f"{where}.steps[{i}]: expected a mapping with people and wait_minutes")
            continue
        handles = tuple(str(h) for h in (s.get("people") or []))
        if not handles:
            problems.append(f"{where}.steps[{i}]: needs at least one person")
        problems += [f"{where}.steps[{i}]: unknown person {h!r} (not in people)" for h in handles if h not in people]
        wait = _number(s.get("wait_minutes", 5), f"{where}.steps[{i}].wait_minutes", problems, 0.01)
        steps.append((handles, wait))
    repeat = esc.get("repeat_last", 0)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 0 <= repeat <= 20:
        problems.append(f"{where}.repeat_last: expected a whole number 0–20, got {repeat!r}")
        repeat = 0
    return steps, repeat


def load_org(path: str | Path, platforms: Collection[str] | None = None) -> OrgConfig:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}"]) from exc
    return parse_org(data, str(path), path.parent, platforms)


@dataclass(frozen=True)
class Settings:
    """Process settings from the environment."""

    database_url: str
    config_path: Path
    host: str
    port: int
    tick_seconds: float
    log_level: str
    log_json: bool
    env: dict[str, str]
    lang: str = "ja"  # of what the command line prints (MYNALEAK_LANG)
    metrics_port: int | None = None  # /metrics on its own port (MYNALEAK_METRICS_PORT), else on the main one
    # a connection that sends no complete request for this long is closed (idle, or headers trickling in)
    idle_seconds: float = 30.0  # MYNALEAK_IDLE_SECONDS
    body_seconds: float = 15.0  # MYNALEAK_BODY_SECONDS: a request body must arrive within this
    # the audit trail's HMAC key (MYNALEAK_AUDIT_KEY, or the file MYNALEAK_AUDIT_KEY_FILE names); empty:
    # none set. Never logged, never stored in the database, not in ``env``.
    audit_key: str = field(default="", repr=False)
    audit_key_problem: str = ""  # a catalogue key: why the configured key cannot be used ("" if it can, or none is set)
    audit_key_detail: str = ""  # the field that message shows (an OS error, a length)

    @property
    def audit_key_bytes(self) -> bytes | None:
        """The audit trail's HMAC key; ``None``: not set (or unusable), the public development key is used."""
        return self.audit_key.encode() if self.audit_key and not self.audit_key_problem else None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        key, problem, detail = _audit_key(env)
        cfg = env.get("MYNALEAK_CONFIG") or ("mynaleak.yml" if Path("mynaleak.yml").exists() else str(SAMPLE_CONFIG))
        return cls(
            database_url=normalise_db_url(env.get("DATABASE_URL") or "sqlite:///mynaleak.db"),
            config_path=Path(cfg),
            host=env.get("MYNALEAK_HOST", "127.0.0.1"),
            port=int(env.get("PORT", "3978")),
            tick_seconds=float(env.get("MYNALEAK_TICK_SECONDS", "1")),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            log_json=env.get("MYNALEAK_LOG_FORMAT", "json") == "json",
            env=env,
            lang=env.get("MYNALEAK_LANG", "ja") if env.get("MYNALEAK_LANG") in ("ja", "en") else "ja",
            metrics_port=int(env["MYNALEAK_METRICS_PORT"]) if env.get("MYNALEAK_METRICS_PORT") else None,
            idle_seconds=float(env.get("MYNALEAK_IDLE_SECONDS", "30")),
            body_seconds=float(env.get("MYNALEAK_BODY_SECONDS", "15")),
            audit_key=key,
            audit_key_problem=problem,
            audit_key_detail=detail,
        )


AUDIT_KEY_MIN = 16


def _audit_key(env: dict[str, str]) -> tuple[str, str, str]:
    """The audit key from MYNALEAK_AUDIT_KEY (taken out of ``env``) or the file MYNALEAK_AUDIT_KEY_FILE
    names; and what is wrong with it: a catalogue key and its detail."""
    key = env.pop("MYNALEAK_AUDIT_KEY", "").strip()
    path = env.get("MYNALEAK_AUDIT_KEY_FILE", "").strip()
    if not key and path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            return "", "cli.audit_key_unreadable", str(exc.strerror)
        if not key:
            return "", "cli.audit_key_empty", ""
    if key and len(key) < AUDIT_KEY_MIN:
        return "", "cli.audit_key_short", str(len(key))
    return key, "", ""


def normalise_db_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``sqlite:///`` URLs and pick the async drivers."""
    for prefix, driver in (("postgresql://", "postgresql+asyncpg://"), ("postgres://", "postgresql+asyncpg://"),
                           ("sqlite://", "sqlite+aiosqlite://")):  # fmt: skip
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url
