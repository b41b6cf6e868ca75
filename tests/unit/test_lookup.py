import pytest

from domain.errors import AmbiguousCustomer, CustomerNotFound, DomainError
from domain.lookup import (
    named_without_guessing,
    names_plainly,
    normalize_name,
    query_keys,
    resolve_customer,
)
from domain.refs import CustomerRef
from handlers.customer_hint import guess

NAMES = {
    "C0001": "Acme Industrial Supply",
    "C0002": "Acme Packaging",
    "C0003": "Blue Harbor Foods",
    "C0004": "Bergmann Maschinenbau GmbH",
    "C0005": "华夏机械制造有限公司",
    "C0006": "Summit Outdoor Gear",
    "C0007": "Delta 100% Electronics_Co",
    "C0008": "Blue Harbor Foods",
}


# Customers with a legal name in the local script beside the ERP's name.
LOCAL_NAMES = {
    "C0101": ("Hangzhou Red Falcon Trading", "杭州红隼贸易有限公司"),
    "C0102": ("Hangzhou Silk Road Textiles", "杭州丝绸之路纺织品有限公司"),
    "C0103": ("Nordlicht GmbH", "Nordlicht Handels GmbH"),
}


class FakeDirectory:
    """The CustomerDirectory protocol over a dict of names or (name, local name), as
    storage answers it."""

    def __init__(self, names: dict[str, str | tuple[str, str]]) -> None:
        self.refs = [CustomerRef(cid, *((name,) if isinstance(name, str) else name))
                     for cid, name in names.items()]

    @staticmethod
    def keys(ref):
        return [normalize_name(name) for name in (ref.name, ref.name_local) if name]

    def by_ids(self, customer_ids):
        return [r for r in self.refs if r.customer_id in customer_ids]

    def by_name_key(self, name_key):
        return [r for r in self.refs if name_key in self.keys(r)]

    def by_name_prefix(self, key_prefix, limit):
        return [r for r in self.refs
                if any(key.startswith(key_prefix) for key in self.keys(r))][:limit]

    def all_name_keys(self):
        return [(r, key) for r in self.refs for key in self.keys(r)]


DIRECTORY = FakeDirectory({**NAMES, **LOCAL_NAMES})


def resolve(query):
    return resolve_customer(query, DIRECTORY).customer_id


def test_by_id_exact_and_case_insensitive():
    assert resolve("C0003") == "C0003"
    assert resolve("c0006") == "C0006"


def test_an_id_typed_exactly_wins_over_its_folded_spellings():
    # The ERP may hold ids that differ only in width or case (the import keeps them
    # apart, with a warning): the one typed exactly is the one meant. Folded first,
    # ｃ０００１ reached c0001, and an order was placed on that customer.
    directory = FakeDirectory({"C0001": "Acme", "c0001": "Lower Acme",
                               "ｃ０００１": "Wide Acme", "C0002": "Beta"})

    def found(query: str) -> str:
        return resolve_customer(query, directory).customer_id

    assert [found(q) for q in ("ｃ０００１", "c0001", "C0001", " ｃ０００１ ")] == [
        "ｃ０００１", "c0001", "C0001", "ｃ０００１"]
    # Without an exact one, full width folds and capitals follow, as before.
    assert [found(q) for q in ("Ｃ０００２", "ｃ０００２", "c0002")] == ["C0002"] * 3


def test_an_id_copied_from_a_card_with_its_look_alikes_finds_the_customer():
    # A card shows the ERP's ``B`2`` as ``Bˋ2`` (a backtick would open code in Slack):
    # typed back, it found nothing. The id as typed still wins: the ERP may hold both.
    directory = FakeDirectory({"B`2": "Backtick Ltd", "A*1": "Star Ltd", "X_": "Edge Ltd",
                               "Y_": "Real Underscore", "Y＿": "Other Fullwidth"})

    def found(query: str) -> str:
        return resolve_customer(query, directory).customer_id

    assert [found(q) for q in ("Bˋ2", "b`2", "bˋ2", "A∗1", "X＿", "Y＿", "Y_")] == [
        "B`2", "B`2", "B`2", "A*1", "X_", "Y＿", "Y_"]
    assert guess("Bˋ2", CustomerRef("B`2", "Backtick Ltd")) is None  # named: no note


