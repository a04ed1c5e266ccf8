"""The role file: which signed-in identity gets which role (no Streamlit).

The operator edits a TOML file (`POPMGMT_ROLES`, default `config/roles.toml`; see
`config/roles.example.toml` and docs/access.md). Each `[[rule]]` maps one e-mail
address, one group (a value of the identity token's group claim) or one e-mail
domain to a role, with its zone (`zorgraad`) or circle (`kring`):

    [[rule]]
    email = "populatiemanager@zorgraad-gent.be"
    role = "zorgraad"
    zone = "elz13"

The file is checked in full against the zones and circles of the marts before the
app opens; any problem raises `RoleConfigError`, whose message names every faulty
entry. A misconfigured file never opens up access: the app stops instead.
An absent default file means that everyone, signed in or not, is `publiek`.

Resolution, most specific first: an e-mail rule, then the first group rule (in file
order) whose group the user has, then a domain rule; no match is `publiek`.
E-mail and domain rules are used only when the provider vouches for the address:
the claim `email_verified` must be the boolean `true` (a string "true", a missing
claim or anything else is not enough). The address is parsed as an address
(`email-validator`: exactly one `@`, no quoted or non-ASCII local part, an
internationalised domain compared in its ASCII form), never split as text; domains
are compared case-insensitively and exactly (a subdomain is not the domain).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from email_validator import EmailNotValidError, validate_email

from popmgmt.app.access import PUBLIC, ROLE_KINDS, Role, RoleKind
from popmgmt.config import REPO_ROOT

ROLES_ENV: Final = "POPMGMT_ROLES"
DEFAULT_ROLES_FILE: Final = REPO_ROOT / "config" / "roles.toml"
DEFAULT_GROUP_CLAIM: Final = "groups"

Matcher = Literal["email", "group", "domain"]
MATCHERS: Final[tuple[Matcher, ...]] = ("email", "group", "domain")
RULE_KEYS: Final = (*MATCHERS, "role", "zone", "circle", "note")
SETTINGS_KEYS: Final = ("group_claim",)
TOP_KEYS: Final = ("rule", "settings")

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_RULE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\]", re.MULTILINE)


class RoleConfigError(Exception):
    """The role file is unreadable or wrong; `problems` names each faulty entry (Dutch)."""

    def __init__(self, path: Path | None, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        # The page names the file, not its place on the server (the log has the path).
        where = path.name if path is not None else "het rollenbestand"
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(
            f"Het rollenbestand `{where}` is ongeldig; de app start niet tot het is "
            f"verbeterd (zie docs/access.md):\n\n{lines}"
        )


@dataclass(frozen=True)
class RoleRule:
    """One `[[rule]]` of the file, checked."""

    number: int
    matcher: Matcher
    value: str
    role: Role
    line: int | None = None

    @property
    def entry(self) -> str:
        """How messages and logs name this rule: `[[rule]] nr. 2 (lijn 9, email = "x@y.be")`."""
        return _entry_name(self.number, self.line, f'{self.matcher} = "{self.value}"')


@dataclass(frozen=True)
class RoleMatch:
    """The outcome of resolving one identity: the role, and the rule that gave it."""

    role: Role
    rule: RoleRule | None = None


@dataclass(frozen=True)
class RoleConfig:
    """The checked role file (no rules: everyone is `publiek`)."""

    path: Path | None = None
    rules: tuple[RoleRule, ...] = ()
    group_claim: str = DEFAULT_GROUP_CLAIM
    _by_email: dict[str, RoleRule] = field(default_factory=dict, compare=False, repr=False)
    _by_domain: dict[str, RoleRule] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for rule in self.rules:
            if rule.matcher == "email":
                self._by_email[rule.value] = rule
            elif rule.matcher == "domain":
                self._by_domain[rule.value] = rule

    def resolve(self, claims: Mapping[str, Any]) -> RoleMatch:
        """The role of a signed-in identity (its OIDC claims, e.g. `st.user.to_dict()`).

        E-mail and domain rules apply only to a verified address (`verified_address`);
        group rules apply whatever the e-mail claim says.
        """
        address = verified_address(claims)
        if address is not None and address.email in self._by_email:
            rule = self._by_email[address.email]
            return RoleMatch(rule.role, rule)
        groups = _claim_values(claims.get(self.group_claim))
        for rule in self.rules:
            if rule.matcher == "group" and rule.value in groups:
                return RoleMatch(rule.role, rule)
        if address is not None and address.domain in self._by_domain:
            rule = self._by_domain[address.domain]
            return RoleMatch(rule.role, rule)
        return RoleMatch(PUBLIC)


@dataclass(frozen=True)
class Address:
    """An e-mail address as parsed: `email` and `domain` lower-case, ASCII."""

    email: str
    domain: str


def parse_address(value: object) -> Address | None:
    """The address in `value`, parsed as an address, or None when it is not one.

    Exactly one `@`; no quoted local part, no IP-address domain, no non-ASCII local
    part (look-alike letters cannot pass for ASCII ones); an internationalised domain
    becomes its ASCII (punycode) form, so a Cyrillic look-alike never equals the
    ASCII domain. Case is folded for the comparison with the role file.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.count("@") != 1:
        return None
    try:
        info = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        )
    except EmailNotValidError:
        return None
    email = info.ascii_email
    domain = info.ascii_domain
    if email is None or not domain or not _written_as(text.rpartition("@")[2], domain):
        return None
    return Address(email=email.lower(), domain=domain.lower())


