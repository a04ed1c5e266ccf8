"""The role file: parsing, resolution of identities, and errors that name the entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from popmgmt.app import access, roles
from popmgmt.app.access import PUBLIC, Role
from popmgmt.app.roles import RoleConfigError, load_role_config, parse_role_config
from popmgmt.app.store import Marts

ZONES = {"elz13": "Gent", "elz32": "Oost-Meetjesland"}
CIRCLES = {"hak13": "Huisartsenkring Gent", "hak30": "Huisartsenkring Regio Evergem"}

GOOD = """
[settings]
group_claim = "roles"

[[rule]]
email = "An.Peeters@Zorgraad-Gent.example"
role = "zorgraad"
zone = "elz13"
note = "population manager"

[[rule]]
group = "hak-evergem"
role = "kring"
circle = "hak30"

[[rule]]
group = "hak-gent"
role = "kring"
circle = "hak13"

[[rule]]
domain = "departement-zorg.example"
role = "departement"

[[rule]]
email = "stagiair@departement-zorg.example"
role = "publiek"
"""


def parse(text: str) -> roles.RoleConfig:
    return parse_role_config(text, path=Path("roles.toml"), zones=ZONES, circles=CIRCLES)


def problems(text: str) -> list[str]:
    with pytest.raises(RoleConfigError) as info:
        parse(text)
    assert str(info.value).startswith("Het rollenbestand `roles.toml` is ongeldig")
    return info.value.problems


# --- a good file ----------------------------------------------------------------------------


def test_good_file_parses() -> None:
    config = parse(GOOD)
    assert config.group_claim == "roles"
    assert [r.matcher for r in config.rules] == ["email", "group", "group", "domain", "email"]
    assert [r.line for r in config.rules] == [5, 11, 16, 21, 25]
    first = config.rules[0]
    assert first.value == "an.peeters@zorgraad-gent.example"
    assert first.role == Role("zorgraad", zone_code="elz13", label="Gent")
    assert first.entry == '[[rule]] nr. 1 (lijn 5, email = "an.peeters@zorgraad-gent.example")'
    assert config.rules[1].role == Role(
        "kring", circle_code="hak30", label="Huisartsenkring Regio Evergem"
    )


V = {"email_verified": True}


@pytest.mark.parametrize(
    ("claims", "expected", "rule_number"),
    [
        ({"email": "an.peeters@zorgraad-gent.example", **V}, "zorgraad:elz13", 1),
        ({"email": "AN.PEETERS@zorgraad-gent.example ", **V}, "zorgraad:elz13", 1),
        ({"email": "x@y.example", "roles": ["hak-gent"]}, "kring:hak13", 3),
        ({"email": "x@y.example", "roles": "hak-gent"}, "kring:hak13", 3),
        # several groups: the first group rule in the file wins
        ({"email": "x@y.example", "roles": ["hak-gent", "hak-evergem"]}, "kring:hak30", 2),
        ({"email": "analist@departement-zorg.example", **V}, "departement", 4),
        # the domain is compared case-insensitively
        ({"email": "Analist@DEPARTEMENT-Zorg.EXAMPLE", **V}, "departement", 4),
        # an e-mail rule is more specific than the domain rule
        ({"email": "stagiair@departement-zorg.example", **V}, "publiek", 5),
        # ... and than a group rule
        (
            {"email": "an.peeters@zorgraad-gent.example", "roles": ["hak-gent"], **V},
            "zorgraad:elz13",
            1,
        ),
        # a subdomain is not the domain
        ({"email": "x@sub.departement-zorg.example", **V}, "publiek", None),
        ({"email": "iemand@elders.example", **V}, "publiek", None),
        ({}, "publiek", None),
        # the group claim is the configured one, not "groups"
        ({"email": "x@y.example", "groups": ["hak-gent"]}, "publiek", None),
    ],
)
def test_resolution(claims: dict[str, object], expected: str, rule_number: int | None) -> None:
    match = parse(GOOD).resolve(claims)
    assert match.role.key == expected
    assert (match.rule.number if match.rule else None) == rule_number


def test_unverified_email_is_not_trusted() -> None:
    """Given a provider that says the address is unverified, e-mail and domain rules do
    not apply (anyone could claim the address); group rules still do."""
    config = parse(GOOD)
    unverified = {"email": "an.peeters@zorgraad-gent.example", "email_verified": False}
    assert config.resolve(unverified).role == PUBLIC
    domain = {"email": "a@departement-zorg.example", "email_verified": False}
    assert config.resolve(domain).role == PUBLIC
    assert config.resolve({**unverified, "roles": ["hak-gent"]}).role.key == "kring:hak13"
    assert config.resolve({**unverified, "email_verified": True}).role.key == "zorgraad:elz13"


DEPT = "departement-zorg.example"


@pytest.mark.parametrize(
    "claims",
    [
        # email_verified must be the boolean True
        {"email": f"a@{DEPT}", "email_verified": "false"},
        {"email": f"a@{DEPT}", "email_verified": "true"},
        {"email": f"a@{DEPT}", "email_verified": "True"},
        {"email": f"a@{DEPT}", "email_verified": 1},
        {"email": f"a@{DEPT}", "email_verified": [True]},
        {"email": f"a@{DEPT}", "email_verified": None},
        {"email": f"a@{DEPT}"},
        # the address must be one address, not text that ends in the domain
        {"email": f"evil@gmail.com@{DEPT}", **V},
        {"email": f'"evil@gmail.com"@{DEPT}', **V},
        {"email": f"evil@gmail.com,a@{DEPT}", **V},
        {"email": f"evil@gmail.com a@{DEPT}", **V},
        {"email": f"Evil <a@{DEPT}>", **V},
        {"email": f"a@{DEPT}.", **V},
        {"email": f"@{DEPT}", **V},
        {"email": DEPT, **V},
        {"email": [f"a@{DEPT}"], **V},
        {"email": {"value": f"a@{DEPT}"}, **V},
        # subdomain and suffix tricks
        {"email": f"x@{DEPT}.evil.com", **V},
        {"email": f"x@evil-{DEPT}", **V},
        {"email": f"x@sub.{DEPT}", **V},
        {"email": "x@departement-zorg.example.com", **V},
        # unicode look-alikes: Cyrillic e, fullwidth letters, a soft hyphen, a dotless i
        {"email": "x@d\u0435partement-zorg.example", **V},
        {"email": "x@\uff44epartement-zorg.example", **V},
        {"email": "x@departement\u00ad-zorg.example", **V},
        {"email": "x@departement-zorg.\u0435xample", **V},
        {"email": "x@departement-zorg\uff0eexample", **V},
        {"email": "x@DEPARTEMENT-ZORG\u3002EXAMPLE", **V},
        {"email": "stag\u0131air@departement-zorg.example", **V},
        # an IP-address domain
        {"email": "x@[127.0.0.1]", **V},
    ],
    ids=repr,
)
def test_forged_claims_give_no_role(claims: dict[str, object]) -> None:
    """Given claims an attacker can shape (an unverified or oddly verified address, an
    address that only ends in the department's domain, a look-alike domain), the
    department's domain rule does not apply: the user is public."""
    config = parse(f'[[rule]]\ndomain = "{DEPT}"\nrole = "departement"\n')
    assert config.resolve(claims).role == PUBLIC


def test_forged_email_rule_claims_give_no_role() -> None:
    """The same holds for a rule naming one address."""
    config = parse(
        '[[rule]]\nemail = "an@zorgraad-gent.example"\nrole = "zorgraad"\nzone = "elz13"\n'
    )
    good = {"email": "an@zorgraad-gent.example", "email_verified": True}
    assert config.resolve(good).role.key == "zorgraad:elz13"
    for forged in (
        {**good, "email_verified": "true"},
        {"email": good["email"]},
        {**good, "email": "evil@x.example@an@zorgraad-gent.example"},
        {**good, "email": "\u0430n@zorgraad-gent.example"},  # Cyrillic a
        {**good, "email": "an@zorgraad-gent.example.evil.com"},
    ):
        assert config.resolve(forged).role == PUBLIC, forged


def test_group_claim_needs_no_verified_email() -> None:
    """A group claim is released by the provider itself: it gives the role even without a
    verified address (and with a forged one)."""
    config = parse(GOOD)
    claims = {"email": f"evil@gmail.com@{DEPT}", "email_verified": "true", "roles": ["hak-gent"]}
    assert config.resolve(claims).role.key == "kring:hak13"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A@Departement-Zorg.Example", ("a@departement-zorg.example", DEPT)),
        ("  a@departement-zorg.example ", ("a@departement-zorg.example", DEPT)),
        ("x@b\u00fccher.example", ("x@xn--bcher-kva.example", "xn--bcher-kva.example")),
    ],
)
def test_parse_address(text: str, expected: tuple[str, str]) -> None:
    address = roles.parse_address(text)
    assert address is not None
    assert (address.email, address.domain) == expected