def test_by_name_ignoring_case_space_and_punctuation():
    assert resolve("summit outdoor gear") == "C0006"
    assert resolve("  SUMMIT   Outdoor, Gear. ") == "C0006"
    assert resolve("华夏机械制造有限公司") == "C0005"


def test_by_unique_prefix():
    assert resolve("berg") == "C0004"
    assert resolve("acme pack") == "C0002"
    assert resolve("华夏") == "C0005"


def test_ambiguous_prefix_lists_the_candidates():
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve("acme")
    assert {c.customer_id for c in raised.value.candidates} == {"C0001", "C0002"}
    assert "Acme Packaging (C0002)" in str(raised.value)


def test_two_customers_with_the_same_name_are_ambiguous():
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve("blue harbor foods")
    assert {c.customer_id for c in raised.value.candidates} == {"C0003", "C0008"}


def test_a_close_match_is_taken_when_it_is_clearly_the_best():
    assert resolve("sumit outdor gear") == "C0006"
    assert resolve("bergman maschinenbau") == "C0004"


def test_unknown_name_gets_the_closest_names_not_a_crash():
    with pytest.raises(CustomerNotFound) as raised:
        resolve("harbour foodz")
    assert "C0003" in {c.customer_id for c in raised.value.candidates}
    with pytest.raises(CustomerNotFound) as nothing:
        resolve("zzzzqqqq")
    assert "No customer matches “zzzzqqqq”" in str(nothing.value)


def test_like_wildcards_in_a_name_are_plain_characters():
    assert normalize_name("Delta 100% Electronics_Co") == "delta 100 electronics_co"
    assert resolve("delta 100") == "C0007"


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_asks_which_customer(query):
    with pytest.raises(DomainError, match="Which customer"):
        resolve(query)


def test_a_typo_in_the_first_letters_of_a_long_name_is_found():
    directory = FakeDirectory({"C1": "Fenwick Retail Group", "C2": "Frontier Auto Parts",
                               "C3": "Aoyama Precision Co., Ltd.", "C4": "Acme Packaging"})
    assert resolve_customer("fenwik", directory).customer_id == "C1"
    # a short common word ("co") must not make every "Co., Ltd." a rival
    assert resolve_customer("acme packagin co", directory).customer_id == "C4"
    # For a command that records, the close match is offered, not taken; a name's
    # unique start is no typo and is still taken.
    with pytest.raises(CustomerNotFound) as offered:
        resolve_customer("fenwik", directory, close=False)
    assert [ref.customer_id for ref in offered.value.candidates][:1] == ["C1"]
    assert resolve_customer("fenw", directory, close=False).customer_id == "C1"


def test_by_either_name_exactly():
    assert resolve("杭州红隼贸易有限公司") == "C0101"
    assert resolve("Hangzhou Red Falcon Trading") == "C0101"
    assert resolve("ｎｏｒｄｌｉｃｈｔ　ｈａｎｄｅｌｓ　ＧｍｂＨ") == "C0103"


def test_by_a_unique_prefix_of_either_name():
    assert resolve("杭州红隼") == "C0101"
    assert resolve("hangzhou red") == "C0101"
    assert resolve("杭州丝") == "C0102"


def test_a_prefix_of_both_names_of_one_customer_names_it_once():
    assert DIRECTORY.by_name_prefix("nordlicht", 11) == [DIRECTORY.refs[-1]]
    assert resolve("nordlicht") == "C0103"


def test_a_prefix_shared_by_the_local_names_of_two_customers_is_ambiguous():
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve("杭州")
    assert str(raised.value) == (
        "“杭州” matches several customers: "
        "Hangzhou Red Falcon Trading / 杭州红隼贸易有限公司 (C0101), "
        "Hangzhou Silk Road Textiles / 杭州丝绸之路纺织品有限公司 (C0102). Which one?")


