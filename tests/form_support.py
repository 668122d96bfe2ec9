"""Read an HTML form's fields the way a browser would submit them (inputs, selects, textareas)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[list[Any]] = []  # [value or None (then its text), selected, text]
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type") not in ("checkbox", "radio", "submit", "button"):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append([dict(attrs).get("value"), "selected" in a, ""])
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        elif self._select is not None and self._options:
            self._options[-1][2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            values = [(t.strip() if v is None else v, on) for v, on, t in self._options]
            chosen = [v for v, on in values if on] or [v for v, _ in values[:1]]
            self.fields.extend((self._select, v) for v in chosen[:1])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str = "builder") -> MultiDict[str, str]:
    """Return the fields a browser would post from the form with this id, in page order."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return MultiDict(reader.fields)
