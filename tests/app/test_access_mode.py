"""The access mode: the demo role switch only with demo data and no sign-in (no Streamlit)."""

from __future__ import annotations

import pytest

from popmgmt.app import access


@pytest.mark.parametrize(
    ("demo_data", "auth", "role_file", "switch", "name"),
    [
        (True, False, False, True, "demo"),
        (True, True, False, False, "aanmelding"),
        (True, False, True, False, "aanmelding"),
        (True, True, True, False, "aanmelding"),
        (False, False, False, False, "publiek"),
        (False, True, False, False, "aanmelding"),
        (False, False, True, False, "aanmelding"),
    ],
)
def test_demo_switch_only_with_demo_data_and_no_sign_in(
    demo_data: bool, auth: bool, role_file: bool, switch: bool, name: str
) -> None:
    mode = access.access_mode(demo_data=demo_data, auth_configured=auth, role_file=role_file)
    assert mode.demo_switch is switch
    assert mode.name == name
    assert mode.log_text().startswith(f"access mode: {name} ")
    assert f"demo-switch={'yes' if switch else 'no'}" in mode.log_text()
    assert mode.sidebar_text().startswith(f"Toegangsmodus: {name}")


def test_demo_data_with_sign_in_says_so_in_the_sidebar() -> None:
    mode = access.access_mode(demo_data=True, auth_configured=True, role_file=False)
    assert "demodata" in mode.sidebar_text()
    assert "data=demo sign-in=yes" in mode.log_text()


@pytest.mark.parametrize(
    ("manifest", "demo"),
    [
        ({"demo": True}, True),
        ({"demo": False}, False),
        ({}, False),
        ({"demo": "true"}, False),
        ({"demo": "false"}, False),
        ({"demo": 1}, False),
        ({"demo": [True]}, False),
    ],
)
def test_only_a_boolean_true_in_the_manifest_is_demo(
    manifest: dict[str, object], demo: bool
) -> None:
    assert access.manifest_is_demo(manifest) is demo
