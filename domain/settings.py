"""Runtime configuration from environment variables (DESIGN.md, Configuration)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.profile import DEFAULT_PROFILE, Profile, load_profile


class SettingMissing(RuntimeError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "safeguarding-reviews"
    smtp_host: str = "localhost"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 20.0
    mail_from: str | None = None
    public_base_url: str = "http://localhost:8000"
    link_signing_key: SecretStr | None = None
    link_max_age_days: int = Field(default=28, ge=1)
    partnership_profile: Path = DEFAULT_PROFILE
    intake_api_token: SecretStr | None = None
    # Temporal payload encryption: "id:base64key,..." (the first encrypts; all decrypt).
    payload_keys: SecretStr | None = None
    # Lets an operator's Temporal UI decrypt payloads through the web app's codec endpoint.
    operator_token: SecretStr | None = None
    temporal_ui_origin: str = "http://localhost:8233"  # allowed to call the codec endpoint
    # The worker's record of mail already sent, so a retried send never sends twice.
    outbox_path: Path = Path(".local/outbox.sqlite3")
    # Workflows kept in the worker's memory between tasks; one evicted is replayed from its
    # history on its next task. Size it for the lifecycles busy at the same time: each kept
    # costs about half a MiB (its sandbox), and a case waiting days on a timer gains nothing
    # from being kept, so 250 (a partnership's open cases with the lifecycles open beside
    # each) is the default.
    worker_max_cached_workflows: int = Field(default=250, ge=0)
    mail_capture_dir: Path | None = None  # local running only: the web app lists captured mail

    @cached_property
    def profile(self) -> Profile:
        return load_profile(self.partnership_profile)

    @property
    def sender(self) -> str:
        return self.mail_from or self.profile.partnership.team_email

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
            raise SettingMissing(f"{name.upper()} must be set")
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)
