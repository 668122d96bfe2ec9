"""The sandbox merchant templates render in: no Python internals, no files, no config."""

from __future__ import annotations

import operator
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT_CHARS = 500_000
MAX_POWER_OPERAND = 1_000


class MailTemplateError(ValueError):
    """A merchant template does not render; the message says where and why."""


class MailSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox without loaders, gadget globals or huge arithmetic."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Refuse access to an unsafe attribute outright instead of rendering nothing."""
        raise SecurityError(f"access to attribute {attribute!r} is not allowed")

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        """Refuse results that would exhaust memory or CPU ('x' * 10**9, 9 ** 9 ** 9)."""
        if operator_name == "**":
            if abs(_number(right)) > MAX_POWER_OPERAND:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        if isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple):
            count = right if isinstance(left, str | list | tuple) else left
            size = len(left if isinstance(left, str | list | tuple) else right)
            if _number(count) * max(size, 1) > MAX_OUTPUT_CHARS:
                raise SecurityError("repetition too large")
        return operator.mul(left, right)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _make_env() -> MailSandbox:
    env = MailSandbox(autoescape=True, undefined=Undefined, loader=None)
    for name in ("range", "lipsum", "cycler", "joiner", "namespace", "dict"):
        env.globals.pop(name, None)
    return env


_env = _make_env()


def render_text(source: str, context: dict[str, Any], *, autoescape: bool = True) -> str:
    """Render merchant-editable template text in the sandbox; raise MailTemplateError."""
    try:
        out = _compiled(source, autoescape).render(**context)
    except SecurityError as exc:
        raise MailTemplateError(f"not allowed in a template: {exc}") from exc
    except TemplateError as exc:
        raise MailTemplateError(f"template error: {exc}") from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise MailTemplateError(f"template error: {type(exc).__name__}: {exc}") from exc
    if len(out) > MAX_OUTPUT_CHARS:
        raise MailTemplateError("template output is too large")
    return out


@lru_cache(maxsize=512)
def _compiled(source: str, autoescape: bool) -> Template:
    """Compile a template once; the same text renders many times in a batch."""
    return (_env if autoescape else _plain_env).from_string(source)


def check_syntax(source: str) -> str | None:
    """Return None when source parses, else the error to show the merchant."""
    try:
        _env.parse(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return f"line {line}: {exc}" if line else str(exc)
    return None


_plain_env = _make_env()
_plain_env.autoescape = False
