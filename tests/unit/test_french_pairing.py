"""The French edition is the English one, in French: same cells, same code, French prose.

One test a notebook: ``notebooks/fr/NN-name.ipynb`` exists and pairs with
``notebooks/NN-name.ipynb`` (tests/tools/editions.py says what pairing means).
The last tests prove the checker can fail: an English notebook is not French,
and a changed line of code or a dropped cell is caught.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from tests.tools import editions
from tests.tools.editions import ENGLISH, FRENCH, code_without_comments, pairing_problems

NOTEBOOKS = sorted(p.name for p in ENGLISH.glob("*.ipynb"))


def test_the_course_has_fourteen_notebooks_in_each_edition():
    assert len(NOTEBOOKS) >= 14
    assert sorted(p.name for p in FRENCH.glob("*.ipynb")) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS, ids=lambda n: n[:2])
def test_french_notebook_pairs_with_the_english_one(name):
    problems = pairing_problems(ENGLISH / name, FRENCH / name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS, ids=lambda n: n[:2])
def test_english_notebook_reads_as_english(name):
    problems = editions.english_problems(ENGLISH / name)
    assert not problems, "\n".join(problems)


def test_an_english_notebook_is_not_a_french_one():
    problems = pairing_problems(ENGLISH / NOTEBOOKS[0], ENGLISH / NOTEBOOKS[0])
    assert any("not French" in p for p in problems)


def test_changed_code_and_a_dropped_cell_are_caught(tmp_path):
    name = NOTEBOOKS[3]   # the English cells stand in for French ones: only code is judged here
    nb = nbformat.read(ENGLISH / name, as_version=4)
    code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                and "parameters" not in c.metadata.get("tags", []) and c.source.strip())

    edited = copy.deepcopy(nb)
    edited.cells[code].source += "\nprint('en plus')"
    nbformat.write(edited, tmp_path / name)
    assert any(f"cell {code}: the code differs" in p
               for p in pairing_problems(ENGLISH / name, tmp_path / name))

    commented = copy.deepcopy(nb)
    commented.cells[code].source = "# un commentaire de plus\n" + commented.cells[code].source
    nbformat.write(commented, tmp_path / name)
    assert not [p for p in pairing_problems(ENGLISH / name, tmp_path / name)
                if "code differs" in p]

    dropped = copy.deepcopy(nb)
    del dropped.cells[code]
    nbformat.write(dropped, tmp_path / name)
    assert any("never add, drop" in p for p in pairing_problems(ENGLISH / name, tmp_path / name))


def test_comments_go_but_strings_and_magics_stay():
    assert code_without_comments("a = '# pas un commentaire'  # un commentaire") == \
        "a = '# pas un commentaire'"
    magic = "%kubectl get pods  # hein\nx = 1"
    assert code_without_comments(magic) == magic
    yaml_cell = "%%kubectl apply -f -\n# le pod\napiVersion: v1  # la version\nkind: Pod\n"
    assert code_without_comments(yaml_cell) == "%%kubectl apply -f -\napiVersion: v1\nkind: Pod"
