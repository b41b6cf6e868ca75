"""One rule for Slack ids: app.yaml and the ERP's exports accept and refuse the same."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.config.fields import UserId
from domain.imports.fields import FieldError, slack_user

IDS = ["U0123ABCDE", "W0123ABCDE", "U01SALESAMY", "U12345678", "U1", "U012", "u0123abcde",
       "C0123ABCDE", "U0123ABCDE ", "U" + "A" * 40, "<@U0123ABCDE>"]


@pytest.mark.parametrize("candidate", IDS)
def test_config_and_imports_agree_on_what_a_user_id_is(candidate):
    try:
        TypeAdapter(UserId).validate_python(candidate)
        config_accepts = True
    except ValidationError:
        config_accepts = False
    try:
        slack_user(candidate)
        import_accepts = True
    except FieldError:
        import_accepts = False
    assert config_accepts == import_accepts
    assert config_accepts == (candidate in {"U0123ABCDE", "W0123ABCDE", "U01SALESAMY",
                                            "U12345678"})
