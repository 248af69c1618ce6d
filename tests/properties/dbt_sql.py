"""Render a dbt model of the project to DuckDB SQL without a dbt run: the project's own
macros and the dbt / dbt-duckdb cross-database macros (read from the installed packages),
`ref()` pointing at a relation the test provides. Enough for models built from those."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dbt.include.duckdb
import dbt.include.global_project
import jinja2

PROJECT = Path(__file__).resolve().parents[2] / "dbt_models"
GLOBAL_UTILS = Path(dbt.include.global_project.__file__).parent / "macros" / "utils"
DUCKDB_UTILS = Path(dbt.include.duckdb.__file__).parent / "macros" / "utils"


class _Adapter:
    def __init__(self, macros: dict[str, Any]) -> None:
        self.macros = macros

    def dispatch(self, name: str, _namespace: str | None = None) -> Any:
        return self.macros.get(f"duckdb__{name}") or self.macros[f"default__{name}"]


def _macros(env: jinja2.Environment, files: list[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in files:
        try:
            module = env.from_string(path.read_text()).module
        except jinja2.TemplateSyntaxError:  # `{% test %}` blocks and other dbt-only tags
            continue
        out |= {k: getattr(module, k) for k in dir(module) if not k.startswith("_")}
    return out


def render_model(model: str, refs: dict[str, str]) -> str:
    """The model's SQL for DuckDB; `refs` maps ref('name') to a relation name."""
    env = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    macros: dict[str, Any] = {}
    adapter = _Adapter(macros)
    env.globals["adapter"] = adapter
    utils = [GLOBAL_UTILS / f for f in ("length.sql", "replace.sql", "split_part.sql", "safe_cast.sql")]
    utils.append(DUCKDB_UTILS / "splitpart.sql")
    macros |= _macros(env, [*utils, *sorted((PROJECT / "macros").glob("*.sql"))])

    def cross_db(name: str) -> Any:
        return lambda *args: adapter.dispatch(name)(*args)

    env.globals["dbt"] = SimpleNamespace(
        length=cross_db("length"), replace=cross_db("replace"),
        split_part=cross_db("split_part"), safe_cast=cross_db("safe_cast"),
        type_bigint=lambda: "bigint")
    env.globals |= {k: v for k, v in macros.items() if not k.startswith(("default__", "duckdb__"))}
    env.globals["ref"] = lambda name: refs[name]
    path = next(PROJECT.joinpath("models").rglob(f"{model}.sql"))
    return env.from_string(path.read_text()).render()
