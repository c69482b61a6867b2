"""Suites for the council's own returns: DfE's validation rules that move the quarterly indicators.

Per landing table, `errors` block publication (dates in order, referral before assessment, plan start before
end, valid codes, present and unique child and episode ids) and `notes` only warn (data quality a data officer
should look at, which the indicators tolerate). Cross-field and cross-table rules are SQL expressions in the
suite's projection, so Great Expectations and the DuckDB SQL engine test the same thing.
"""

from __future__ import annotations

from checks.rules import Rule, Suite, in_set, not_null

PRIMARY_NEED = tuple(f"N{number}" for number in range(10))
CLOSURE_REASONS = tuple(f"RC{number}" for number in range(1, 10))
ABUSE_CATEGORIES = ("NEG", "PHY", "SAB", "EMO", "MUL")
# SSDA903 code lists (sources.md 4.5, from liia-tools' SSDA903 column map).
REASON_CEASED = (
    "X1",
    "E11",
    "E12",
    "E2",
    "E3",
    "E4A",
    "E4B",
    "E13",
    "E41",
    "E45",
    "E46",
    "E47",
    "E48",
    "E5",
    "E6",
    "E7",
    "E9",
    "E14",
    "E15",
    "E16",
    "E17",
    "E8",
)
LEGAL_STATUS = ("C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3")
REASON_NEW_EPISODE = ("S", "L", "P", "T", "B", "U")
CATEGORY_OF_NEED = tuple(f"N{number}" for number in range(1, 9))
SEX = ("1", "2")
MISSING_TYPE = ("M", "A")

ERRORS = "errors"
NOTES = "notes"


def holds(name: str, description: str, *shows: str) -> Rule:
    """A rule that a derived true/false column (from the suite's projection) is true; unknown (null) passes.

    `shows` are the columns behind it: the problem report shows their values and names the first as the field.
    """
    return Rule("in_set", name, description, {"values": (True,), "shows": shows})


def once(what: str, *columns: str) -> Rule:
    """Each `columns` value appears once in a quarter's extract (a child, or a child's episode)."""
    return Rule("unique", columns[0], f"{what} appears only once in the extract", {"columns": ("quarter", *columns)})


def _suite(table: str, severity: str, select: dict[str, str], rules: tuple[Rule, ...]) -> Suite:
    base = {"quarter": "quarter", "child": _child_column(table), "_source_file": "_source_file"}
    shown = {column: column for rule in rules for column in rule.args.get("shows", ()) if column not in select}
    return Suite(name=f"{table}_{severity}", table=f"landing.{table}", select={**base, **shown, **select}, rules=rules)


def _child_column(table: str) -> str:
    return "child" if table.startswith("s903_") else "la_child_id"


def _in_file(expression: str) -> str:
    """Treat a blank as missing: councils' exports write empty strings as often as nulls."""
    return f"nullif(trim({expression}), '')"


