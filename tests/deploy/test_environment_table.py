"""The README's environment table, .env.example and the code that reads the environment
say the same thing: no variable the deployment reads is undocumented, no documented one
is gone, each default written is the code's, and "required in production" is what
production refuses to start without."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"
TABLE_HEADING = "### Environment variables"
# What a deployment runs: settings (test settings are not deployed), the Celery app,
# the WSGI entry point, gunicorn's config.
SOURCES = [
    *sorted(p for p in (ROOT / "config" / "settings").glob("*.py") if p.name != "test.py"),
    ROOT / "config" / "celery.py",
    ROOT / "config" / "wsgi.py",
    ROOT / "gunicorn.conf.py",
]
# config/settings/environment.py's readers: name first, default second.
ENV_READERS = {
    "env_bool",
    "env_int",
    "env_float",
    "env_list",
    "env_required",
    "env_secret_key",
    "env_proxy_ssl_header",
}
# Production refuses to start without these.
REQUIRED_READERS = {"env_required", "env_secret_key"}
# Required too, though nothing can refuse it: without DJANGO_SETTINGS_MODULE the Celery
# worker, beat and manage.py run on the development settings (their default).
REQUIRED_BY_DECISION = {"DJANGO_SETTINGS_MODULE"}


@dataclass
class Read:
    """Every place the deployment reads one variable."""

    defaults: list[object] = field(default_factory=list)
    required_in: set[str] = field(default_factory=set)


@dataclass
class Row:
    name: str
    default: str
    required: str
    meaning: str


def _literal(node: ast.expr) -> object:
    """A default written as a literal or as constant arithmetic (24 * 60 * 60); else
    a marker that it is computed (a path under the project, a setting)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    if all(isinstance(n, ast.BinOp | ast.Constant | ast.operator) for n in ast.walk(node)):
        return eval(compile(ast.Expression(node), "<default>", "eval"), {"__builtins__": {}})
    return COMPUTED


COMPUTED = object()


def _name_and_default(call: ast.Call) -> tuple[str, object] | None:
    if not call.args or not isinstance(call.args[0], ast.Constant):
        return None
    name = call.args[0].value
    default = _literal(call.args[1]) if len(call.args) > 1 else None
    return name, default


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def variables_read() -> dict[str, Read]:
    """name → its defaults and whether production requires it, from the sources' ASTs."""
    found: dict[str, Read] = {}
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            name_default = None
            required = False
            if isinstance(node, ast.Call):
                function = node.func
                if isinstance(function, ast.Attribute) and (
                    (_is_os_environ(function.value) and function.attr in ("get", "setdefault"))
                    or (
                        function.attr == "getenv"
                        and isinstance(function.value, ast.Name)
                        and function.value.id == "os"
                    )
                ):
                    name_default = _name_and_default(node)
                elif isinstance(function, ast.Name) and function.id in ENV_READERS:
                    name_default = _name_and_default(node)
                    required = function.id in REQUIRED_READERS
            elif (
                isinstance(node, ast.Subscript)
                and _is_os_environ(node.value)
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.slice, ast.Constant)
            ):
                name_default = (node.slice.value, None)
            if name_default is None:
                continue
            name, default = name_default
            read = found.setdefault(name, Read())
            if default is not None:
                read.defaults.append(default)
            if required:
                read.required_in.add(source.name)
    return found


def table_rows() -> dict[str, Row]:
    text = README.read_text()
    assert TABLE_HEADING in text, f"README.md has no {TABLE_HEADING!r} section"
    section = text.split(TABLE_HEADING, 1)[1]
    rows: dict[str, Row] = {}
    in_table = False
    for line in section.splitlines():
        if not line.startswith("|"):
            if in_table:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not in_table:
            assert [c.lower() for c in cells] == [
                "variable",
                "default",
                "required in production",
                "meaning",
            ], cells
            in_table = True
            continue
        if set(cells[0]) <= {"-", ":"}:
            continue
        assert len(cells) == 4, f"four cells (a | inside one?): {line}"
        match = re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", cells[0])
        assert match, f"one variable per row, in backticks: {cells[0]!r}"
        assert cells[2] in ("yes", "no"), f"{cells[0]}: required is yes or no, not {cells[2]!r}"
        assert match[1] not in rows, f"{match[1]} has two rows"
        rows[match[1]] = Row(match[1], cells[1], cells[2], cells[3])
    assert rows, "the environment table has no rows"
    return rows


def written(default: object) -> str | None:
    """How a default reads in the table; None for one not worth checking (unset)."""
    if default is COMPUTED or default in ("", []):
        return None
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, list):
        return ",".join(default)
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def test_every_variable_the_deployment_reads_has_one_row_and_no_row_is_stale():
    read = set(variables_read())
    documented = set(table_rows())

    missing = sorted(read - documented)
    stale = sorted(documented - read)

    assert not missing, f"read by the code, not in the README's table: {missing}"
    assert not stale, f"in the README's table, read by no code: {stale}"


def test_each_default_in_the_code_is_the_one_the_table_gives():
    rows = table_rows()
    wrong = [
        f"{name}: {text!r} not in {rows[name].default!r}"
        for name, read in variables_read().items()
        for text in map(written, read.defaults)
        if text is not None and name in rows and text not in rows[name].default.replace("`", "")
    ]

    assert not wrong, wrong


def test_required_in_production_is_yes_exactly_for_what_production_refuses_to_start_without():
    required = {name for name, read in variables_read().items() if read.required_in}
    required |= REQUIRED_BY_DECISION
    said_required = {name for name, row in table_rows().items() if row.required == "yes"}

    assert said_required == required


def env_example() -> tuple[set[str], set[str]]:
    """The names .env.example sets, and the names it shows commented out."""
    set_names, commented = set(), set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=.*", line):
            set_names.add(match[1])
        elif match := re.fullmatch(r"#\s*([A-Z][A-Z0-9_]*)=.*", line):
            commented.add(match[1])
    return set_names, commented


def test_env_example_sets_exactly_the_required_variables_and_names_only_known_ones():
    rows = table_rows()
    set_names, commented = env_example()

    assert set_names == {name for name, row in rows.items() if row.required == "yes"}
    assert not (commented - set(rows)), sorted(commented - set(rows))
    assert not (set_names & commented)


def test_production_starts_with_only_the_required_variables(tmp_path):
    """`manage.py check --deploy` with the required rows alone (example values, as an
    operator would fill .env.example in) and nothing else from the shell."""
    example = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "inventory.example.com",
    }
    required = {name for name, row in table_rows().items() if row.required == "yes"}
    assert set(example) == required, "give the new required variable an example value here"

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **example},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
