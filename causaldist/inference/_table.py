"""A result table that prints whole: every column, every row, titled parts."""

import pandas as pd

__all__ = ["SummaryTable"]


class SummaryTable(pd.DataFrame):
    """A DataFrame that prints whole, in titled parts (statsmodels' ``Summary``).

    Returned by ``summary()`` of the linear final stages and of
    :class:`PopulationSummary`. It *is* a :class:`pandas.DataFrame`, so code
    that indexed the table (``table["pvalue"]``, ``table.loc["X1"]``,
    ``table.round(3)``, ``pd.concat``) works unchanged; only printing
    differs: ``str``, ``repr`` and the notebook's HTML show every column and
    row (pandas' display options would hide columns behind ``...``), one
    titled block per part.

    Parameters
    ----------
    data : DataFrame
        The whole table.
    parts : list of (title, rows, columns), default=None
        The titled blocks printed one after the other; ``rows`` or
        ``columns`` None means all of them. None prints one untitled block.

    Attributes
    ----------
    frame : DataFrame
        The whole table as a plain DataFrame (a copy).
    tables : list of DataFrame
        One plain DataFrame per part, its title in ``attrs["title"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from causaldist.inference import SummaryTable
    >>> t = SummaryTable(pd.DataFrame({"a": [1.0], "b": [2.0]}, index=["x"]),
    ...                  parts=[("A", None, ["a"]), ("B", None, ["b"])])
    >>> print(t)
    A
    ===
         a
    x  1.0
    <BLANKLINE>
    B
    ===
         b
    x  2.0
    >>> float(t.loc["x", "b"]), len(t.tables)
    (2.0, 2)
    """

    _metadata = ["_parts"]

    def __init__(self, data=None, *args, parts=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if parts is None and isinstance(data, SummaryTable):
            parts = data._parts
        self._parts = None if parts is None else [tuple(p) for p in parts]

    @property
    def _constructor(self):
        # A slice or a rounded copy is still a table that prints whole.
        return SummaryTable

    @property
    def frame(self):
        """The whole table as a plain :class:`pandas.DataFrame` (a copy)."""
        return pd.DataFrame(self).copy()

    @property
    def tables(self):
        """One plain DataFrame per titled part (``attrs["title"]``), as statsmodels'."""
        frame = self.frame
        parts = getattr(self, "_parts", None) or [("", None, None)]
        out = []
        for title, rows, cols in parts:
            r = frame.index if rows is None else [i for i in rows if i in frame.index]
            c = frame.columns if cols is None else [j for j in cols if j in frame.columns]
            if len(r) and len(c):
                part = frame.loc[r, c].copy()
                part.attrs = {"title": title}
                out.append(part)
        placed = {j for _, _, cols in parts if cols is not None for j in cols}
        rest = [j for j in frame.columns if j not in placed]
        if any(cols is not None for _, _, cols in parts) and rest:
            part = frame[rest].copy()
            part.attrs = {"title": ""}
            out.append(part)
        return out or [frame]

    def as_text(self):
        """Every part as text, titled, no column or row hidden.

        Returns
        -------
        text : str
        """
        blocks = []
        for t in self.tables:
            title = t.attrs.get("title", "")
            body = t.to_string(max_rows=None, max_cols=None, line_width=None)
            blocks.append(f"{title}\n{'=' * max(len(title), 3)}\n{body}" if title else body)
        return "\n\n".join(blocks)

    def as_html(self):
        """Every part as an HTML table with its title as caption.

        Returns
        -------
        html : str
        """
        blocks = []
        for t in self.tables:
            title = t.attrs.get("title", "")
            html = t.to_html(max_rows=None, max_cols=None)
            if title:
                html = html.replace(">\n", f">\n<caption>{title}</caption>\n", 1)
            blocks.append(html)
        return "\n".join(blocks)

    def __repr__(self):
        return self.as_text()

    __str__ = __repr__

    def _repr_html_(self):
        return self.as_html()
