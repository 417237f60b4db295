"""Settings read from the environment (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Porte-Voix reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="PORTEVOIX_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///porte-voix.db"
    public_url: str = "http://localhost:8080"
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 8080
    log_format: Literal["text", "json"] = "text"
    default_locale: str = "en"
    default_timezone: str = "Europe/Paris"
    charter_path: str | None = None

    # Secrets are SecretStr: a logged or printed Settings shows '**********'.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias="SLACK_API_URL"
    )
    # Nudges a second to one Slack workspace, per process (divide by the replica count).
    slack_rate_per_workspace: float = Field(default=20.0, gt=0)
    teams_app_id: str | None = Field(default=None, validation_alias="TEAMS_APP_ID")
    teams_app_password: SecretStr | None = Field(
        default=None, validation_alias="TEAMS_APP_PASSWORD")
    teams_app_tenant_id: str | None = Field(default=None, validation_alias="TEAMS_APP_TENANT_ID")
    teams_app_type: str = Field(default="MultiTenant", validation_alias="TEAMS_APP_TYPE")
    # Teams without an app id (Bot Framework Emulator, tests): no authentication at all.
    teams_local: bool = False

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
