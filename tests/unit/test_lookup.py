import pytest

from domain.errors import AmbiguousCustomer, CustomerNotFound, DomainError
from domain.lookup import normalize_name, resolve_customer
from domain.refs import CustomerRef

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


class FakeDirectory:
    """The CustomerDirectory protocol over a dict, as storage answers it."""

    def __init__(self, names: dict[str, str]) -> None:
        self.refs = [CustomerRef(cid, name) for cid, name in names.items()]

    def by_ids(self, customer_ids):
        return [r for r in self.refs if r.customer_id in customer_ids]

    def by_name_key(self, name_key):
        return [r for r in self.refs if normalize_name(r.name) == name_key]

    def by_name_prefix(self, key_prefix, limit):
        return [r for r in self.refs if normalize_name(r.name).startswith(key_prefix)][:limit]

    def all_name_keys(self):
        return [(r, normalize_name(r.name)) for r in self.refs]


DIRECTORY = FakeDirectory(NAMES)


def resolve(query):
    return resolve_customer(query, DIRECTORY).customer_id


def test_by_id_exact_and_case_insensitive():
    assert resolve("C0003") == "C0003"
    assert resolve("c0006") == "C0006"


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
