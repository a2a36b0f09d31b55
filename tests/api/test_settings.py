"""Settings: defaults, environment over .env, clear errors, the database URL kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Secret, Settings, SettingsError


def test_defaults_without_any_variable(tmp_path: Path) -> None:
    settings = Settings.from_env({"HOME": str(tmp_path)}, env_file=None)
    assert settings.database_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.log_level == "INFO"
    assert settings.production is False
    assert settings.data_dir == Path.home() / ".local" / "share" / "allot"


def test_environment_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://app:pw@db:5432/allot",
            "ALLOT_HOST": "0.0.0.0",
            "ALLOT_PORT": "9000",
            "ALLOT_DATA_DIR": "/srv/allot",
            "ALLOT_LOG_LEVEL": "debug",
            "ALLOT_PRODUCTION": "yes",
            "ALLOT_POOL_MAX_SIZE": "20",
        },
        env_file=None,
    )
    assert settings.database_url is not None
    assert settings.database_url.reveal() == "postgresql://app:pw@db:5432/allot"
    assert (settings.host, settings.port, settings.data_dir) == (
        "0.0.0.0",
        9000,
        Path("/srv/allot"),
    )
    assert (settings.log_level, settings.production, settings.pool_max_size) == ("DEBUG", True, 20)


def test_xdg_data_home_sets_the_default_data_dir() -> None:
    settings = Settings.from_env({"XDG_DATA_HOME": "/data/me"}, env_file=None)
    assert settings.data_dir == Path("/data/me/allot")


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ALLOT_PORT=7000\nALLOT_HOST=10.0.0.1\n")
    settings = Settings.from_env({"ALLOT_PORT": "7100"}, env_file=env_file)
    assert (settings.host, settings.port) == ("10.0.0.1", 7100)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ALLOT_PORT", "http", "ALLOT_PORT: must be an integer, got 'http'"),
        ("ALLOT_PORT", "70000", "ALLOT_PORT: must be between 0 and 65535, got 70000"),
        ("ALLOT_PRODUCTION", "maybe", "ALLOT_PRODUCTION: must be true or false"),
        ("ALLOT_LOG_LEVEL", "loud", "ALLOT_LOG_LEVEL: must be one of DEBUG, INFO"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with postgresql://"),
        ("ALLOT_POOL_MAX_SIZE", "1", "ALLOT_POOL_MAX_SIZE: must be >= ALLOT_POOL_MIN_SIZE"),
    ],
)
def test_bad_values_name_the_variable_and_rule(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value}, env_file=None)
    assert str(info.value).startswith(message)


def test_database_url_password_never_shows() -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": "postgresql://app:hunter2@db/allot"}, env_file=None
    )
    for text in (str(settings), repr(settings), str(settings.database_url)):
        assert "hunter2" not in text
    assert "postgresql://app:***@db/allot" in repr(settings)
    assert Secret("x") == Secret("x")
