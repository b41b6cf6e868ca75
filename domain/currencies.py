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

# Codes ISO 4217 lists that are no money a customer is billed in, and what each is.
NOT_MONEY = {"XAU": "gold", "XAG": "silver", "XPT": "platinum", "XPD": "palladium",
             "XDR": "the IMF's special drawing right", "XSU": "the ALBA's sucre",
             "XUA": "the African Development Bank's unit of account",
             "XBA": "a European composite unit", "XBB": "a European monetary unit",
             "XBC": "a European unit of account", "XBD": "a European unit of account",
             "XTS": "the code kept for testing", "XXX": "no currency at all"}
# Codes ISO 4217 withdrew, and the one that replaced each.
WITHDRAWN = {**dict.fromkeys(("HRK", "LTL", "LVL", "EEK", "SKK", "SIT", "CYP", "MTL", "DEM",
                              "FRF", "ITL", "ESP", "NLG", "BEF", "ATS", "PTE", "FIM", "IEP",
                              "GRD", "LUF"), "EUR"),
             "VEF": "VES", "BYR": "BYN", "MRO": "MRU", "STD": "STN", "ZMK": "ZMW",
             "SLL": "SLE", "ZWL": "ZWG", "CUC": "CUP", "GHC": "GHS", "TRL": "TRY",
             "ROL": "RON", "MZM": "MZN", "AFA": "AFN", "SDD": "SDG", "CSD": "RSD"}

MINOR_UNITS: dict[str, int] = {
    code: exponent for exponent, codes in _BY_EXPONENT.items() for code in codes.split()
}


# Currencies by the names people write in Chinese, where an English reader writes the
# code: "5000 人民币" is CNY 5,000, never an order referenced "人民币" in the customer's
# currency. 元 alone, as mainland China writes it, is the renminbi (domain.amounts).
NAMES = {"人民币": "CNY", "美元": "USD", "美金": "USD", "欧元": "EUR", "日元": "JPY",
         "日币": "JPY", "港币": "HKD", "港元": "HKD", "英镑": "GBP", "新加坡元": "SGD",
         "新币": "SGD", "瑞士法郎": "CHF", "瑞郎": "CHF", "澳元": "AUD", "澳币": "AUD",
         "加元": "CAD", "加币": "CAD", "新西兰元": "NZD", "新台币": "TWD", "台币": "TWD",
         "韩元": "KRW", "泰铢": "THB", "卢布": "RUB", "印度卢比": "INR", "澳门币": "MOP",
         "澳门元": "MOP", "马来西亚林吉特": "MYR", "林吉特": "MYR", "越南盾": "VND",
         "菲律宾比索": "PHP",
         "印尼盾": "IDR", "迪拉姆": "AED", "瑞典克朗": "SEK", "挪威克朗": "NOK",
         "丹麦克朗": "DKK", "兰特": "ZAR", "雷亚尔": "BRL", "墨西哥比索": "MXN",
         # 圆 (and 圓) for 元, the yen's own 円, and the Traditional forms.
         "日圆": "JPY", "日圓": "JPY", "円": "JPY", "日幣": "JPY", "美圆": "USD",
         "美圓": "USD", "人民幣": "CNY", "港幣": "HKD", "港圓": "HKD",
         "英鎊": "GBP", "歐元": "EUR", "澳幣": "AUD", "加幣": "CAD", "新臺幣": "TWD",
         "新台幣": "TWD", "臺幣": "TWD", "台幣": "TWD", "韓元": "KRW",
         "盧布": "RUB", "新加坡幣": "SGD", "新幣": "SGD"}
# How a currency's name ends in Chinese: a word so ending where a currency stands and
# not in NAMES is said to be unknown, not taken as the order's reference or the reason.
NAME_ENDINGS = ("元", "币", "镑", "郎", "卢比", "比索", "盾", "克朗", "铢", "卢布", "圆", "圓",
                "幣", "鎊", "円")
# Currencies by their English names, which people type where the code goes ("5000 yen"):
# not read as a currency (a dollar or a pound may be any of several), but refused with
# the code they most likely mean rather than taken as an order's reference.
ENGLISH_NAMES = {"yen": "JPY", "euro": "EUR", "euros": "EUR", "yuan": "CNY",
                 "renminbi": "CNY", "dollar": "USD", "dollars": "USD", "pound": "GBP",
                 "pounds": "GBP", "sterling": "GBP", "franc": "CHF", "francs": "CHF",
                 "rupee": "INR", "rupees": "INR", "peso": "MXN", "pesos": "MXN",
                 "ringgit": "MYR", "baht": "THB", "rouble": "RUB", "roubles": "RUB",
                 "ruble": "RUB", "rubles": "RUB", "zloty": "PLN", "dirham": "AED",
                 "dirhams": "AED", "krona": "SEK", "kronor": "SEK", "krone": "NOK"}
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


# Shorthands that accounts and ERPs write for a currency but no ISO code: said with the
# code they stand for where a code is refused, never read as it.
SHORTHANDS = {"SFR": "CHF", "SFRS": "CHF", "FS": "CHF", "NIS": "ILS", "NTD": "TWD",
              "NT": "TWD", "STG": "GBP", "UKL": "GBP"}


def meant_code(word: str) -> str | None:
    """The ISO code a word that is none stands for: an alias (RMB) or a shorthand (SFR);
    else ``None`` (not for a name: "dollars" may be any of several)."""
    return currency_code(word) or SHORTHANDS.get(word.upper())


def minor_units(code: str) -> int:
    return MINOR_UNITS[code]
