"""The base of every app.yaml section."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)