def test_empty_file_makes_everyone_public() -> None:
    config = parse("")
    assert config.rules == ()
    assert config.group_claim == roles.DEFAULT_GROUP_CLAIM
    assert config.resolve({"email": "a@b.example", "groups": ["x"]}).role == PUBLIC


# --- errors name the entry ------------------------------------------------------------------


def test_unknown_zone_names_the_entry() -> None:
    found = problems('[[rule]]\nemail = "a@b.example"\nrole = "zorgraad"\nzone = "elz99"\n')
    assert found == [
        '[[rule]] nr. 1 (lijn 1, email = "a@b.example"): onbekende zone `elz99` '
        "(niet in de gegevens)"
    ]


def test_unknown_circle_names_the_entry() -> None:
    text = GOOD + '\n[[rule]]\ngroup = "hak-nergens"\nrole = "kring"\ncircle = "hak99"\n'
    found = problems(text)
    assert found == [
        '[[rule]] nr. 6 (lijn 29, group = "hak-nergens"): onbekende huisartsenkring `hak99` '
        "(niet in de gegevens)"
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('email = "a@b.example"', "`role` ontbreekt of is onbekend (None)"),
        (
            'email = "a@b.example"\nrole = "beheerder"',
            "`role` ontbreekt of is onbekend ('beheerder')",
        ),
        ('role = "departement"', "geen `email`, `group` of `domain`"),
        (
            'email = "a@b.example"\ndomain = "b.example"\nrole = "departement"',
            "precies één van `email`, `group`, `domain`",
        ),
        (
            'email = "a@b.example"\nrole = "departement"\nzonne = "elz13"',
            "onbekende sleutel `zonne`",
        ),
        ('email = "a@b.example"\nrole = "zorgraad"', "de rol zorgraad heeft een `zone` nodig"),
        ('email = "a@b.example"\nrole = "kring"', "de rol kring heeft een `circle` nodig"),
        (
            'email = "a@b.example"\nrole = "kring"\ncircle = "hak13"\nzone = "elz13"',
            "de rol kring krijgt geen `zone`",
        ),
        (
            'email = "a@b.example"\nrole = "zorgraad"\nzone = "elz13"\ncircle = "hak13"',
            "de rol zorgraad krijgt geen `circle`",
        ),
        ('email = "a@b.example"\nrole = "departement"\nzone = "elz13"', "hoort bij geen `zone`"),
        ('email = "a@b.example"\nrole = "publiek"\ncircle = "hak13"', "hoort bij geen `zone`"),
        ('email = "niet-een-adres"\nrole = "departement"', "is geen e-mailadres"),
        ('email = "a@gmail.com@b.example"\nrole = "departement"', "is geen e-mailadres"),
        ('email = "\\"a b\\"@b.example"\nrole = "departement"', "is geen e-mailadres"),
        ('domain = "@b.example"\nrole = "departement"', "is geen domein"),
        ('group = ""\nrole = "departement"', "`group` moet een niet-lege tekst zijn"),
        ('email = 12\nrole = "departement"', "`email` moet een niet-lege tekst zijn"),
        ('email = "a@b.example"\nrole = "zorgraad"\nzone = 13', "`zone` moet een tekst zijn"),
        ('email = "a@b.example"\nrole = "departement"\nnote = 1', "`note` moet een tekst zijn"),
    ],
)
def test_malformed_entry_names_the_entry(entry: str, expected: str) -> None:
    text = f'[[rule]]\ngroup = "ok"\nrole = "publiek"\n\n[[rule]]\n{entry}\n'
    found = problems(text)
    assert len(found) >= 1
    assert all(p.startswith("[[rule]] nr. 2 (lijn 5") for p in found), found
    assert any(expected in p for p in found), found


