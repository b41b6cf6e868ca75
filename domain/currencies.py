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


# What people write for a currency instead of its ISO code, read as the code: the one
# table every place that reads an amount or a currency goes through.
ALIASES = {"RMB": "CNY"}


def is_currency(code: str) -> bool:
    return code in MINOR_UNITS


def canonical(word: str) -> str:
    """``word`` in capitals, an alias (RMB) as its ISO code (CNY)."""
    upper = word.upper()
    return ALIASES.get(upper, upper)


def currency_code(word: str) -> str | None:
    """The ISO code ``word`` names (a code in any case, or an alias), else ``None``."""
    code = canonical(word)
    return code if is_currency(code) else None


def minor_units(code: str) -> int:
    return MINOR_UNITS[code]