def test_a_typo_in_the_local_name_is_a_close_match():
    assert resolve("杭州红隼贸意有限公司") == "C0101"


def test_a_customers_two_names_are_not_rivals_for_a_close_match():
    # "nordlict" is as close to "Nordlicht GmbH" as to "Nordlicht Handels GmbH"; both
    # are C0103, so nothing stands beside it.
    assert resolve("nordlict") == "C0103"


def test_an_unknown_name_lists_each_close_customer_once():
    directory = FakeDirectory({"C1": ("Nordlicht GmbH", "Nordlicht Handels GmbH"),
                               "C2": ("Nordwind GmbH", "Nordwind Handels GmbH")})
    # Both names of both customers score, none clearly best.
    with pytest.raises(CustomerNotFound) as raised:
        resolve_customer("nordi handels", directory)
    assert [c.customer_id for c in raised.value.candidates] == ["C2", "C1"]
    assert str(raised.value) == (
        "No customer is named “nordi handels”. Closest: "
        "Nordwind GmbH / Nordwind Handels GmbH (C2), Nordlicht GmbH / Nordlicht Handels GmbH (C1)")


def test_a_label_shows_the_local_name_when_there_is_one():
    assert CustomerRef("C1", "Hangzhou Red Falcon Trading", "杭州红隼贸易有限公司").label() == \
        "Hangzhou Red Falcon Trading / 杭州红隼贸易有限公司 (C1)"
    assert CustomerRef("C2", "Acme Packaging").label() == "Acme Packaging (C2)"
    assert CustomerRef("C3", "Acme Packaging", "").label() == "Acme Packaging (C3)"


def test_invisible_characters_in_a_name_are_not_word_breaks():
    assert normalize_name("Ze\u200bro\u200dWidth\ufeff Ltd") == "zerowidth ltd"
    assert normalize_name("Evil\u202eCorp") == "evilcorp"
    assert normalize_name("杭州\u200b红隼") == "杭州红隼"


def test_traditional_and_simplified_chinese_names_meet():
    # 華夏物流 typed in Taipei was "no customer matches" for 华夏物流有限公司, and an ERP
    # in Hong Kong holds names in Traditional that Shanghai types in Simplified.
    directory = FakeDirectory({"C0027": "华夏物流有限公司", "H1": ("Harbour Trading",
                                                             "港灣貿易有限公司")})
    for typed, found in (("華夏物流", "C0027"), ("華夏物流有限公司", "C0027"),
                         ("港湾贸易", "H1"), ("港灣貿易", "H1"), ("贸易有限公司", "H1")):
        assert resolve_customer(typed, directory).customer_id == found, typed
    assert named_without_guessing("華夏物流", "C0027", ("华夏物流有限公司", None))
    assert normalize_name("華夏 Logistics, Ltd.") == "华夏 logistics ltd"
    # Characters Simplified Chinese has too (GB2312) stay: 乾元 and 干元 are two names.
    assert (normalize_name("乾元贸易"), normalize_name("後海")) == ("乾元贸易", "後海")


def test_a_space_between_chinese_characters_is_no_word_break_of_the_name():
    # 华夏 物流 (a space typed by habit, or the full-width one of an input method) was "no
    # customer matches", and an order refused: "no customer is named 华夏 物流".
    directory = FakeDirectory({"C0027": "华夏物流有限公司", "C9": "深圳 明亮之星电子"})
    for typed in ("华夏 物流", "华夏\u3000物流", "華夏 物流 有限公司"):
        assert resolve_customer(typed, directory, close=False).customer_id == "C0027", typed
        assert named_without_guessing(typed, "C0027", ("华夏物流有限公司", None)), typed
    # A name stored with such a space is still found as typed.
    assert resolve_customer("深圳 明亮", directory, close=False).customer_id == "C9"
    # Latin words keep their spaces: "acme pack" is not "acmepack".
    assert query_keys("acme pack") == ["acme pack"]


