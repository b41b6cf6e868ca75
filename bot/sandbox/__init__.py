"""Offline Slack: a Web API emulator, a driver that talks to the bot the way Slack does,
and the terminal chat built on both (``creditbot sandbox``). The test suite uses the same
pieces, so what a user tries in the sandbox is what the tests exercise."""
