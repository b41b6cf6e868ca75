"""ISO 4217 currency codes and their minor units (decimal places)."""

_BY_EXPONENT = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
    2: (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD "
        "BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP "
        "ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR "
        "JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU "
        "MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR "
        "RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS "
        "TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
    ),
}

MINOR_UNITS: dict[str, int] = {
    code: exponent for exponent, codes in _BY_EXPONENT.items() for code in codes.split()
}


# Currencies by the names people write in Chinese, where an English reader writes the
# code: "5000 人民币" is CNY 5,000, never an order referenced "人民币" in the customer's
# currency. Only names that say one currency: 元 alone is any yuan (or dollar).
NAMES = {"人民币": "CNY", "美元": "USD", "美金": "USD", "欧元": "EUR", "日元": "JPY",
         "港币": "HKD", "港元": "HKD", "英镑": "GBP", "新加坡元": "SGD", "瑞士法郎": "CHF"}
# What people write for a currency instead of its ISO code, read as the code: the one
# table every place that reads an amount or a currency goes through.
ALIASES = {"RMB": "CNY", **NAMES}


def is_currency(code: str) -> bool:
    return code in MINOR_UNITS


def canonical(word: str) -> str:
    """``word`` in capitals, an alias (RMB) as its ISO code (CNY)."""
    upper = word.upper()
    return ALIASES.get(upper, upper)


def is_currency_name(word: str) -> bool:
    """A currency's name as people write it in Chinese (``NAMES``)."""
    return word in NAMES


def currency_code(word: str) -> str | None:
    """The ISO code ``word`` names (a code in any case, or an alias), else ``None``."""
    code = canonical(word)
    return code if is_currency(code) else None


def minor_units(code: str) -> int:
    return MINOR_UNITS[code]
