"""Control characters typed into a form (a NUL breaks PostgreSQL's text columns) are
read as spaces, not turned into an apology with nothing recorded."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditRow
from tests.e2e.conftest import SALES, SALES_CHANNEL, World


def test_a_nul_in_a_forms_reason_files_the_request_with_a_space(world: World):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request", wait=False)
    view = reply.raw["view"]
    answer = world.slack.submit(SALES, view, {
        "customer": "acme\x00 packaging", "amount": "+10k", "reason": "fine\x00 by\x1b me"})
    assert answer.status == 200 and answer.body == ""
    with world.services.engine.connect() as conn:
        filed = conn.execute(select(AuditRow.subject, AuditRow.details).where(
            AuditRow.action == "requests.filed")).all()
    assert [(subject, details["reason"]) for subject, details in filed] == [
        ("C0002", "fine by me")]
