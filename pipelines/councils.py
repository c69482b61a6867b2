"""Which council a code names, and what to say when it names none: checked before any run starts.

A mistyped code used to run the whole job and end with an empty council table. The reference areas
(`warehouse/reference/areas.csv`, the district lookup and the reorganisations) say whether a code is a current
English upper-tier authority; when it is not, the message says what it is instead (a district and its upper
tier, an authority abolished and its successor, a region) or the nearest codes and names.
"""

import difflib
from dataclasses import dataclass
from functools import cache

from warehouse.reference import reference_rows


@dataclass(frozen=True)
class Areas:
    councils: dict[str, str]  # current upper-tier authorities: code -> name
    former: dict[str, str]  # abolished upper-tier authorities
    others: dict[str, tuple[str, str]]  # England and regions: code -> (name, type)
    districts: dict[str, tuple[str, str, str]]  # lower-tier code -> (name, upper-tier code, note)
    successors: dict[str, list[str]]  # abolished authority -> today's authorities


@cache
def areas() -> Areas:
    rows = reference_rows("areas.csv")
    successors: dict[str, list[str]] = {}
    for row in reference_rows("area_successions.csv"):
        successors.setdefault(row["predecessor_code"], []).append(row["successor_code"])
    return Areas(
        councils={
            r["area_code"]: r["area_name"] for r in rows if r["area_type"] == "upper_tier_la" and not r["valid_to"]
        },
        former={r["area_code"]: r["area_name"] for r in rows if r["area_type"] == "upper_tier_la" and r["valid_to"]},
        others={r["area_code"]: (r["area_name"], r["area_type"]) for r in rows if r["area_type"] != "upper_tier_la"},
        districts={
            r["district_code"]: (r["district_name"], r["upper_tier_code"], r["note"])
            for r in reference_rows("district_to_upper_tier.csv")
            if r["district_code"] != r["upper_tier_code"]
        },
        successors=successors,
    )


def _named(code: str) -> str:
    return f"{code} {areas().councils.get(code) or areas().former.get(code, '')}".strip()


def nearest(text: str, limit: int = 3) -> list[str]:
    """The current councils nearest `text` by code, or by name when it reads like a name, best first."""
    known = areas().councils
    typed = text.strip()
    by_name = {name.lower(): code for code, name in known.items()}
    if typed.upper() in known:
        return [typed.upper()]
    if typed.lower() in by_name:
        return [by_name[typed.lower()]]
    codes = difflib.get_close_matches(typed.upper(), list(known), n=limit, cutoff=0.8)
    names = [by_name[name] for name in difflib.get_close_matches(typed.lower(), list(by_name), n=limit, cutoff=0.6)]
    return list(dict.fromkeys(codes + names))[:limit]


def council_problem(code: str) -> str | None:
    """None when `code` is a current English upper-tier authority; else what it is and what to use instead
    (worded to follow "expected the code of a current English upper-tier authority;")."""
    known = areas()
    if code in known.councils:
        return None
    if code in known.districts:
        name, upper, note = known.districts[code]
        was = "was a district council (abolished)" if note == "abolished" else "is a district council"
        return f"{code} {name} {was}; the upper-tier authority that covers it today is {_named(upper)}: use {upper}"
    if code in known.former:
        today = ", ".join(_named(successor) for successor in known.successors.get(code, []))
        return f"{code} {known.former[code]} was abolished" + (f"; today it is {today}" if today else "")
    if code in known.others:
        name, kind = known.others[code]
        return f"{code} is {name} ({kind}), not a council: use the code of one of its upper-tier authorities"
    suggestions = nearest(code)
    if not suggestions:
        return "it is not one of the councils in warehouse/reference/areas.csv"
    first, *others = map(_named, suggestions)
    return f"did you mean {first}?" + (f" (or {', '.join(others)})" if others else "")