def test_the_part_of_a_chinese_name_after_the_city_finds_the_customer():
    directory = FakeDirectory({"K1": "上海东方贸易有限公司", "K2": "北京西山物流有限公司",
                               "K3": "上海西山物流有限公司", "K4": "Delta Electronics"})
    assert resolve_customer("东方贸易", directory).customer_id == "K1"
    with pytest.raises(AmbiguousCustomer) as both:
        resolve_customer("西山物流", directory)
    assert [c.customer_id for c in both.value.candidates] == ["K3", "K2"]  # by name
    assert resolve_customer("electronics", directory).customer_id == "K4"
    with pytest.raises(CustomerNotFound):
        resolve_customer("东", directory)  # one character means nothing on its own


def test_a_customer_found_is_told_apart_from_a_guess_without_looking_it_up_again():
    names = ("Shanghai Dongfang Trading", "上海东方贸易有限公司")
    for typed in ("C0042", "c0042", "shanghai dongfang trading", "SHANGHAI dong", "上海"):
        assert named_without_guessing(typed, "C0042", names), typed
    # A close match; and a part inside a name, which another ten customers may hold too
    # (the look-up then goes on to close matches): looked up again.
    for typed in ("shanghai dongfnag", "东方贸易", "dongfang", ""):
        assert not named_without_guessing(typed, "C0042", names), typed


def test_a_name_typed_without_its_accents_finds_the_customer():
    # A Spanish rep typed "ferreteria": "No customer is named “ferreteria”", every order
    # and request by name refused for the accented customers.
    directory = FakeDirectory({"E001": "Ferretería López S.A.",
                               "E003": "Lisboa Importações Lda",
                               "E004": ("Nguyễn Trading", "Công ty Nguyễn")})
    for typed, customer in (("ferreteria lopez", "E001"), ("FERRETERÍA", "E001"),
                            ("lisboa importacoes", "E003"), ("cong ty nguyen", "E004")):
        assert resolve_customer(typed, directory).customer_id == customer, typed
    assert normalize_name("Ferretería López S.A.") == "ferreteria lopez s a"
    # And the letters with a stroke Unicode does not decompose; kana's voicing marks stay.
    assert normalize_name("ガギグ Đồng Nai Øresund Łódź İstanbul Gıda Ærø") == (
        "ガギグ dong nai oresund lodz istanbul gida aero")


HUALIAN = FakeDirectory({"C001": "上海华联贸易有限公司", "C002": "华联超市（上海）有限公司",
                         "C003": "华联超市(上海)有限公司", "C005": "香港华联国际有限公司",
                         "C007": "北京东方贸易有限公司"})


def test_a_chinese_name_typed_without_its_place_lists_those_holding_it_too():
    # 华联 found only the two that start with it; the rep meant 上海华联贸易, and the
    # request's "use the id" example then named the supermarket.
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve_customer("华联", HUALIAN)
    assert str(raised.value) == (
        "“华联” matches several customers: 上海华联贸易有限公司 (C001), "
        "华联超市(上海)有限公司 (C003), 华联超市（上海）有限公司 (C002), "
        "香港华联国际有限公司 (C005). Which one?")
    # A start that only one name holds anywhere is still that customer.
    assert resolve_customer("北京东方", HUALIAN).customer_id == "C007"
    assert resolve_customer("上海华联", HUALIAN).customer_id == "C001"


def test_two_names_told_apart_only_by_an_invisible_character_are_asked_about():
    # C6's name holds a zero-width space: typed or pasted (which loses it), it read as
    # exactly C1's, and orders and requests meant for C6 went to C1 without a question.
    look_alikes = FakeDirectory({"C1": "华夏物流有限公司", "C6": "华\u200b夏物流有限公司"})
    for typed in ("华夏物流有限公司", "华\u200b夏物流有限公司"):
        with pytest.raises(AmbiguousCustomer) as raised:
            resolve_customer(typed, look_alikes, close=False)
        assert sorted(c.customer_id for c in raised.value.candidates) == ["C1", "C6"]


