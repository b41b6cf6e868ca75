"""Block Kit renderings, built with slack_sdk.models so Slack's limits are checked."""
