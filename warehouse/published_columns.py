"""How a published column is typed and described: plain types every report tool reads, and a comment from the
data dictionary (`warehouse/reference/published_columns.csv`) on every table and column."""

from __future__ import annotations

import csv

import duckdb

from warehouse.reference import reference_file

DICTIONARY = "published_columns.csv"
# Types every report tool reads (ODBC, Power BI, Excel, pandas, older DuckDB): kept as they are.
PLAIN_TYPES = {
    "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "VARCHAR", "DATE", "TIME",
    "TIMESTAMP", "BLOB",
}  # fmt: skip
# Types with a plain equivalent that holds every value; anything else (NULL, lists, structs, enums, UUIDs,
# intervals...) is published as text.
WIDER_TYPES = {
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP_MS": "TIMESTAMP",
    "TIMESTAMP_S": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",  # as UTC (see `_column_expression`)
    "UTINYINT": "SMALLINT",
    "USMALLINT": "INTEGER",
    "UINTEGER": "BIGINT",
    "UBIGINT": "DECIMAL(20,0)",
    "HUGEINT": "DECIMAL(38,0)",
    "UHUGEINT": "DECIMAL(38,0)",
}


def portable_type(data_type: str) -> str:
    """The type a column of `data_type` is published as: itself when plain, else its plain equivalent."""
    if data_type in PLAIN_TYPES or data_type.startswith("DECIMAL("):
        return data_type
    return WIDER_TYPES.get(data_type, "VARCHAR")


def data_dictionary() -> dict[tuple[str, str], tuple[str, str]]:
    """(table, column) -> (declared type, definition) from `warehouse/reference/published_columns.csv`.

    `column` '' is the table itself; table `*` is any table's column of that name; column `*` is any other
    column of that table.
    """
    with open(reference_file(DICTIONARY), newline="", encoding="utf-8") as handle:
        return {
            (row["table"].strip(), row["column"].strip()): (row["declared_type"].strip(), row["definition"].strip())
            for row in csv.DictReader(handle)
        }


def column_expression(table: str, column: str, data_type: str, dictionary: dict) -> str:
    declared = dictionary.get((table, column), dictionary.get(("*", column), ("", "")))[0]
    target = declared or portable_type(data_type)
    quoted = identifier(column)
    if target == data_type:
        return quoted
    if data_type == "TIMESTAMP WITH TIME ZONE" and target == "TIMESTAMP":
        return f"timezone('UTC', {quoted}) as {quoted}"
    return f"cast({quoted} as {target}) as {quoted}"


def definition(dictionary: dict, table: str, column: str) -> str:
    for key in ((table, column), ("*", column), (table, "*")) if column else ((table, ""),):
        if key in dictionary and dictionary[key][1]:
            return dictionary[key][1]
    return ""


def indicator_definitions(hub: duckdb.DuckDBPyConnection) -> str:
    rows = hub.execute(
        "select indicator_id, title, definition from wh.marts.indicator_catalogue order by indicator_id"
    ).fetchall()
    return "; ".join(f"{indicator} = {title}: {definition}" for indicator, title, definition in rows)


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