def test_of_two_names_told_apart_only_by_the_width_of_a_bracket_the_one_typed_wins():
    assert resolve_customer("华联超市（上海）有限公司", HUALIAN, close=False).customer_id == "C002"
    assert resolve_customer("华联超市(上海)有限公司", HUALIAN, close=False).customer_id == "C003"
    # Typed neither way exactly (spaces inside), it is a question again.
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve_customer("华联超市 (上海) 有限公司", HUALIAN)
    assert [c.customer_id for c in raised.value.candidates] == ["C003", "C002"]
    # Quoted back as typed, its brackets not folded into the other's.
    with pytest.raises(AmbiguousCustomer) as start:
        resolve_customer("华联超市（上海）", HUALIAN)
    assert start.value.query == "华联超市（上海）"


def test_more_than_a_list_holding_a_chinese_name_are_counted_those_starting_with_it_first():
    # 华联 beside a thousand 第N号华联便利店: the two supermarkets alone were offered, and
    # 上海华联贸易 dropped without a word.
    many = FakeDirectory({**{f"C00{n}": name for n, name in enumerate(
        ("上海华联贸易有限公司", "华联超市（上海）有限公司", "华联超市(上海)有限公司"))},
        **{f"S{n:04}": f"第{n}号华联便利店" for n in range(1000)}})
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve_customer("华联", many)
    assert raised.value.total == 1003
    # Those starting with it, then the others by name: 上海华联贸易 among the first.
    assert str(raised.value) == (
        "“华联” matches 1003 customers, among them 华联超市(上海)有限公司 (C002), "
        "华联超市（上海）有限公司 (C001), 上海华联贸易有限公司 (C000), 第0号华联便利店 (S0000), "
        "第100号华联便利店 (S0100), 第101号华联便利店 (S0101), 第102号华联便利店 (S0102), "
        "第103号华联便利店 (S0103), 第104号华联便利店 (S0104), 第105号华联便利店 (S0105). Type "
        "more of the name, or use the id.")


@pytest.mark.parametrize(("query", "customer_id"), [
    ("0003", "C0003"), ("c-0003", "C0003"), ("C 0006", "C0006"), ("c_0101", "C0101"),
    ("ｃ－０００６", "C0006"),
    # Without the zeros that pad the number: "C2" was offered five names starting with C.
    ("C3", "C0003"), ("c-6", "C0006"), ("c101", "C0101")])
def test_an_id_written_loosely_finds_the_customer_once_no_name_matches(query, customer_id):
    # Read out on the phone, copied from an invoice: a separator, or the digits alone.
    assert resolve(query) == customer_id
    # Plainly enough that "0003 5k" and "C 0003 5k" are not read as an amount, or as a
    # customer "C" and an amount.
    assert names_plainly(query, DIRECTORY) == CustomerRef(customer_id, *_names(customer_id))


def _names(customer_id):
    names = {**NAMES, **LOCAL_NAMES}[customer_id]
    return (names,) if isinstance(names, str) else names


def test_a_loosely_written_id_is_offered_not_taken_where_a_guess_is_not():
    with pytest.raises(CustomerNotFound) as raised:
        resolve_customer("0003", DIRECTORY, close=False)
    assert [c.customer_id for c in raised.value.candidates] == ["C0003"]
    # Digits two ids end in (C-7 and D7) are offered both, even where a guess is taken.
    directory = FakeDirectory({"C-7": "Alpha", "D7": "Beta", "E77": "Gamma"})
    with pytest.raises(CustomerNotFound) as both:
        resolve_customer("7", directory)
    assert [c.customer_id for c in both.value.candidates] == ["C-7", "D7"]
    assert names_plainly("7", directory) is None


def test_an_id_without_its_padding_that_two_ids_share_is_offered_both():
    directory = FakeDirectory({"C0002": "Alpha", "C02": "Beta", "C0020": "Gamma"})
    with pytest.raises(CustomerNotFound) as both:
        resolve_customer("C2", directory)
    assert [c.customer_id for c in both.value.candidates] == ["C0002", "C02"]


