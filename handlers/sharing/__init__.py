"""Sharing any card (check, alert line, credit request) into a department's channel
with a note: one form, one use case (domain.sharing). The declaration is in
``handlers.sharing.feature``."""
