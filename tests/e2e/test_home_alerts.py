"""The App Home tab lists the open alerts that reach the person."""

from __future__ import annotations

from typing import Any

from bot.slack_app import people
from domain.alerts.use_cases import Alerts
from domain.orders.use_cases import OrderChecks
from handlers.alerts.blocks import open_alert
from handlers.i18n import translator
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, STRANGER, World


def home_of(world: World, user: str) -> list[dict[str, Any]]:
    world.emulator.calls.clear()
    world.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    [published] = world.emulator.wait_for("views.publish")
    assert published.args["user_id"] == user
    return published.args["view"]["blocks"]


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def alerts_part(blocks: list[dict[str, Any]], title: str = "*Open alerts*\n") -> str:
    [part] = [text for text in sections(blocks) if text.startswith(title)]
    return part


def test_the_home_lists_the_open_alerts_that_reach_the_person(world):
    world.services.alerts.scan()
    member = people(world.services)[SALES]
    shown, total = world.services.alerts.open_for(member, limit=10)
    assert len(shown) == 10 and total > 10
    en = translator("en-US")
    part = alerts_part(home_of(world, SALES))
    assert part == "*Open alerts*\n" + "\n".join(
        ["• " + open_alert(en, state.last) for state in shown]
        + [f"… and {total - 10} more alerts, in the digests of your channels"])
    # Their own customers first (Amy owns Fabbrica Rossi); the most severe and largest
    # first, as the digest reads.
    assert part.split("\n")[1] == (
        "• :red_circle: *Credit limit use* — Fabbrica Rossi S.p.A. (C0021): exposure "
        "€374,808.90 of a €340,000.00 limit (110% used) · over the limit by €34,808.90")


def test_the_persons_own_customers_come_before_their_departments(world):
    # A rep's own customer's warning sat behind ten critical lines of the department's
    # other customers, out of sight.
    world.services.alerts.scan()
    member = people(world.services)[SALES]
    every, total = world.services.alerts.open_for(member, limit=1000)
    assert len(every) == total
    owned = [s.last is not None and s.last.subject.owner == SALES for s in every]
    assert any(owned) and not all(owned)
    assert owned == sorted(owned, reverse=True)
    # Among the department's, the most severe first still.
    others = [s.severity for s, own in zip(every, owned, strict=True) if not own]
    assert others == sorted(others, reverse=True)


def test_in_chinese_the_rest_are_counted_as_alerts_not_companies(world):
    """"……还有 36 家" counted alerts as companies (one customer may have two alerts)."""
    world.services.alerts.scan()
    world.emulator.users[SALES].locale = "zh-CN"
    member = people(world.services)[SALES]
    shown, total = world.services.alerts.open_for(member, limit=10)
    zh = translator("zh-CN")
    assert alerts_part(home_of(world, SALES), "*未处理的提醒*\n") == (
        "*未处理的提醒*\n" + "\n".join(["• " + open_alert(zh, state.last) for state in shown]
                                   + [f"……还有 {total - 10} 条提醒，见您所在频道的摘要"]))


def test_before_any_scan_the_home_says_nothing_needs_the_person(world):
    assert alerts_part(home_of(world, SALES)) == (
        "*Open alerts*\nNone: nothing needs your attention.")


def test_people_without_access_see_no_alerts_part(world):
    world.services.alerts.scan()
    blocks = home_of(world, STRANGER)
    assert not any("Open alerts" in text for text in sections(blocks))


def test_a_failure_reading_alerts_costs_that_part_only(world, monkeypatch):
    def broken(self, actor, limit=10):
        raise RuntimeError("the alerts table is gone")

    monkeypatch.setattr(Alerts, "open_for", broken)
    blocks = home_of(world, SALES)
    assert alerts_part(blocks) == "*Open alerts*\nYour open alerts cannot be shown just now."
    texts = sections(blocks)
    assert ":white_check_mark: You may see customers' credit positions." in texts
    assert any(text.startswith("*Commands*\n• `/credit check`") for text in texts)


def test_the_home_stays_within_slacks_limits_with_alerts(world):
    world.services.alerts.scan()
    blocks = home_of(world, SALES)
    assert world.emulator.invalid == []
    assert len(blocks) <= 100


def test_the_home_shows_the_persons_held_orders_open_requests_and_decisions(world,
                                                                           monkeypatch):
    """A rep looked on the Home tab for their held orders and open requests, and found
    the command list only."""
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-9")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme industrial 20k PO-7")  # OK
    world.slack.slash(SALES, SALES_CHANNEL,
                      "/credit request acme packaging +50k bigger orders")
    texts = sections(home_of(world, SALES))
    work = texts[texts.index(":white_check_mark: You may see customers' credit "
                             "positions.") + 1:][:2]
    day = world.services.today()
    assert work[0] == (
        "*Your held orders*\n• *CB-1 (PO-9)* · Lakeside Furniture Outlet (C0013) · "
        f"$10,000.00 · {day:%b} {day.day}, {day.year}: held: not to ship until released\n"
        "`/credit orders` has their buttons.")
    assert work[1].startswith("*Your open requests*\n• *#1* Acme Packaging (C0002) · limit "
                              "increase\n")
    assert work[1].endswith("\n`/credit requests` has their buttons.")
    # The credit manager: the request waits for their decision; nothing of theirs else.
    manager = sections(home_of(world, CREDIT_MANAGER))
    [waiting] = [text for text in manager if text.startswith("*Waiting for your decision*")]
    assert waiting.startswith("*Waiting for your decision*\n• *#1* Acme Packaging (C0002)")
    assert not any(text.startswith(("*Your held orders*", "*Your open requests*"))
                   for text in manager)

    def broken(self, actor, limit=20):
        raise RuntimeError("the orders table is gone")

    # A failure costs this part only.
    monkeypatch.setattr(OrderChecks, "mine", broken)
    texts = sections(home_of(world, SALES))
    assert "*Your work*\nYour requests and orders cannot be shown just now." in texts
    assert any(text.startswith("*Commands*\n• `/credit check`") for text in texts)


def test_long_lines_of_work_stay_within_a_section_with_the_pointer_whole(world,
                                                                         monkeypatch):
    import handlers.home.work

    for n in range(6):
        world.slack.slash(SALES, SALES_CHANNEL, f"/credit order lakeside 1k PO-{n}")
    monkeypatch.setattr(handlers.home.work, "order_line", lambda order, tr: "x" * 1000)
    [held] = [text for text in sections(home_of(world, SALES))
              if text.startswith("*Your held orders*")]
    assert len(held) <= 3000
    assert held.endswith("…\n`/credit orders` shows them all, with their buttons.")
