"""The `coconstruct` console script: run, files, listen, status, transform, sandbox serve."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from coconstruct_elt import __version__
from coconstruct_elt.run import DEFAULT_DATASET, RunOptions, TenantSpec, duckdb_path, run_tenants
from coconstruct_elt.status import format_status, pipeline_statuses
from coconstruct_elt.summary import format_summary
from coconstruct_source.errors import CoconstructError

logger = logging.getLogger("coconstruct")

# The project's non-secret defaults, found whatever the working directory.
PROJECT_DLT_DIR = Path(__file__).resolve().parent.parent / ".dlt"


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--destination", default="duckdb", help="dlt destination (default duckdb)")
    parser.add_argument("--duckdb-path", help="DuckDB file (default ./coconstruct.duckdb)")
    parser.add_argument("--dataset", default=DEFAULT_DATASET, help="dataset / schema name")
    parser.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default dlt's)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs and tracebacks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coconstruct", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="sync CoConstruct into the warehouse, then build the dbt models"
    )
    _add_common(run)
    run.add_argument(
        "--sandbox", action="store_true", help="start the bundled sandbox tenant and sync it"
    )
    run.add_argument("--sandbox-size", default="small", help="sandbox size: small, medium, large")
    run.add_argument("--sandbox-seed", type=int, default=1)
    run.add_argument("--resources", help="comma-separated subset, e.g. projects,bills")
    run.add_argument(
        "--tenants", help="comma-separated tenant config sections (sources.coconstruct.<name>)"
    )
    run.add_argument(
        "--tenants-file",
        help="TOML/YAML file listing the tenants (name, credentials_section, base_url); "
        "see examples/tenants.toml",
    )
    run.add_argument(
        "--full-refresh", action="store_true", help="drop the tables and state, load everything"
    )
    run.add_argument(
        "--sweep", action="store_true",
        help="also list every key and delete what the API removed without a tombstone",
    )
    run.add_argument("--no-dbt", action="store_true", help="skip the dbt step")
    run.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")

    files = sub.add_parser(
        "files", help="download new and changed attachment files into a file store, verified"
    )
    _add_common(files)
    files.add_argument("--sandbox", action="store_true", help="start the bundled sandbox tenant")
    files.add_argument("--sandbox-size", default="small")
    files.add_argument("--sandbox-seed", type=int, default=1)
    files.add_argument("--tenants", help="comma-separated tenant config sections")
    files.add_argument("--tenants-file", help="TOML/YAML file listing the tenants")
    files.add_argument(
        "--store",
        help="where files go: a folder or any fsspec URL, e.g. s3://bucket/prefix "
        "(default [sources.coconstruct.files] store_url, else ./coconstruct_files)",
    )
    files.add_argument("--workers", type=int, help="concurrent downloads (default 4)")
    files.add_argument(
        "--on-delete", choices=("remove", "keep"),
        help="what an attachment deleted in CoConstruct does to its file (default remove)",
    )
    files.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")

    listen = sub.add_parser(
        "listen", help="receive webhooks and sync the resources they name, near real time"
    )
    _add_common(listen)
    listen.add_argument("--sandbox", action="store_true",
                        help="start the bundled sandbox tenant and subscribe to it")
    listen.add_argument("--sandbox-size", default="small")
    listen.add_argument("--sandbox-seed", type=int, default=1)
    listen.add_argument("--tenants", help="comma-separated tenant config sections")
    listen.add_argument("--tenants-file", help="TOML/YAML file listing the tenants")
    from coconstruct_elt.webhooks.command import add_listen_arguments

    add_listen_arguments(listen)

    status = sub.add_parser("status", help="last run, outcome and cursors per tenant")
    status.add_argument("--pipelines-dir")
    status.add_argument("-v", "--verbose", action="store_true")

    transform = sub.add_parser("transform", help="run the dbt step alone")
    _add_common(transform)

    sandbox = sub.add_parser("sandbox", help="the bundled sandbox tenant")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_sub.add_parser("serve", help="serve the sandbox API until interrupted")
    try:
        from coconstruct_sandbox.server import add_serve_arguments

        add_serve_arguments(serve)
    except ImportError:  # pragma: no cover - sandbox not installed
        pass
    return parser


@contextlib.contextmanager
def _project_config() -> Iterator[None]:
    """Let dlt find the project's .dlt/config.toml from any working directory (a local
    .dlt next to the working directory still wins)."""
    if (
        "DLT_PROJECT_DIR" not in os.environ
        and not Path(".dlt").is_dir()
        and PROJECT_DLT_DIR.is_dir()
    ):
        os.environ["DLT_PROJECT_DIR"] = str(PROJECT_DLT_DIR.parent)
    yield


def _sandbox_server() -> Any:
    """The sandbox's server module; its web stack is the `sandbox` extra."""
    try:
        from coconstruct_sandbox import server
    except ImportError as e:
        raise CoconstructError(
            f"the sandbox needs its extra ({e.name} is missing): "
            "pip install 'coconstruct-elt[sandbox]'"
        ) from None
    return server


