"""Settings read from the environment (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET = 32  # characters of PORTEVOIX_LINK_SECRET (`openssl rand -hex 32` gives 64)


class Settings(BaseSettings):
    """Everything Porte-Voix reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="PORTEVOIX_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///porte-voix.db"
    public_url: str = "http://localhost:8080"
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 8080
    # /metrics: on its own listener (bound to loopback by default), never on the public one;
    # metrics_port 0 turns that listener off. A token, if set, is required as a Bearer.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9108, ge=0, le=65535)
    metrics_token: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"
    default_locale: str = "en"
    default_timezone: str = "Europe/Paris"
    charter_path: str | None = None
    # Signs the one-time links to a member's data export (docs/privacy.md); none: no links.
    link_secret: SecretStr | None = None
    # Days after a stop before the member's personal data is erased, and days shares, clicks
    # and audit entries are kept (scheduler/maintenance.py).
    retention_stopped_days: int = Field(default=30, ge=1)
    retention_days: int = Field(default=400, ge=1)

    # Secrets are SecretStr: a logged or printed Settings shows '**********'.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias="SLACK_API_URL"
    )
    # Nudges a second to one Slack workspace, all replicas together (a budget they share
    # through the database); the Teams one is per tenant. See docs/delivery.md.
    slack_workspace_rate: float = Field(default=20.0, gt=0)
    teams_tenant_rate: float = Field(default=50.0, gt=0)
    # Resend checks (conversations.history) a minute to one Slack workspace: 50 for an app
    # installed only in its own workspace (Tier 3), 1 for one distributed outside the
    # Slack Marketplace (since 2025). See docs/delivery.md.
    slack_history_per_minute: float = Field(default=50.0, gt=0)
    teams_app_id: str | None = Field(default=None, validation_alias="TEAMS_APP_ID")
    teams_app_password: SecretStr | None = Field(
        default=None, validation_alias="TEAMS_APP_PASSWORD")
    teams_app_tenant_id: str | None = Field(default=None, validation_alias="TEAMS_APP_TENANT_ID")
    teams_app_type: str = Field(default="MultiTenant", validation_alias="TEAMS_APP_TYPE")
    # Teams without an app id (Bot Framework Emulator, tests): no authentication at all.
    teams_local: bool = False

    # An optional AI writer: any OpenAI-compatible chat-completions server (docs/ai.md).
    # Without a URL and a model, suggestions come from the template engine alone.
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=20.0, gt=0)  # seconds for one answer
    llm_per_minute: int = Field(default=60, ge=1)  # requests a minute, all workspaces
    llm_concurrency: int = Field(default=4, ge=1, le=64)  # requests on the wire at once
    # Seconds a nudge waits after planning where AI drafts are on, for its drafts to be
    # written first; 0 sends at once (then mostly with the engine's suggestions).
    llm_lead: float = Field(default=60.0, ge=0, le=3600)

    # Link previews (docs/admin.md): the page of a queued or proposed link is read to prefill
    # its title, summary and language; never from a private address (bot/services/preview/).
    previews: bool = True
    preview_timeout: float = Field(default=5.0, gt=0, le=30)  # seconds for the whole fetch
    preview_max_bytes: int = Field(default=1_000_000, ge=1024, le=10_000_000)
    # Tests only: "host:port" pairs the guard lets through (a local page server).
    preview_test_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_url and self.llm_model)

    @field_validator("link_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and 0 < len(value.get_secret_value()) < MIN_SECRET:
            raise ValueError(f"PORTEVOIX_LINK_SECRET needs at least {MIN_SECRET} characters")
        return value if value is not None and value.get_secret_value() else None

    @field_validator("admins", "preview_test_allow", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