def suites() -> dict[str, dict[str, Suite]]:
    """`{table: {"errors": Suite, "notes": Suite}}` for every landing table of the council's returns."""
    child_id = Rule("not_null", "child", "the child id (LAchildID or CHILD) is present")
    return {
        "cin_children": {
            ERRORS: _suite(
                "cin_children",
                ERRORS,
                {"child": _in_file("la_child_id")},
                (child_id, once("the child (LAchildID)", "child")),
            ),
            NOTES: _suite(
                "cin_children",
                NOTES,
                {"gender_recorded": "gender <> '0'"},
                (holds("gender_recorded", "GenderCurrent is recorded (not 0, 'not recorded or unborn')", "gender"),),
            ),
        },
        "cin_referrals": {
            ERRORS: _suite(
                "cin_referrals",
                ERRORS,
                {
                    "child": _in_file("la_child_id"),
                    "referral_date": "referral_date",
                    "primary_need": "primary_need",
                    "reason_for_closure": "reason_for_closure",
                    "closed_after_referral": "closure_date >= referral_date",
                    "referred_by_reference_date": "referral_date <= as_at",
                    "closure_has_reason": "(closure_date is null) = (reason_for_closure is null)",
                },
                (
                    child_id,
                    not_null("referral_date"),
                    once("the referral (LAchildID, CINreferralDate)", "child", "referral_date"),
                    holds(
                        "closed_after_referral",
                        "CINclosureDate is on or after CINreferralDate",
                        "closure_date",
                        "referral_date",
                    ),
                    holds(
                        "referred_by_reference_date", "CINreferralDate is not after the quarter end", "referral_date"
                    ),
                    holds(
                        "closure_has_reason",
                        "a closed episode has a ReasonForClosure, an open one none",
                        "reason_for_closure",
                        "closure_date",
                    ),
                    in_set("primary_need", PRIMARY_NEED, "DfE's primary need codes N0-N9"),
                    in_set("reason_for_closure", CLOSURE_REASONS, "DfE's closure reasons RC1-RC9"),
                ),
            ),
            NOTES: _suite(
                "cin_referrals",
                NOTES,
                {"need_stated": "coalesce(primary_need, 'N0') <> 'N0' or referral_nfa"},
                (
                    holds(
                        "need_stated",
                        "PrimaryNeedCode is stated for a referral that went on to assessment",
                        "primary_need",
                    ),
                ),
            ),
        },
        "cin_assessments": {
            ERRORS: _suite(
                "cin_assessments",
                ERRORS,
                {
                    "assessed_after_referral": "assessment_start >= referral_date",
                    "authorised_after_start": "assessment_authorised >= assessment_start",
                },
                (
                    holds(
                        "assessed_after_referral",
                        "AssessmentActualStartDate is on or after CINreferralDate",
                        "assessment_start",
                        "referral_date",
                    ),
                    holds(
                        "authorised_after_start",
                        "AssessmentAuthorisationDate is on or after its start",
                        "assessment_authorised",
                        "assessment_start",
                    ),
                ),
            ),
            NOTES: _suite(
                "cin_assessments",
                NOTES,
                {"authorised_in_time": "assessment_authorised - assessment_start <= 63"},
                (
                    holds(
                        "authorised_in_time",
                        "the assessment was authorised within 63 days (about 45 working days)",
                        "assessment_authorised",
                        "assessment_start",
                    ),
                ),
            ),
        },
        "cin_plans": {
            ERRORS: _suite(
                "cin_plans",
                ERRORS,
                {
                    "plan_ends_after_start": "plan_end >= plan_start",
                    "plan_after_referral": "plan_start >= referral_date",
                },
                (
                    holds(
                        "plan_ends_after_start",
                        "CINPlanEndDate is on or after CINPlanStartDate",
                        "plan_end",
                        "plan_start",
                    ),
                    holds(
                        "plan_after_referral",
                        "CINPlanStartDate is on or after CINreferralDate",
                        "plan_start",
                        "referral_date",
                    ),
                ),
            ),
        },
        "cin_cpps": {
            ERRORS: _suite(
                "cin_cpps",
                ERRORS,
                {
                    "cpp_start": "cpp_start",
                    "plan_ends_after_start": "cpp_end >= cpp_start",
                    "plan_after_referral": "cpp_start >= referral_date",
                    "initial_category": "initial_category",
                },
                (
                    not_null("cpp_start"),
                    once("the plan (LAchildID, CPPstartDate)", "child", "cpp_start"),
                    holds("plan_ends_after_start", "CPPendDate is on or after CPPstartDate", "cpp_end", "cpp_start"),
                    holds(
                        "plan_after_referral",
                        "CPPstartDate is on or after CINreferralDate",
                        "cpp_start",
                        "referral_date",
                    ),
                    in_set("initial_category", ABUSE_CATEGORIES, "DfE's categories of abuse"),
                ),
            ),
        },
        "s903_header": {
            ERRORS: _suite(
                "s903_header",
                ERRORS,
                {"child": _in_file("child"), "sex": "sex", "dob": "dob"},
                (
                    child_id,
                    once("the child (CHILD)", "child"),
                    not_null("dob"),
                    in_set("sex", SEX, "SSDA903 sex codes 1, 2"),
                ),
            ),
        },
        "s903_episodes": {
            ERRORS: _suite(
                "s903_episodes",
                ERRORS,
                {
                    "child": _in_file("child"),
                    "decom": "decom",
                    "rne": "rne",
                    "ls": "ls",
                    "cin": "cin",
                    "rec": "rec",
                    "ceased_after_start": "dec >= decom",
                    "started_by_reference_date": "decom <= as_at",
                    "cease_has_reason": "(dec is null) = (rec is null)",
                    "child_in_header": (
                        "exists (select 1 from landing.s903_header h where h.quarter = s903_episodes.quarter "
                        "and h.child = s903_episodes.child)"
                    ),
                },
                (
                    child_id,
                    not_null("decom"),
                    once("the episode (CHILD, DECOM)", "child", "decom"),
                    holds("ceased_after_start", "DEC (date episode ceased) is on or after DECOM", "dec", "decom"),
                    holds("started_by_reference_date", "DECOM is not after the quarter end", "decom"),
                    holds("cease_has_reason", "a ceased episode has a REC, an open one none", "rec", "dec"),
                    holds("child_in_header", "the child is in the header table", "child"),
                    in_set("rne", REASON_NEW_EPISODE, "SSDA903 RNE codes"),
                    in_set("ls", LEGAL_STATUS, "SSDA903 legal status codes"),
                    in_set("cin", CATEGORY_OF_NEED, "SSDA903 category of need N1-N8"),
                    in_set("rec", REASON_CEASED, "SSDA903 reason episode ceased codes"),
                ),
            ),
        },
        "s903_missing": {
            ERRORS: _suite(
                "s903_missing",
                ERRORS,
                {
                    "child": _in_file("child"),
                    "missing": "missing",
                    "mis_start": "mis_start",
                    "back_after_gone": "mis_end >= mis_start",
                },
                (
                    child_id,
                    not_null("mis_start"),
                    holds("back_after_gone", "MIS_END is on or after MIS_START", "mis_end", "mis_start"),
                    in_set("missing", MISSING_TYPE, "M (missing) or A (away from placement)"),
                ),
            ),
            NOTES: _suite(
                "s903_missing",
                NOTES,
                {"returned": "mis_end is not null"},
                (holds("returned", "the missing episode has an end date (the child has returned)", "mis_end"),),
            ),
        },
        "s903_placed_adoption": {
            ERRORS: _suite(
                "s903_placed_adoption",
                ERRORS,
                {"child": _in_file("child"), "ceased_after_placed": "date_placed_ceased >= date_placed"},
                (
                    child_id,
                    holds(
                        "ceased_after_placed",
                        "DATE_PLACED_CEASED is on or after DATE_PLACED",
                        "date_placed_ceased",
                        "date_placed",
                    ),
                ),
            ),
        },
        "s903_ad1": {
            ERRORS: _suite(
                "s903_ad1",
                ERRORS,
                {"child": _in_file("child"), "matched_after_decision": "date_match >= date_int"},
                (
                    child_id,
                    holds("matched_after_decision", "DATE_MATCH is on or after DATE_INT", "date_match", "date_int"),
                ),
            ),
        },
    }