def test_an_id_and_an_amount_are_not_one_unpadded_id():
    # "/credit check C1 5" opened C0015: "C1 5" read as C15 without its padding.
    directory = FakeDirectory({"C0001": "Alpha", "C0015": "Beta", "C15": "Gamma",
                               "X100": "Delta"})
    assert names_plainly("C1 5", directory) is None
    # Nor as the id C15 or X100 its words would make joined.
    assert names_plainly("C 1 5", directory) is None
    assert names_plainly("X1 00", directory) is None
    assert names_plainly("C1", directory) == CustomerRef("C0001", "Alpha")
    with pytest.raises(CustomerNotFound) as raised:
        resolve_customer("C1 5", directory)
    assert not raised.value.candidates


@pytest.mark.parametrize("query", ["<!here>", "<!channel>", "<@U01SALESAMY>",
                                   "<#C02FINANCE0|finance>"])
def test_a_slack_mention_is_no_customer_and_nothing_is_offered_for_it(query):
    # @here came as "<!here>", read as "here": five unrelated customers were offered.
    with pytest.raises(CustomerNotFound) as raised:
        resolve_customer(query, DIRECTORY)
    assert not raised.value.candidates


def test_a_short_word_is_offered_only_names_close_to_it():
    directory = FakeDirectory({"C1": "Evergreen Pharmacy Group", "C2": "Harborview Marine",
                               "C3": "Meridian Medical", "C4": "Hera Foods"})
    with pytest.raises(CustomerNotFound) as raised:
        resolve_customer("here", directory)
    # Three of its four letters, not two.
    assert [c.customer_id for c in raised.value.candidates] == ["C4"]


def test_a_name_wins_over_a_loosely_written_id():
    directory = FakeDirectory({"C0003": "Blue Harbor Foods", "C0009": "0003 Studios"})
    assert resolve_customer("0003", directory).customer_id == "C0009"
    # Digits that are not all of what follows an id's letters name nothing.
    with pytest.raises(CustomerNotFound):
        resolve_customer("003", FakeDirectory({"C0003": "Blue Harbor Foods"}))


def test_a_label_shortened_for_a_button_keeps_the_id_and_the_names_end():
    # Two branches of one long legal name differ at its end: cut at the end for a
    # button's 75 characters, both read "Guangdong Nanfang … Trading Co., Ltd…".
    from domain.refs import labels

    stem = "Guangdong Nanfang International Supply Chain Management & Trading Co., Ltd."
    found = labels([CustomerRef("C9101", f"{stem} Shenzhen Branch"),
                    CustomerRef("C9102", f"{stem} Guangzhou Branch")], width=75)
    assert found == [
        "Guangdong Nanfang International S…Trading Co., Ltd. Shenzhen Branch (C9101)",
        "Guangdong Nanfang International S…rading Co., Ltd. Guangzhou Branch (C9102)"]
    assert all(len(label) <= 75 for label in found)
    # A short name is left as it is; a width below the id's keeps the id whole.
    assert labels([CustomerRef("C1", "Acme")], width=75) == ["Acme (C1)"]
    assert CustomerRef("C0001", "Acme Packaging").label(width=10) == "A…g (C0001)"


def test_more_than_a_list_starting_with_or_holding_a_latin_name_are_counted():
    # 300 "Bulk Account N Regional Distribution": "bulk account" said "matches several
    # customers" of ten buttons, and "regional distribution", which all 300 hold, said
    # "No customer matches".
    bulk = FakeDirectory({f"B{n:03}": f"Bulk Account {n} Regional Distribution"
                          for n in range(300)} | {"C1": "Acme Packaging"})
    for query in ("bulk account", "regional distribution"):
        for close in (True, False):
            with pytest.raises(AmbiguousCustomer) as raised:
                resolve_customer(query, bulk, close=close)
            assert raised.value.total == 300
            assert 0 < len(raised.value.candidates) <= 10
            assert str(raised.value).startswith(f"“{query}” matches 300 customers, among them ")
