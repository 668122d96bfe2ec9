"""The sandbox merchant templates render in: no Python internals, no files, no config, and
bounded time, work, sizes and depth (see render_limits), so no template can exhaust a worker."""

from __future__ import annotations

import copy
import operator
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from jinja2 import Template, TemplateError, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ecomapp.mail import render_limits as limits
from ecomapp.mail.amplifiers import check_str_method, guard_filter
from ecomapp.mail.languages import mail_money

MAX_OUTPUT_CHARS = limits.MAX_OUTPUT_CHARS


class MailTemplateError(ValueError):
    """A merchant template does not render; the message says where and why."""


class TemplateRefused(MailTemplateError):
    """A template the sandbox refuses (an escape or a resource limit): it never renders."""


class BoundedLoops(CodeGenerator):
    """Compile every {% for %} to iterate through `bounded_iter` (counted, size-checked)."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        """Wrap the loop's iterable before compiling the loop as usual."""
        wrapped = copy.copy(node)
        bounded = nodes.EnvironmentAttribute("bounded_iter", lineno=node.lineno)
        wrapped.iter = nodes.Call(bounded, [node.iter], [], None, None, lineno=node.lineno)
        super().visit_For(wrapped, frame)


class MailSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox without loaders or gadget globals, with every amplifier bounded."""

    code_generator_class = BoundedLoops
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    bounded_iter = staticmethod(limits.bounded_iter)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Refuse access to an unsafe attribute outright instead of rendering nothing."""
        raise SecurityError(f"access to attribute {attribute!r} is not allowed")

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        """Refuse results that would exhaust memory or CPU ('x' * 10**9, 9 ** 9 ** 9)."""
        limits.tick()
        if operator_name == "**":
            limits.check_power(left, right)
            return operator.pow(left, right)
        if operator_name == "%":
            if isinstance(left, str):
                limits.check_percent_format(left)
            return operator.mod(left, right)
        if operator_name == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                limits.check_length(len(left) + len(right), "the sum")
            return operator.add(left, right)
        sized = left if isinstance(left, str | list | tuple) else right
        if isinstance(sized, str | list | tuple):
            times = right if sized is left else left
            limits.check_length(_number(times) * max(len(sized), 1), "the repetition")
        return operator.mul(left, right)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Count the call, check string methods that multiply and the depth, then call."""
        limits.tick()
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str):
            args = check_str_method(owner, getattr(obj, "__name__", ""), args, kwargs)
        for value in (*args, *(v for k, v in kwargs.items() if not k.startswith("_"))):
            limits.check_size(value, "an argument")
        with limits.nested():
            result = super().call(context, obj, *args, **kwargs)
        return limits.check_size(result, "the result of a call")

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Count an attribute lookup; check format strings before their (wrapped) .format."""
        limits.tick()
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            limits.check_brace_format(obj)  # the sandbox hands back a wrapper, not the method
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Count a subscript lookup (a step of work)."""
        limits.tick()
        return super().getitem(obj, argument)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _make_env(autoescape: bool) -> MailSandbox:
    env = MailSandbox(
        autoescape=autoescape, undefined=Undefined, loader=None, finalize=limits.count_output
    )
    for name in ("lipsum", "cycler", "joiner", "namespace", "dict"):
        env.globals.pop(name, None)
    env.globals["range"] = limits.bounded_range
    env.filters["money"] = mail_money
    env.filters = {name: guard_filter(name, f) for name, f in env.filters.items()}
    return env


_env = _make_env(autoescape=True)
_plain_env = _make_env(autoescape=False)


def render_seconds() -> float:
    """Return how long one render may take (TEMPLATE_RENDER_SECONDS)."""
    if has_app_context():
        return float(current_app.config["SETTINGS"].template_render_seconds)
    return limits.DEFAULT_SECONDS


def render_text(source: str, context: dict[str, Any], *, autoescape: bool = True) -> str:
    """Render merchant-editable template text in the sandbox; raise MailTemplateError."""
    try:
        with limits.budget(render_seconds()):
            return _stream(_compiled(source, autoescape), context)
    except SecurityError as exc:
        raise TemplateRefused(f"not allowed in a template: {exc}") from exc
    except RecursionError as exc:
        raise TemplateRefused("not allowed in a template: it nests too deeply") from exc
    except MemoryError as exc:
        raise TemplateRefused("not allowed in a template: it needs too much memory") from exc
    except TemplateError as exc:
        raise MailTemplateError(f"template error: {exc}") from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise MailTemplateError(f"template error: {type(exc).__name__}: {exc}") from exc


def _stream(template: Template, context: dict[str, Any]) -> str:
    """Collect the output chunk by chunk, stopping as soon as it is too large."""
    chunks: list[str] = []
    size = 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise limits.LimitExceeded("the template output is too large")
        chunks.append(chunk)
    return "".join(chunks)


def refusal(source: str, context: dict[str, Any], *, autoescape: bool = True) -> str | None:
    """Return why the sandbox refuses a template with this context, or None when it does not."""
    try:
        render_text(source, context, autoescape=autoescape)
    except TemplateRefused as exc:
        return str(exc)
    except MailTemplateError:
        return None  # other errors depend on the data; the preview shows them
    return None


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
