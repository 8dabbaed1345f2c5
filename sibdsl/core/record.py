"""Shared plumbing: `Record`, a light dataclass for the AST nodes.

Input: class bodies with annotated fields. Output: classes with a generated `__init__`
(positional fields, then keyword-only ones), field-wise `__eq__` (fields declared with
`compare=False`, such as spans, are ignored) and `__repr__`.

Why not `dataclasses`: `sibc check` must start fast, and the ~65 AST node classes cost ~0.5 ms each
to build with `dataclasses` (which generates and inspects far more than we use); a Record
class costs a few tens of microseconds. Type checkers see them as dataclasses through
PEP 681 (`dataclass_transform`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

_MISSING: Any = object()


class FieldSpec:
    __slots__ = ("compare", "default", "default_factory", "kw_only", "repr")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None, kw_only: bool,
                 compare: bool, repr: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.kw_only = kw_only
        self.compare = compare
        self.repr = repr


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
          kw_only: bool = False, compare: bool = True, repr: bool = True) -> Any:
    return FieldSpec(default, default_factory, kw_only, compare, repr)


@dataclass_transform(field_specifiers=(field,))
class Record:
    """Subclass and annotate fields; see the module docstring."""

    _specs: ClassVar[dict[str, FieldSpec]] = {}
    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs = dict(cls._specs)
        # inspect.get_annotations would import inspect (slow); on Python 3.14+ annotations are
        # lazy and reached through the attribute instead of the class dict.
        annotations = cls.__dict__.get("__annotations__")  # noqa: RUF063
        if annotations is None:
            annotations = getattr(cls, "__annotations__", {})
        for name, annotation in annotations.items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, _MISSING)
            spec = value if isinstance(value, FieldSpec) else FieldSpec(value, None, False, True, True)
            if isinstance(value, FieldSpec):
                if spec.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
            specs.pop(name, None)
            specs[name] = spec
        cls._specs = specs
        cls._fields = tuple(specs)
        cls._compared = tuple(n for n, s in specs.items() if s.compare)
        cls._shown = tuple(n for n, s in specs.items() if s.repr)
        cls.__init__ = _make_init(cls.__name__, specs)  # type: ignore[method-assign]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._compared)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n, '?')!r}" for n in self._shown)
        return f"{type(self).__name__}({shown})"


def _make_init(name: str, specs: dict[str, FieldSpec]) -> Callable[..., None]:
    positional = [n for n, s in specs.items() if not s.kw_only]
    keyword = [n for n, s in specs.items() if s.kw_only]
    env: dict[str, Any] = {"_MISSING": _MISSING}
    params: list[str] = []
    body: list[str] = []
    seen_default = False
    for n in positional + keyword:
        s = specs[n]
        if n == keyword[0] if keyword else False:
            params.append("*")
        if s.default_factory is not None:
            env[f"_f_{n}"] = s.default_factory
            params.append(f"{n}=_MISSING")
            body.append(f" self.{n} = _f_{n}() if {n} is _MISSING else {n}")
            seen_default = True
            continue
        if s.default is not _MISSING:
            env[f"_d_{n}"] = s.default
            params.append(f"{n}=_d_{n}")
            seen_default = True
        elif seen_default and not s.kw_only:
            raise TypeError(f"{name}: field {n!r} without a default follows a field with one")
        else:
            params.append(n)
        body.append(f" self.{n} = {n}")
    src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or " pass")
    exec(src, env)  # generated from the class's own field names, never from input
    init: Callable[..., None] = env["__init__"]
    init.__qualname__ = f"{name}.__init__"
    return init
