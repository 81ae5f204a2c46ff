"""What every ``k8slab`` subcommand shares: ``-o json|yaml``, examples in ``--help``, old names.

Why a module of the foundations: the workshop commands (:mod:`k8slab.workshop`)
sit below :mod:`k8slab.cli` in the library's floors and print state too, so
the output formats, the help layout and the deprecated spellings must live
where both can import them, and behave the same in both (kubectl's ``-o``,
kind's examples).

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="demo", **with_examples("demo up"))
    >>> add_output_option(parser)
    >>> parser.parse_args(["-o", "json"]).output
    'json'
    >>> print(render({"engine": "kwok"}, "json"))
    {
      "engine": "kwok"
    }
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import yaml

from k8slab.errors import K8sLabError

__all__ = ["OUTPUT_FORMATS", "add_output_option", "deprecated_alias", "emit", "render",
           "with_examples"]

#: The machine-readable formats of ``-o``; no ``-o`` keeps the human table.
OUTPUT_FORMATS = ("json", "yaml")


def with_examples(*examples: str, note: str = "") -> dict[str, Any]:
    """The keyword arguments of ``add_parser`` that end ``--help`` with examples.

    Why a helper: argparse re-wraps an epilog into one paragraph unless the
    parser uses :class:`argparse.RawDescriptionHelpFormatter`; forgetting it
    on one subcommand would mangle its examples, so both come together.

    Args:
        examples: command lines, each optionally followed by ``  # what it does``.
        note: a plain-text paragraph shown after the examples.

    Returns:
        ``epilog`` and ``formatter_class`` for :class:`argparse.ArgumentParser`.
    """
    lines = ["Examples:", *(f"  {e}" for e in examples)]
    if note:  # the one paragraph argparse would have wrapped, wrapped as it would
        lines += ["", textwrap.fill(note, width=78)]
    return {"epilog": "\n".join(lines),
            "formatter_class": argparse.RawDescriptionHelpFormatter}


def add_output_option(parser: argparse.ArgumentParser) -> None:
    """``-o/--output json|yaml`` as kubectl spells it; without it, the human table."""
    parser.add_argument("-o", "--output", choices=OUTPUT_FORMATS, default=None,
                        help="print the state as json or yaml (for scripts) instead of a table")


def render(data: Any, fmt: str) -> str:
    """``data`` (dicts, lists, strings, numbers, booleans) as JSON or YAML text.

    Example:
        >>> render([{"ok": True}], "yaml")
        '- ok: true\\n'
    """
    if fmt == "json":
        return json.dumps(data, indent=2, default=str)
    if fmt == "yaml":
        return yaml.safe_dump(json.loads(json.dumps(data, default=str)), sort_keys=False,
                              allow_unicode=True)
    raise K8sLabError(f"There is no output format {fmt!r}.",
                      f"Use -o {' or -o '.join(OUTPUT_FORMATS)}, or no -o for the table.")


def emit(data: Any, fmt: str) -> None:
    """Print ``data`` in ``fmt`` on stdout, and nothing else there (a script parses it)."""
    text = render(data, fmt)
    print(text if text.endswith("\n") else text + "\n", end="", flush=True)


class _DeprecatedAlias(argparse.Action):
    """An old option spelling that still works, says its new name once, and hides in --help."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, new: str,
                 **kwargs: Any) -> None:
        self.new = new
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(f"k8slab: warning: {option_string} is deprecated here, use {self.new} "
              "(the old name still works for now).", file=sys.stderr)
        setattr(namespace, self.dest, values)


def deprecated_alias(parser: argparse.ArgumentParser, old: str, new: str, dest: str,
                     **kwargs: Any) -> None:
    """Keep ``old`` working as a hidden alias of the option ``new`` (which stores ``dest``).

    Why: scripts and workshop notes written for the old spelling must not
    break the day an option is renamed; they get a one-line notice instead.

    Example:
        >>> p = argparse.ArgumentParser()
        >>> _ = p.add_argument("--workshop", default="attendee")
        >>> deprecated_alias(p, "--prefix", "--workshop", "workshop")
        >>> p.parse_args(["--prefix", "team"]).workshop      # doctest: +SKIP
        'team'
    """
    parser.add_argument(old, dest=dest, action=_DeprecatedAlias, new=new,
                        default=argparse.SUPPRESS, **kwargs)
