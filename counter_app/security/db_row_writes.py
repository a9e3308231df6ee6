"""``counter_api.apply_rows(jsonb)``: the rows one write unit inserts, updates and deletes, sent to
PostgreSQL as ONE statement (issue 20: an acceptance save is four statements, BEGIN and COMMIT
included, however many rows it writes). ``infra.pipelined`` builds the argument from the ORM's own
flush: what is written, and every rule deciding it, stays in Python.

Plumbing only, and no way round the boundary: SECURITY INVOKER without a pinned ``search_path``, so
each row is written by a statement of the caller's own, in the order given, with the caller's
privileges and name resolution (a counter login's ``counter_api`` views first, their INSTEAD OF
triggers, grants and row-level security, as if the client had sent the statements one by one).
Table and column names are quoted with ``%I``; values are typed by the target's own row type
(``jsonb_populate_record``), never spliced into the text. An UPDATE (and a DELETE carrying a version)
that matches no row raises SQLSTATE ``CA409``, which aborts the transaction: a stale edit writes
nothing, and the client reports it as the ORM would (``StaleDataError``).

Argument: a JSON array of operations, applied in order:
``{"op": "insert", "t": table, "cols": [...], "rows": [{col: value}, ...]}``,
``{"op": "update", "t": table, "cols": [...], "key": [...], "check": bool, "rows": [[{new}, {key}], ...]}``,
``{"op": "delete", "t": table, "key": [...], "check": bool, "rows": [[{}, {key}], ...]}``."""

from __future__ import annotations

STALE_SQLSTATE = "CA409"
SIGNATURE = "apply_rows(jsonb)"

FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION counter_api.apply_rows(p_ops jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY INVOKER AS $$
    DECLARE
        op jsonb;
        r jsonb;
        target text;
        cols text;
        sets text;
        matches text;
        sql text;
        cnt bigint;
    BEGIN
        FOR op IN SELECT value FROM jsonb_array_elements(p_ops) LOOP
            target := format('%I', op ->> 't');
            SELECT string_agg(format('%I', c), ', '), string_agg(format('%1$I = _n.%1$I', c), ', ')
                INTO cols, sets FROM jsonb_array_elements_text(coalesce(op -> 'cols', '[]')) AS c;
            SELECT string_agg(format('_t.%1$I = _k.%1$I', c), ' AND ')
                INTO matches FROM jsonb_array_elements_text(coalesce(op -> 'key', '[]')) AS c;
            IF op ->> 'op' = 'insert' THEN
                EXECUTE format('INSERT INTO %1$s (%2$s) SELECT %2$s FROM jsonb_populate_recordset(NULL::%1$s, $1)',
                               target, cols) USING op -> 'rows';
                CONTINUE;
            ELSIF op ->> 'op' = 'update' THEN
                sql := format('UPDATE %1$s AS _t SET %2$s FROM jsonb_populate_record(NULL::%1$s, $1) AS _n, '
                              'jsonb_populate_record(NULL::%1$s, $2) AS _k WHERE %3$s', target, sets, matches);
            ELSIF op ->> 'op' = 'delete' THEN
                sql := format('DELETE FROM %1$s AS _t USING jsonb_populate_record(NULL::%1$s, $2) AS _k WHERE %2$s',
                              target, matches);
            ELSE
                RAISE EXCEPTION 'apply_rows: unknown operation %', op ->> 'op' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF matches IS NULL THEN
                RAISE EXCEPTION 'apply_rows: % of % without a key', op ->> 'op', target
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            FOR r IN SELECT value FROM jsonb_array_elements(op -> 'rows') LOOP
                EXECUTE sql USING r -> 0, r -> 1;
                GET DIAGNOSTICS cnt = ROW_COUNT;
                IF cnt <> 1 AND coalesce((op ->> 'check')::boolean, true) THEN
                    RAISE EXCEPTION '% % expected to match 1 row; % were matched', upper(op ->> 'op'), target, cnt
                        USING ERRCODE = '{STALE_SQLSTATE}';
                END IF;
            END LOOP;
        END LOOP;
    END
    $$
    """,
]


def grant_statements(staff_group: str) -> list[str]:
    """Every counter login may call it: it can do nothing its caller could not do statement by statement."""
    return [f"GRANT EXECUTE ON FUNCTION counter_api.{SIGNATURE} TO {staff_group}"]
