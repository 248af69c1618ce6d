"""TEST-ONLY wrapper around the fakesnow server (never part of the product path).

Run with the python of the fakesnow virtual environment (see ``fakesnow_server.py``),
never with the project's python: fakesnow 0.12.1 pins a sqlglot that clashes with dlt.

    <fakesnow-venv>/bin/python tests/snowflake/fakesnow_shim.py [--host 127.0.0.1] [--no-rewrite]

It binds a free loopback port, prints ``FAKESNOW_SHIM_READY <port>`` on stdout once the
server is accepting connections, and serves fakesnow's Starlette app behind a small ASGI
middleware that:

1. rewrites, before fakesnow parses them, the statement shapes that real Snowflake accepts
   but fakesnow 0.12.1 rejects (each one a fakesnow gap, not a Snowflake rule):

   * ``PUT 'file://…' '@"DS"."%T"/…'`` - the stage target as a string literal: fakesnow
     takes the quote as part of the name, so the string quotes are dropped;
   * ``FILE_FORMAT = (TYPE = 'PARQUET', BINARY_AS_TEXT = FALSE, …)`` - comma separated
     options: the commas are dropped (Snowflake accepts both forms);
   * ``MATCH_BY_COLUMN_NAME = 'CASE_INSENSITIVE'`` - the quoted string form: unquoted;
   * ``create or replace temporary view|table DB.SCHEMA.x__dbt_tmp`` (dbt incremental
     models: a view for ``merge``, a table for ``delete+insert``): ``temporary`` is dropped,
     because DuckDB only creates temporary objects in its ``temp`` catalog; the
     ``__dbt_tmp`` relation then outlives the session (dbt replaces it on the next run).

2. patches fakesnow's arrow result encoding so a NULL timestamp is sent as NULL (fakesnow
   0.12.1 sends the epoch, 1970-01-01, for every NULL TIMESTAMP_NTZ/LTZ/TZ value; the
   stored value is NULL, only the wire encoding is wrong);

3. patches fakesnow's ``SUM(x)`` transform, which wraps every argument in
   ``TRY_CAST(x AS DOUBLE)`` (to mimic Snowflake's implicit VARCHAR → number cast): money
   sums came back as floats (19148095.669999998). Snowflake's SUM(NUMBER(18,2)) is an
   exact NUMBER(38,2), and so is DuckDB's SUM(DECIMAL(18,2)), so SUM is left unwrapped
   (AVG, MEDIAN, STDDEV... keep fakesnow's cast). Side effect: SUM over a VARCHAR column
   fails here, while Snowflake would cast it;

4. turns fakesnow's "unhandled exception" HTTP 500 into a normal, failed query response
   (``success: false`` with the error text), because the Snowflake connector retries
   HTTP 500 for minutes, which would hide the error behind a timeout.

``rewrite_sql`` is a pure function with no fakesnow import, so the project's tests can
check it without the fakesnow environment.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import socket
import sys

READY_MARKER = "FAKESNOW_SHIM_READY"
QUERY_PATH = "/queries/v1/query-request"
LOGIN_PATH = "/session/v1/login-request"

log = logging.getLogger("fakesnow_shim")

# --- 1. statement rewriting -------------------------------------------------------------

# PUT 'file://…' '@"DS"."%T"/"load_id"' -> the stage target without the string quotes
_PUT_TARGET = re.compile(
    r"""^(?P<head>\s*PUT\s+'(?:[^']|'')*'\s+)'(?P<target>@[^']*)'""", re.IGNORECASE
)
_FILE_FORMAT = re.compile(r"FILE_FORMAT\s*=\s*\((?P<body>[^()]*)\)", re.IGNORECASE)
_MATCH_BY = re.compile(r"MATCH_BY_COLUMN_NAME\s*=\s*'(?P<v>[A-Za-z_]+)'", re.IGNORECASE)
# dbt: create or replace temporary view|table DB.SCHEMA.x__dbt_tmp (only for qualified *__dbt_tmp)
_TEMP_DBT_TMP = re.compile(
    r"^(?P<head>\s*create\s+or\s+replace\s+)temp(?:orary)?\s+(?P<kind>view|table)\s+(?P<name>[^\s(]+\.[^\s(]+__dbt_tmp\b)",
    re.IGNORECASE,
)


def _rewrite_file_format(m: re.Match[str]) -> str:
    body = m.group("body")
    # split on commas outside single quotes
    items = [i.strip() for i in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", body) if i.strip()]
    return "FILE_FORMAT = (" + " ".join(items) + ")"


def rewrite_sql(sql: str) -> str:
    """Rewrite the statement shapes fakesnow 0.12.1 cannot parse; anything else is unchanged."""
    sql = _PUT_TARGET.sub(r"\g<head>\g<target>", sql, count=1)
    if "FILE_FORMAT" in sql.upper():
        sql = _FILE_FORMAT.sub(_rewrite_file_format, sql)
    sql = _MATCH_BY.sub(lambda m: f"MATCH_BY_COLUMN_NAME = {m.group('v').upper()}", sql)
    sql = _TEMP_DBT_TMP.sub(r"\g<head>\g<kind> \g<name>", sql, count=1)
    return sql


# --- 2. result fidelity: NULL timestamps, exact SUM ------------------------------------------------------


def patch_null_timestamps() -> None:
    """fakesnow.arrow.timestamp_to_sf_struct drops the validity of NULL timestamps."""
    import fakesnow.arrow
    import pyarrow as pa

    original = fakesnow.arrow.timestamp_to_sf_struct

    def timestamp_to_sf_struct(ts):
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        if ts.null_count == 0:
            return original(ts)
        struct = original(ts.fill_null(pa.scalar(0, ts.type)))
        return pa.StructArray.from_arrays(
            struct.flatten(), fields=list(struct.type), mask=ts.is_null()
        )

    fakesnow.arrow.timestamp_to_sf_struct = timestamp_to_sf_struct


def patch_exact_sum() -> None:
    """SUM over DECIMAL stays DECIMAL (fakesnow casts every SUM argument to DOUBLE)."""
    import fakesnow.transforms
    from fakesnow.transforms import transforms as fs_transforms
    from sqlglot import exp

    original = fakesnow.transforms.numeric_agg_implicit_cast

    def numeric_agg_implicit_cast(expression):
        if type(expression) is not exp.Sum:
            return original(expression)
        parent = expression.parent
        if isinstance(parent, exp.Select):  # keep fakesnow's Snowflake-style column name
            name = fs_transforms._numeric_agg_col_name(expression, expression.this)
            if name:
                return exp.alias_(expression, name, quoted=True)
        return expression

    fakesnow.transforms.numeric_agg_implicit_cast = numeric_agg_implicit_cast


# --- 3. the ASGI middleware (rewrites; HTTP 500 → failed query) -------------------------------------------------------------


async def _read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class RewriteMiddleware:
    def __init__(self, app, rewrite: bool = True) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == LOGIN_PATH:
            await self._log_login(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"] != QUERY_PATH:
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        headers = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"content-encoding", b"content-length")
        ]
        if dict(scope["headers"]).get(b"content-encoding", b"").lower() == b"gzip":
            body = gzip.decompress(body)
        payload = json.loads(body)
        sql = payload.get("sqlText", "")
        new_sql = rewrite_sql(sql) if self.rewrite else sql
        if new_sql != sql:
            log.info("rewrote %r -> %r", sql[:300], new_sql[:300])
            payload["sqlText"] = new_sql
        log.debug("query %r", new_sql[:2000])
        body = json.dumps(payload).encode()
        headers.append((b"content-length", str(len(body)).encode()))
        scope = dict(scope, headers=headers)

        new_receive = _replay(body)
        start: dict | None = None

        async def new_send(message):
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] == 500:
                    start = message  # hold it: replaced below
                    return
                await send(message)
                return
            if start is not None and message["type"] == "http.response.body":
                try:
                    err = json.loads(message.get("body", b"") or b"{}")
                except ValueError:
                    err = {}
                text = err.get("message") or "fakesnow unhandled exception"
                log.error("fakesnow 500 for %r", new_sql[:2000])
                out = json.dumps(
                    {
                        "data": {"errorCode": "261000", "sqlState": "XX000"},
                        "code": "261000",
                        "message": f"fakesnow (test shim): {text}",
                        "success": False,
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(out)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": out, "more_body": False})
                return
            await send(message)

        await self.app(scope, new_receive, new_send)

    async def _log_login(self, scope, receive, send):
        """Log how the client authenticates (never a secret): fakesnow accepts anything."""
        body = await _read_body(receive)
        raw = (
            gzip.decompress(body)
            if dict(scope["headers"]).get(b"content-encoding", b"").lower() == b"gzip"
            else body
        )
        try:
            data = json.loads(raw).get("data", {})
            log.info(
                "login user=%s authenticator=%s password=%s token=%s",
                data.get("LOGIN_NAME"),
                data.get("AUTHENTICATOR", "SNOWFLAKE"),
                "yes" if data.get("PASSWORD") else "no",
                "yes" if data.get("TOKEN") else "no",
            )
        except (ValueError, AttributeError):
            pass
        await self.app(scope, _replay(body), send)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument(
        "--no-rewrite",
        action="store_true",
        help="stock fakesnow: no rewrites, no patches (500s still mapped)",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )

    import fakesnow.server
    import uvicorn

    if not args.no_rewrite:
        patch_null_timestamps()
        patch_exact_sum()
    app = RewriteMiddleware(fakesnow.server.app, rewrite=not args.no_rewrite)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]

    config = uvicorn.Config(app, log_level=args.log_level.lower(), lifespan="off")
    server = uvicorn.Server(config)

    original_startup = server.startup

    async def startup(sockets=None):
        await original_startup(sockets=sockets)
        print(f"{READY_MARKER} {port}", flush=True)

    server.startup = startup
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
