"""The SQL endpoint's statement check on hand-written ``EXPLAIN AST`` text (the shape
ClickHouse 26.9 prints), its ``FORMAT`` split, the engine-error parse and the row-filter
setting, without an engine (the served tests run the same rules through chdb)."""

from __future__ import annotations

import pytest

from serving.sql_endpoint.errors import ClickHouseError, engine_error
from serving.sql_endpoint.guard import check_ast, split_format
from serving.sql_endpoint.tables import TableCatalog, filters_setting

CATALOG = TableCatalog(
    "default",
    frozenset({"events", "sessions"}),
    frozenset({"default.visitor_numbers", "default.events__staging"}),
)

JOIN = """SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Asterisk
   TablesInSelectQuery (children 2)
    TablesInSelectQueryElement (children 1)
     TableExpression (children 1)
      TableIdentifier events (alias e)
    TablesInSelectQueryElement (children 2)
     TableExpression (children 1)
      Function numbers (alias n) (children 1)
       ExpressionList (children 1)
        Literal UInt64_3
     TableJoin
"""


def test_a_join_of_a_table_and_numbers_passes_with_its_tables() -> None:
    found = check_ast(JOIN, CATALOG)
    assert (found.kind, found.tables) == ("SELECT", ("default.events",))


@pytest.mark.parametrize(
    ("ast", "name"),
    [
        (JOIN.replace("Function numbers", "Function url"), "ACCESS_DENIED"),
        (JOIN.replace("Function numbers", "Function Merge"), "ACCESS_DENIED"),
        (JOIN.replace("Literal UInt64_3", "Function FILE"), "ACCESS_DENIED"),
        (JOIN.replace("Literal UInt64_3", "Function dictGetString"), "ACCESS_DENIED"),
        (
            JOIN.replace("TableIdentifier events", "TableIdentifier visitor_numbers"),
            "UNKNOWN_TABLE",
        ),
        (JOIN.replace("TableIdentifier events", "TableIdentifier system.parts"), "ACCESS_DENIED"),
        (JOIN.replace("Literal UInt64_3", "Identifier events__staging"), "UNKNOWN_TABLE"),
        (JOIN.replace("     TableJoin", "   Set"), "READONLY"),
        (JOIN + " Literal \\'/tmp/out\\'\n", "READONLY"),
        ("InsertQuery   (children 1)\n Identifier events\n", "READONLY"),
        ("Set\n", "READONLY"),
        ("ShowProcesslistQuery\n", "READONLY"),
        ("Explain EXPLAIN (children 1)\n InsertQuery (children 1)\n", "READONLY"),
        (
            "ShowCreateTableQuery  visitor_numbers (children 1)\n Identifier visitor_numbers\n",
            "UNKNOWN_TABLE",
        ),
    ],
)
def test_refusals(ast: str, name: str) -> None:
    with pytest.raises(ClickHouseError) as refused:
        check_ast(ast, CATALOG)
    assert refused.value.name == name


def test_system_tables_ctes_and_show_create_of_a_visible_table_pass() -> None:
    system = JOIN.replace("TableIdentifier events", "TableIdentifier system.tables")
    assert check_ast(system, CATALOG).tables == ("system.tables",)
    cte = JOIN.replace("TableIdentifier events", "TableIdentifier my_cte")
    assert check_ast(cte, CATALOG).tables == ("default.my_cte",)  # the engine resolves it
    show = "ShowCreateTableQuery default events\n Identifier default\n Identifier events\n"
    assert check_ast(show, CATALOG).kind == "SHOW CREATE TABLE"


def test_the_format_clause_is_split_off_the_canonical_line() -> None:
    assert split_format("SELECT 1 FORMAT JSONEachRow") == ("SELECT 1", "JSONEachRow")
    assert split_format("SELECT 1 AS format") == ("SELECT 1 AS format", None)
    assert split_format("SELECT 'x FORMAT JSON'") == ("SELECT 'x FORMAT JSON'", None)


def test_engine_errors_keep_code_and_name_but_not_the_endpoints_wrapping() -> None:
    err = engine_error(
        Exception(
            "Code: 60. DB::Exception: Unknown table expression identifier 'x'. In scope "
            "SELECT * FROM x SETTINGS readonly = 1, additional_table_filters = {}. (UNKNOWN_TABLE)"
        )
    )
    assert (err.code, err.name, err.status) == (60, "UNKNOWN_TABLE", 404)
    assert err.body("26.9") == (
        b"Code: 60. DB::Exception: Unknown table expression identifier 'x'. (UNKNOWN_TABLE) "
        b"(version 26.9)\n"
    )
    assert (
        engine_error(
            Exception("Code: 241. DB::Exception: Memory limit. (MEMORY_LIMIT_EXCEEDED)")
        ).status
        == 400
    )


def test_row_filters_name_every_visible_table_and_escape_site_ids() -> None:
    text = filters_setting(CATALOG, ("ST-A", "ST-B"))
    assert text.startswith("{'events': 'tracking_id IN (\\'ST-A\\', \\'ST-B\\')', 'sessions': ")
    assert "visitor_numbers" not in text
    with pytest.raises(ValueError):
        filters_setting(CATALOG, ("ST-A') OR 1=1 --",))