def _written_as(given: str, ascii_domain: str) -> bool:
    """Is `ascii_domain` the domain as written, label by label? IDNA maps some non-ASCII
    letters to ASCII ones (fullwidth `ｄ` to `d`, `．` to `.`): such a look-alike must not
    become the ASCII domain of a rule. An ASCII label must stay itself (case aside); a
    non-ASCII label must become a punycode (`xn--`) label."""
    written = given.split(".")
    converted = ascii_domain.split(".")
    if len(written) != len(converted):
        return False
    for mine, theirs in zip(written, converted, strict=True):
        if mine.isascii():
            if mine.lower() != theirs.lower():
                return False
        elif not theirs.lower().startswith("xn--"):
            return False
    return True


def verified_address(claims: Mapping[str, Any]) -> Address | None:
    """The signed-in user's address when the provider vouches for it, else None.

    Needs `email_verified` to be the boolean True (not the text "true", not absent)
    and an `email` claim that parses as one address (`parse_address`).
    """
    if claims.get("email_verified") is not True:
        return None
    return parse_address(claims.get("email"))


def _claim_values(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return {str(value)}


def _entry_name(number: int, line: int | None, what: str | None) -> str:
    parts = [f"lijn {line}"] if line else []
    if what:
        parts.append(what)
    inner = f" ({', '.join(parts)})" if parts else ""
    return f"[[rule]] nr. {number}{inner}"


def roles_path() -> tuple[Path, bool]:
    """The role file and whether it was named explicitly (`POPMGMT_ROLES`)."""
    env = os.environ.get(ROLES_ENV)
    return (Path(env), True) if env else (DEFAULT_ROLES_FILE, False)


def load_role_config(
    path: Path | None = None,
    *,
    zones: Mapping[str, str] | Collection[str],
    circles: Mapping[str, str] | Collection[str],
) -> RoleConfig:
    """Read and check the role file (default: `roles_path()`).

    `zones` and `circles` are the codes the marts know (a mapping code -> name also
    gives each role its display label). An absent default file gives an empty
    config; an absent file named in `POPMGMT_ROLES`, an unreadable file or any faulty
    entry raises `RoleConfigError`.
    """
    explicit = path is not None
    if path is None:
        path, explicit = roles_path()
    if not path.is_file():
        if explicit:
            raise RoleConfigError(
                path,
                [
                    f"het bestand bestaat niet (genoemd in {ROLES_ENV} of door de aanroeper); "
                    "maak het aan of wis de variabele"
                ],
            )
        return RoleConfig(path=None)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RoleConfigError(path, ["het bestand is onleesbaar: geen UTF-8-tekst"]) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RoleConfigError(path, [f"het bestand is onleesbaar: {reason}"]) from exc
    return parse_role_config(text, path=path, zones=zones, circles=circles)


def parse_role_config(
    text: str,
    *,
    path: Path | None = None,
    zones: Mapping[str, str] | Collection[str],
    circles: Mapping[str, str] | Collection[str],
) -> RoleConfig:
    """Check the TOML text of a role file; RoleConfigError lists every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoleConfigError(path, [f"geen geldige TOML: {exc}"]) from exc
    problems: list[str] = []
    problems.extend(
        f"onbekende sleutel `{key}` bovenaan het bestand (toegestaan: [[rule]], [settings])"
        for key in data
        if key not in TOP_KEYS
    )
    group_claim = _check_settings(data.get("settings", {}), problems)
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        problems.append("`rule` moet een lijst van tabellen zijn: schrijf elke regel als [[rule]]")
        raw_rules = []
    header_lines = [text.count("\n", 0, m.start()) + 1 for m in _RULE_HEADER.finditer(text)]
    lines: list[int | None] = (
        list(header_lines) if len(header_lines) == len(raw_rules) else [None] * len(raw_rules)
    )
    rules: list[RoleRule] = []
    seen: dict[tuple[str, str], RoleRule] = {}
    for number, (entry, line) in enumerate(zip(raw_rules, lines, strict=True), start=1):
        rule = _check_rule(number, line, entry, zones=zones, circles=circles, problems=problems)
        if rule is None:
            continue
        previous = seen.get((rule.matcher, rule.value))
        if previous is not None:
            problems.append(
                f"{rule.entry}: {rule.matcher} `{rule.value}` staat al in {previous.entry}; "
                "elke identiteit mag maar één keer voorkomen"
            )
            continue
        seen[(rule.matcher, rule.value)] = rule
        rules.append(rule)
    if problems:
        raise RoleConfigError(path, problems)
    return RoleConfig(path=path, rules=tuple(rules), group_claim=group_claim)


def _check_settings(settings: Any, problems: list[str]) -> str:
    if not isinstance(settings, dict):
        problems.append("`settings` moet een tabel zijn: [settings]")
        return DEFAULT_GROUP_CLAIM
    problems.extend(
        f"[settings]: onbekende sleutel `{key}` (toegestaan: {', '.join(SETTINGS_KEYS)})"
        for key in settings
        if key not in SETTINGS_KEYS
    )
    claim = settings.get("group_claim", DEFAULT_GROUP_CLAIM)
    if not isinstance(claim, str) or not claim.strip():
        problems.append("[settings]: `group_claim` moet een niet-lege tekst zijn")
        return DEFAULT_GROUP_CLAIM
    return claim.strip()


def _names(known: Mapping[str, str] | Collection[str]) -> Mapping[str, str]:
    if isinstance(known, Mapping):
        return known
    return {code: code for code in known}


def _check_rule(
    number: int,
    line: int | None,
    entry: Any,
    *,
    zones: Mapping[str, str] | Collection[str],
    circles: Mapping[str, str] | Collection[str],
    problems: list[str],
) -> RoleRule | None:
    if not isinstance(entry, dict):
        problems.append(f"{_entry_name(number, line, None)}: moet een tabel zijn ([[rule]])")
        return None
    present = [m for m in MATCHERS if m in entry]
    what = f'{present[0]} = "{entry[present[0]]}"' if len(present) == 1 else None
    name = _entry_name(number, line, what)
    before = len(problems)
    problems.extend(
        f"{name}: onbekende sleutel `{key}` (toegestaan: {', '.join(RULE_KEYS)})"
        for key in entry
        if key not in RULE_KEYS
    )
    if not present:
        problems.append(f"{name}: geen `email`, `group` of `domain`: voor wie geldt deze regel?")
    elif len(present) > 1:
        problems.append(f"{name}: precies één van `email`, `group`, `domain` (nu: {present})")
    matcher = present[0] if len(present) == 1 else None
    value = ""
    if matcher is not None:
        raw = entry[matcher]
        if not isinstance(raw, str) or not raw.strip():
            problems.append(f"{name}: `{matcher}` moet een niet-lege tekst zijn")
        else:
            value = raw.strip() if matcher == "group" else raw.strip().lower()
            if matcher == "email":
                parsed = parse_address(value)
                if parsed is None:
                    problems.append(f"{name}: `{raw}` is geen e-mailadres")
                else:
                    value = parsed.email
            if matcher == "domain" and not _DOMAIN.match(value):
                problems.append(
                    f"{name}: `{raw}` is geen domein (schrijf `voorbeeld.be`, zonder @)"
                )
    kind = entry.get("role")
    zone = entry.get("zone")
    circle = entry.get("circle")
    if "note" in entry and not isinstance(entry["note"], str):
        problems.append(f"{name}: `note` moet een tekst zijn")
    if not isinstance(kind, str) or kind not in ROLE_KINDS:
        problems.append(
            f"{name}: `role` ontbreekt of is onbekend ({kind!r}); kies uit {', '.join(ROLE_KINDS)}"
        )
        kind = None
    zone_names = _names(zones)
    circle_names = _names(circles)
    for key, val in (("zone", zone), ("circle", circle)):
        if val is not None and not isinstance(val, str):
            problems.append(f"{name}: `{key}` moet een tekst zijn")
    if kind == "zorgraad":
        if zone is None:
            problems.append(f'{name}: de rol zorgraad heeft een `zone` nodig (bv. zone = "elz13")')
        elif isinstance(zone, str) and zone not in zone_names:
            problems.append(f"{name}: onbekende zone `{zone}` (niet in de gegevens)")
        if circle is not None:
            problems.append(f"{name}: de rol zorgraad krijgt geen `circle`")
    elif kind == "kring":
        if circle is None:
            problems.append(f'{name}: de rol kring heeft een `circle` nodig (bv. circle = "hak07")')
        elif isinstance(circle, str) and circle not in circle_names:
            problems.append(f"{name}: onbekende huisartsenkring `{circle}` (niet in de gegevens)")
        if zone is not None:
            problems.append(f"{name}: de rol kring krijgt geen `zone`")
    elif kind is not None and (zone is not None or circle is not None):
        problems.append(f"{name}: de rol {kind} hoort bij geen `zone` of `circle`")
    if len(problems) > before or matcher is None or kind is None:
        return None
    role_kind: RoleKind = kind
    label = ""
    if role_kind == "zorgraad":
        label = zone_names[str(zone)]
    elif role_kind == "kring":
        label = circle_names[str(circle)]
    role = Role(
        role_kind,
        zone_code=zone if role_kind == "zorgraad" else None,
        circle_code=circle if role_kind == "kring" else None,
        label=label,
    )
    return RoleRule(number=number, matcher=matcher, value=value, role=role, line=line)
