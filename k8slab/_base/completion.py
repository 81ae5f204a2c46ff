"""Shell completion for bash and zsh, written from the argparse parser itself.

Why generated rather than kept by hand: a hand-written script forgets the
next subcommand or option; walking the parser that ``k8slab`` runs cannot.
Why no completion library: argcomplete and shtab would be a new dependency
for a few dozen lines of shell, and argcomplete starts Python on every Tab.

The script knows, for each command path (``""``, ``"workshop"``,
``"workshop create"``), its subcommands, options and positional choices, and
for each option with choices (``--engine``) those choices. Options hidden
from ``--help`` (old spellings) are not offered.

Example:
    >>> import argparse
    >>> p = argparse.ArgumentParser(prog="demo")
    >>> s = p.add_subparsers().add_parser("up")
    >>> _ = s.add_argument("--engine", choices=["kwok", "kind"])
    >>> "kwok kind" in completion_script(p, "bash")
    True
"""

from __future__ import annotations

import argparse
import re

from k8slab.errors import K8sLabError

__all__ = ["SHELLS", "command_paths", "completion_script"]

SHELLS = ("bash", "zsh")

_SAFE = re.compile(r"^[A-Za-z0-9_.:/=+-]+$")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _words(parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, list[str]]]:
    """The words a command path offers, and each option's choices."""
    words: list[str] = []
    choices: dict[str, list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            words += action.option_strings
            if action.choices:
                for option in action.option_strings:
                    choices[option] = [str(c) for c in action.choices]
        elif action.choices:
            words += [str(c) for c in action.choices]
    words = [*_subparsers(parser), *words]
    return words, choices


def command_paths(parser: argparse.ArgumentParser, path: str = ""
                  ) -> dict[str, tuple[list[str], dict[str, list[str]]]]:
    """Every command path of ``parser`` with its words and option choices, depth first.

    Example:
        >>> p = argparse.ArgumentParser()
        >>> _ = p.add_subparsers().add_parser("status")
        >>> sorted(command_paths(p))
        ['', 'status']
    """
    found = {path: _words(parser)}
    for name, child in _subparsers(parser).items():
        found.update(command_paths(child, f"{path} {name}".strip()))
    return found


def _quote(words: list[str]) -> str:
    bad = [w for w in words if not _SAFE.match(w)]
    if bad:  # a word the shell would split or expand: say so at generation, not at Tab
        raise K8sLabError(f"The completion script cannot offer {bad!r}: a shell would split "
                          "or expand it.", "Give that option plain choices (letters, digits, "
                          "._:/=+-), then run `k8slab completion` again.")
    return " ".join(words)


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """A completion script for ``shell`` (``bash`` or ``zsh``) of ``parser``'s program.

    The program's name (``parser.prog``) names the function; the script also
    completes ``kubectl-lab``, the same command as a kubectl plugin.
    """
    if shell not in SHELLS:
        raise K8sLabError(f"k8slab has no completion for the shell {shell!r}.",
                          f"Use `k8slab completion {' or '.join(SHELLS)}`.")
    prog = parser.prog.split()[0]
    func = "_" + re.sub(r"[^A-Za-z0-9_]", "_", prog)
    paths = command_paths(parser)
    sub_cases = []
    word_cases = []
    choice_cases = []
    for path, (words, choices) in paths.items():
        if path:
            sub_cases.append(f'      "{path}") path="{path}" ;;')
        word_cases.append(f'    "{path}") candidates="{_quote(words)}" ;;')
        for option, values in choices.items():
            choice_cases.append(f'    "{path}|{option}") candidates="{_quote(values)}" ;;')
    body = "\n".join([
        '  local path="" candidates="" word i',
        f"  for ((i = {'1' if shell == 'bash' else '2'}; i < cword; i++)); do",
        '    word="${line[i]}"',
        '    case "$word" in -*) continue ;; esac',
        '    case "${path:+$path }$word" in',
        *sub_cases,
        "    esac",
        "  done",
        '  case "$path|$prev" in',
        *choice_cases,
        "    *)",
        '      case "$path" in',
        *("  " + c for c in word_cases),
        "      esac ;;",
        "  esac",
    ])
    header = (f"# {shell} completion for {prog} (and kubectl-lab), made by "
              f"`{prog} completion {shell}` from its own command line.")
    if shell == "bash":
        return "\n".join([
            header,
            f"# Load it: source <({prog} completion bash)",
            f"{func}() {{",
            '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
            '  local cword=$COMP_CWORD',
            '  local -a line=("${COMP_WORDS[@]}")',
            body,
            '  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))',
            "}",
            f"complete -o default -F {func} {prog} kubectl-lab",
            "",
        ])
    return "\n".join([
        f"#compdef {prog} kubectl-lab",
        header,
        f"# Load it: put it in a folder of $fpath as _{prog}, then compinit.",
        f"{func}() {{",
        '  local cword=$CURRENT prev="${words[CURRENT-1]}"',
        '  local -a line',
        '  line=("${words[@]}")',
        body,
        '  local -a offered',
        '  offered=(${=candidates})',
        '  if (( ${#offered} )); then compadd -- "${offered[@]}"; else _files; fi',
        "}",
        f'if [[ "$funcstack[1]" == "{func}" ]]; then {func} "$@"; '
        f"else compdef {func} {prog} kubectl-lab; fi",
        "",
    ])
