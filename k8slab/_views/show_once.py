"""Results that display themselves once: when made, not again when the cell returns them.

A helper that both displays its result and returns it (a figure, a widget)
would otherwise show it twice when it is a cell's last line. IPython is
imported only inside a notebook: the command line and tests never load it.
"""

from __future__ import annotations

from k8slab._base import display as _display


def execution_count() -> int | None:
    """The running cell's number in a notebook, None elsewhere."""
    if not _display.in_notebook():
        return None
    from IPython import get_ipython

    ip = get_ipython()
    return getattr(ip, "execution_count", None)


class ShowOnce:
    """Displayed when made (in a notebook), and not again if the cell also returns it.

    A helper that both displays its result and returns it would otherwise show
    it twice when it is a cell's last line. Subclasses give the MIME bundle;
    ``text/plain`` should be a sentence, since it is what a headless run
    (papermill) keeps and what a reader of the saved notebook sees.
    """

    _shown_in: int | None = None

    def _bundle(self) -> dict:
        raise NotImplementedError

    def _text(self) -> str:
        return str(self._bundle().get("text/plain", ""))

    def _ipython_display_(self) -> None:
        count = execution_count()
        if count is not None and count == self._shown_in:
            return
        self._shown_in = count
        from IPython.display import display

        display(self._bundle(), raw=True)

    def _publish(self, *, echo: bool = True) -> None:
        """Display in a notebook; elsewhere print the text summary (when ``echo``)."""
        if _display.in_notebook():
            self._ipython_display_()
        elif echo:
            print(self._text())