@contextlib.contextmanager
def _sandbox_tenant(size: str, seed: int) -> Iterator[TenantSpec]:
    from coconstruct_source.credentials import PasswordMfaCredentials

    SandboxServer = _sandbox_server().SandboxServer

    print(f"starting the sandbox tenant (size={size}, seed={seed})...", file=sys.stderr, flush=True)
    with SandboxServer(size=size, seed=seed, token_ttl=3600) as server:
        account = server.default_account()
        credentials = PasswordMfaCredentials(
            username=account.username,
            password=account.password,
            mfa_method=account.mfa,
            totp_secret=account.totp_secret,
        )
        yield TenantSpec(base_url=server.url, credentials=credentials)


def _tenants(args: argparse.Namespace) -> list[TenantSpec]:
    if args.tenants and args.tenants_file:
        raise ValueError("give --tenants or --tenants-file, not both")
    if args.tenants_file:
        from coconstruct_elt.orchestration.tenants_file import load_tenants

        return load_tenants(args.tenants_file)
    if args.tenants:
        return [
            TenantSpec(name=t.strip(), section=t.strip())
            for t in args.tenants.split(",")
            if t.strip()
        ]
    return [TenantSpec()]


def _options(args: argparse.Namespace) -> RunOptions:
    resources = (
        [r.strip() for r in args.resources.split(",") if r.strip()]
        if getattr(args, "resources", None)
        else None
    )
    return RunOptions(
        destination=args.destination,
        duckdb_path=args.duckdb_path,
        dataset=args.dataset,
        resources=resources,
        full_refresh=getattr(args, "full_refresh", False),
        pipelines_dir=args.pipelines_dir,
        progress=not getattr(args, "no_progress", True),
        session_cache=not getattr(args, "sandbox", False),
        sweep=getattr(args, "sweep", False),
    )


def _run_dbt(options: RunOptions) -> str:
    """The dbt build on the loaded warehouse; its one-line summary. Raises DbtFailed."""
    try:
        from coconstruct_elt.dbt_runner import run_dbt
    except ImportError:
        return "skipped (the dbt project is not installed)"
    outcome = run_dbt(
        "build",
        destination=options.destination,
        duckdb_path=duckdb_path(options) if options.destination == "duckdb" else None,
        dataset=options.dataset,
        echo=False,
    )
    return outcome.summary()


def cmd_run(args: argparse.Namespace) -> int:
    options = _options(args)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.sandbox:
            tenants = [stack.enter_context(_sandbox_tenant(args.sandbox_size, args.sandbox_seed))]
        else:
            tenants = _tenants(args)
        runs = run_tenants(tenants, options)
    failed = [r for r in runs if not r.ok]
    dbt_error = None
    # one failing tenant must not leave the others' marts stale; the exit status stays 1
    if len(failed) < len(runs) and not args.no_dbt:
        try:
            runs[-1].dbt = _run_dbt(options)
        except Exception as e:  # DbtFailed names the failed models and tests
            dbt_error = str(e)
            runs[-1].dbt = "FAILED"
    print(format_summary(runs, time.perf_counter() - started))
    if failed:
        for run in failed:
            print(f"error: tenant {run.tenant}: {run.error}", file=sys.stderr)
        return 1
    if dbt_error:
        print(f"error: {dbt_error}", file=sys.stderr)
        return 1
    return 0


def cmd_files(args: argparse.Namespace) -> int:
    from coconstruct_elt.files import configure_files, format_files_report, sync_files

    configure_files(args.store, args.workers, args.on_delete)
    options = _options(args)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.sandbox:
            tenants = [stack.enter_context(_sandbox_tenant(args.sandbox_size, args.sandbox_seed))]
        else:
            tenants = _tenants(args)
        reports = sync_files(tenants, options)
    print(format_files_report(reports, time.perf_counter() - started))
    failed = [r for r in reports if not r.ok or r.failed]
    for report in failed:
        why = report.error or f"{report.failed} file(s) failed; they are retried on the next run"
        print(f"error: tenant {report.tenant}: {why}", file=sys.stderr)
    return 1 if failed else 0


def cmd_listen(args: argparse.Namespace) -> int:
    from coconstruct_elt.webhooks.command import listen

    options = _options(args)
    with contextlib.ExitStack() as stack:
        if args.sandbox:
            tenants = [stack.enter_context(_sandbox_tenant(args.sandbox_size, args.sandbox_seed))]
        else:
            tenants = _tenants(args)
        return listen(tenants, options, args, sandbox=args.sandbox)


def cmd_status(args: argparse.Namespace) -> int:
    print(format_status(pipeline_statuses(args.pipelines_dir)))
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    print(_run_dbt(_options(args)))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    server = _sandbox_server()
    server.serve(**server.serve_kwargs(args))
    return 0


COMMANDS = {
    "run": cmd_run,
    "files": cmd_files,
    "listen": cmd_listen,
    "status": cmd_status,
    "transform": cmd_transform,
    "sandbox": cmd_sandbox,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    try:
        with _project_config():
            return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if verbose:
            raise
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
