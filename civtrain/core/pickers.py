"""The type-ahead picker (#11 item 3): a plain text box that submits a code, which the site's
picker.js turns into a combobox over a search endpoint (progressive enhancement)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext as _


class PickerInput(forms.TextInput):
    """A text input that names the search endpoint (`data-picker`) and shows the current
    value's label (`data-picker-label`). Without JavaScript the box takes a code as typed;
    with it, the user types part of a name, picks a match and the code is submitted."""

    def __init__(
        self,
        *,
        url: Any,
        label_for: Callable[[str], str],
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__({"class": "form-control", "autocomplete": "off", **(attrs or {})})
        self.url = url  # lazy: reversed when the page is drawn
        self.label_for = label_for

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-picker"] = str(self.url)
        widget_attrs["data-picker-empty"] = _("没有匹配的结果")
        current = "" if value in (None, "") else str(value)
        label = self.label_for(current) if current else ""
        if label:
            widget_attrs["data-picker-label"] = label
        return context


class PickerField(forms.CharField):
    """A form field drawn as a PickerInput: the box's text (a code, an id or an exact name)
    is looked up in what the actor may choose; cleans to what `chosen` makes of the match,
    None when blank, and refuses anything else with `not_found`. The form sets `actor`."""

    default_error_messages = {"not_found": "—"}  # each picker says what it could not find

    def __init__(self, *, url: Any, placeholder: Any = "", **kwargs: Any) -> None:
        self.actor: Any = None
        kwargs.setdefault(
            "widget",
            PickerInput(url=url, label_for=self.label_for, attrs={"placeholder": placeholder}),
        )
        super().__init__(**kwargs)

    def __deepcopy__(self, memo: dict[int, Any]) -> "PickerField":
        result = super().__deepcopy__(memo)
        if isinstance(result.widget, PickerInput):
            result.widget.label_for = result.label_for  # the copy's actor, not the class's
        return result  # type: ignore[return-value]

    # What a picker knows: how to find a match for the box's text, describe it, clean it.
    def find(self, ref: str) -> Any:
        raise NotImplementedError

    def describe(self, found: Any) -> str:
        raise NotImplementedError

    def chosen(self, found: Any) -> Any:
        return found

    def label_for(self, ref: str) -> str:
        found = self.find(ref) if self.actor is not None else None
        return self.describe(found) if found is not None else ""

    def to_python(self, value: Any) -> Any:
        ref = str(super().to_python(value) or "").strip()
        if not ref:
            return None
        found = self.find(ref) if self.actor is not None else None
        if found is None:
            raise forms.ValidationError(self.error_messages["not_found"], code="not_found")
        return self.chosen(found)
