"""`python -m coconstruct_sandbox serve --host 127.0.0.1 --port 8765 --size small --seed 1`."""

from __future__ import annotations

import argparse

from coconstruct_sandbox.server import add_serve_arguments, serve, serve_kwargs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coconstruct_sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(commands.add_parser("serve", help="serve a sandbox tenant over HTTP"))
    args = parser.parse_args(argv)
    serve(**serve_kwargs(args))


if __name__ == "__main__":
    main()
