"""Generate the CLI reference (docs/reference/cli.md) from the commands themselves.

    python -m preservation.cli.docgen > docs/reference/cli.md

A test regenerates it and compares, so the reference cannot go stale.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator

import click

HEADER = """# CLI reference

Generated from the commands themselves by `python -m preservation.cli.docgen`; a test checks
that this page matches the code. Exit codes everywhere: `0` all good, `1` finished and found
problems, `2` could not run.
"""


def _context(cmd: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """A context as click builds it when the command runs (settings inherited from parents)."""
    return click.Context(cmd, info_name=name, parent=parent, **cmd.context_settings)


def walk(cmd: click.Command, path: list[str],
         parent: click.Context | None = None) -> Iterator[tuple[list[str], click.Command, click.Context]]:
    ctx = _context(cmd, path[-1], parent)
    yield path, cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, [*path, name], ctx)


def render_command(path: list[str], cmd: click.Command, ctx: click.Context) -> str:
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    level = "#" * min(len(path) + 1, 4)
    out = [f"{level} `{' '.join(path)}`", "", "```", f"{' '.join(path)} {usage}".rstrip(), "```", ""]
    if cmd.help:
        out += [inspect.cleandoc(click.unstyle(cmd.help)).replace("\b\n", ""), ""]
    rows = []
    for p in cmd.get_params(ctx):
        if not isinstance(p, click.Option):
            continue  # arguments are in the usage line (click 8.5 also gives them help rows)
        rec = p.get_help_record(ctx)
        if rec is None:
            continue
        name, text = rec
        name, text = name.replace("|", "\\|"), text.replace("|", "\\|")
        rows.append(f"| `{name}` | {text} |")
    if rows:
        out += ["| option | meaning |", "|---|---|", *rows, ""]
    if isinstance(cmd, click.Group):
        subs = [n for n in cmd.list_commands(ctx) if not (c := cmd.get_command(ctx, n)) or not c.hidden]
        if subs:
            out += ["Commands: " + ", ".join(f"`{n}`" for n in subs), ""]
    return "\n".join(out)


def reference() -> str:
    from preservation.cli.main import cli

    parts = [HEADER]
    for path, cmd, ctx in walk(cli, ["preservation"]):
        parts.append(render_command(path, cmd, ctx))
    return "\n".join(parts).rstrip() + "\n"


def command_paths() -> list[str]:
    from preservation.cli.main import cli

    return [" ".join(p) for p, _, _ in walk(cli, ["preservation"])]


if __name__ == "__main__":
    sys.stdout.write(reference())
