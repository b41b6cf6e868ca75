"""Text from people and the ERP, made safe for every field Slack shows."""

from __future__ import annotations

import pytest

from domain.text import as_written
from handlers.render import (
    clip,
    erp_text,
    fitting,
    person_text,
    plain,
    section,
    sections,
    user_text,
)


def test_invisible_and_control_characters_are_never_shown():
    assert plain("\u200b" * 199 + "x", 150) == "x"
    assert user_text("Evil\x1b]0;PWNED\x07 Corp\u202e") == "Evil]0;PWNED Corp"
    # ... but for the joiners where they join: an emoji family stayed three people, a
    # Persian name lost its shape; alone, a joiner is dropped like the rest.
    assert user_text("👨\u200d👩\u200d👧 Family \u200d") == "👨\u200d👩\u200d👧 Family "
    assert user_text("فروشگاه\u200cنو") == "فروشگاه\u200cنو"
    assert plain("\u200d\u200c" * 50 + "x", 150) == "x"


def test_escaping_comes_before_clipping_and_never_cuts_an_entity():
    assert user_text("<!channel> & co") == "&lt;!channel&gt; &amp; co"
    assert user_text("&" * 600, 100) == "&amp;" * 19 + "…"
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"


def test_controls_that_separate_words_are_spaces():
    # A tab, form feed, carriage return or NEL between words was dropped: "TabName".
    assert [plain(f"Tab{c}Name", 50) for c in "\t\x0b\x0c\r\x1f\x85"] == ["Tab Name"] * 6
    assert user_text("Evil\x1b[0mCorp\tLtd") == "Evil[0mCorp Ltd"


@pytest.mark.parametrize(("erp", "shown"), [
    ("Acme :rotating_light: Recall", "Acme \u2236rotating_light: Recall"),
    # A colon shared with a word before the code: the code is caught all the same.
    ("Acme:Co:rotating_light: Recall", "Acme\u2236Co\u2236rotating_light: Recall"),
    ("Ref:x:ok:", "Ref\u2236x\u2236ok:"),
    # Times, amounts and a single colon are not codes.
    ("Tel: 10:30:45", "Tel: 10:30:45"), ("Ratio 3:4", "Ratio 3:4"), ("a:b", "a:b"),
])
def test_an_emoji_code_from_the_erp_shows_as_written(erp, shown):
    assert erp_text(erp, 200) == shown
    # Copied from a message and typed back, it is the value as the ERP has it.
    assert as_written(erp_text(erp, 200)) == erp


def test_what_a_person_writes_keeps_its_emoji():
    assert person_text("Paid :white_check_mark: today", 200) == "Paid :white_check_mark: today"


def test_fitting_counts_the_whole_lines_a_room_holds():
    # Each line weighs its length and the line break before it.
    assert fitting(["abcd", "ef", "g"], 8) == 2
    assert fitting(["abcd", "ef", "g"], 7) == 1
    assert fitting(["abcd", "ef", "g"], 10) == 3
    assert fitting(["abcdefgh"], 5) == 0
    assert fitting([], 5) == 0


def test_what_a_person_wrote_is_cut_at_its_own_length_not_at_its_escaping():
    # A form's 2,000 characters with "R&D" in them lost their end once "&" became "&amp;".
    written = ("R&D plans for Q1 and <Q2>, a draft to read. " * 50)[:1990].rstrip() + " the end"
    assert person_text(written, 2000) == written.replace("&", "&amp;").replace(
        "<", "&lt;").replace(">", "&gt;")
    assert person_text(written + "more", 2000).endswith("…")
    # Text made of little else is cut where its escaping passes a quarter more.
    assert person_text("&" * 2000, 2000) == "&amp;" * 499 + "…"


def test_sections_split_a_long_text_between_its_lines():
    lines = [f"> decision {n} " + "x" * 90 for n in range(80)]
    blocks = sections("*Decisions*\n" + "\n".join(lines))
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) == 3 and all(len(t) <= 3000 for t in texts)
    assert "\n".join(texts) == "*Decisions*\n" + "\n".join(lines)
    assert sections("one line") == [section("one line")]


def test_sections_split_a_line_longer_than_a_section_within_it():
    # A single-line decision of 2,500 characters with an "&" in it: cut at the section's
    # 3,000 once escaped and quoted.
    line = "> " + ("R&amp;D and M&amp;A " * 200).strip()
    assert len(line) > 3000
    texts = [b["text"]["text"] for b in sections("*Decisions*\n" + line)]
    assert texts[0] == "*Decisions*" and all(len(t) < 3000 for t in texts)
    assert texts[2].startswith("> ") and "…" not in "".join(texts)
    assert texts[1] + texts[2].removeprefix("> ") == line
    assert all(t.count("&") == t.count(";") for t in texts)  # no entity cut in two
