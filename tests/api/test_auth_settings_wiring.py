"""Security settings as part of the service settings: read from the environment with the
rest; a bad value stops any command with one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.auth_settings import AuthSettingsError
from api.cli import main
from api.settings import Settings
from db.principal import Role


def test_security_settings_are_read_with_the_rest() -> None:
    settings = Settings.from_env(
        {"ALLOT_JWT_SECRET": "x" * 40, "ALLOT_DEMO_ANONYMOUS_ROLE": "viewer"}, env_file=None
    )
    assert settings.auth.has_keys
    assert settings.auth.demo_anonymous_role is Role.VIEWER
    assert "x" * 40 not in repr(settings)
    assert Settings().auth.has_keys is False  # nothing configured: every token is refused


def test_anonymous_role_is_refused_in_production() -> None:
    values = {"ALLOT_PRODUCTION": "true", "ALLOT_DEMO_ANONYMOUS_ROLE": "ADMIN"}
    with pytest.raises(AuthSettingsError, match="not allowed with ALLOT_PRODUCTION=true"):
        Settings.from_env(values, env_file=None)


def test_a_bad_security_setting_stops_a_command_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLOT_JWT_SECRET", "too-short")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err == "allot migrate: error: ALLOT_JWT_SECRET: must be at least 32 characters, got 9\n"
