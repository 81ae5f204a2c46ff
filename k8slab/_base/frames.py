"""Tables as pandas DataFrames, with pandas imported on the first table.

Why lazily: pandas takes about a quarter of a second to import, and most of
what runs k8slab never shows a table (``k8slab --help``, ``k8slab up``, a
check, a background watch). The modules that build tables import it through
:func:`dataframe`, and name ``pd.DataFrame`` in annotations only.

Example:
    >>> dataframe([{"name": "web", "ready": 3}], columns=["name", "ready"]).shape
    (1, 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def dataframe(data: Any = None, columns: list[str] | None = None, **options: Any) -> pd.DataFrame:
    """``pandas.DataFrame(data, columns=columns, **options)``, pandas imported now."""
    import pandas as pd

    return pd.DataFrame(data, columns=columns, **options)
