"""Slack listeners, grouped by capability: each package (``check``, ``home``, ``help``…)
declares a ``FEATURE`` (handlers.registry) with its subcommands, buttons, events and
scopes; ``handlers.features.register`` wires them all into Bolt. Listeners get their
dependencies from Bolt's context (set by ``handlers.middleware``), never from globals."""