def test_every_problem_is_listed() -> None:
    text = (
        '[[rule]]\nemail = "a@b.example"\nrole = "zorgraad"\nzone = "elz99"\n\n'
        '[[rule]]\ngroup = "g"\nrole = "kring"\ncircle = "hak99"\n\n'
        '[[rule]]\nemail = "A@B.example"\nrole = "departement"\n'
    )
    found = problems(text)
    assert len(found) == 2
    assert "nr. 1" in found[0]
    assert "elz99" in found[0]
    assert "nr. 2" in found[1]
    assert "hak99" in found[1]


def test_duplicate_identity_is_refused() -> None:
    text = (
        '[[rule]]\nemail = "a@b.example"\nrole = "departement"\n\n'
        '[[rule]]\nemail = "A@b.example"\nrole = "publiek"\n'
    )
    assert problems(text) == [
        '[[rule]] nr. 2 (lijn 5, email = "a@b.example"): email `a@b.example` staat al in '
        '[[rule]] nr. 1 (lijn 1, email = "a@b.example"); elke identiteit mag maar één keer '
        "voorkomen"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[rule]]\nemail = "a@b.example"\nrole = ', "geen geldige TOML"),
        ('rule = "iedereen departement"\n', "`rule` moet een lijst van tabellen zijn"),
        ("rule = [1]\n", "[[rule]] nr. 1: moet een tabel zijn"),
        ('[[rules]]\nemail = "a@b.example"\n', "onbekende sleutel `rules` bovenaan"),
        ('[settings]\ngroup_claim = ""\n', "`group_claim` moet een niet-lege tekst zijn"),
        ('[settings]\ngroepen = "x"\n', "[settings]: onbekende sleutel `groepen`"),
        ('settings = "x"\n', "`settings` moet een tabel zijn"),
    ],
)
def test_malformed_file(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_inline_rules_are_accepted_without_line_numbers() -> None:
    config = parse('rule = [{ email = "a@b.example", role = "departement" }]\n')
    assert config.rules[0].line is None
    assert config.rules[0].entry == '[[rule]] nr. 1 (email = "a@b.example")'


# --- files and the environment ----------------------------------------------------------------


def test_absent_default_file_is_everyone_public(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(roles.ROLES_ENV, raising=False)
    monkeypatch.setattr(roles, "DEFAULT_ROLES_FILE", tmp_path / "roles.toml")
    path, explicit = roles.roles_path()
    assert (path, explicit) == (tmp_path / "roles.toml", False)
    assert load_role_config(zones=ZONES, circles=CIRCLES) == roles.RoleConfig()


def test_named_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """POPMGMT_ROLES names a file that is not there: a mistake, not 'everyone public'."""
    missing = tmp_path / "weg.toml"
    monkeypatch.setenv(roles.ROLES_ENV, str(missing))
    assert roles.roles_path() == (missing, True)
    with pytest.raises(RoleConfigError, match="bestaat niet"):
        load_role_config(zones=ZONES, circles=CIRCLES)


def test_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv(roles.ROLES_ENV, str(path))
    config = load_role_config(zones=ZONES, circles=CIRCLES)
    assert config.path == path
    assert len(config.rules) == 5
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(RoleConfigError, match="onleesbaar"):
        load_role_config(path, zones=ZONES, circles=CIRCLES)


def test_zones_as_plain_codes() -> None:
    config = parse_role_config(
        '[[rule]]\nemail = "a@b.example"\nrole = "zorgraad"\nzone = "elz13"\n',
        zones={"elz13"},
        circles=set(),
    )
    assert config.rules[0].role == Role("zorgraad", zone_code="elz13", label="elz13")


def test_example_file_is_valid_for_the_demo(marts: Marts) -> None:
    """config/roles.example.toml checks out against the demo build's zones and circles."""
    config = load_role_config(
        ROOT / "config" / "roles.example.toml",
        zones=access.area_names(marts, "zone"),
        circles=access.area_names(marts, "kring"),
    )
    assert {r.role.kind for r in config.rules} == {"zorgraad", "kring", "departement"}
    assert config.group_claim == "groups"
