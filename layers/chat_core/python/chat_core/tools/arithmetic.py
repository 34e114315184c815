"""Safe arithmetic for the calculator tool: Python's parser, never ``eval``.

Only numbers, + - * / // % **, unary signs, parentheses and a few functions are
allowed; exponents and results are bounded so no expression can take the worker's
time or memory.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

MAX_EXPRESSION_CHARS = 500
_MAX_NODES = 200
_MAX_EXPONENT = 1000
_MAX_MAGNITUDE = 1e300

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": round,
    "floor": math.floor,
    "ceil": math.ceil,
    "log": math.log,
    "exp": math.exp,
    "min": min,
    "max": max,
}
_CONSTANTS = {"pi": math.pi, "e": math.e}


class NotArithmetic(ValueError):
    """The expression is not one this calculator evaluates; the message says why."""


def evaluate(expression: str) -> float | int:
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise NotArithmetic(f"the expression is longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise NotArithmetic("the expression is not valid arithmetic") from exc
    if sum(1 for _ in ast.walk(tree)) > _MAX_NODES:
        raise NotArithmetic("the expression is too long")
    try:
        return _bounded(_value(tree.body))
    except (ZeroDivisionError, OverflowError, ValueError, TypeError) as exc:
        if isinstance(exc, NotArithmetic):
            raise
        raise NotArithmetic(f"it cannot be computed: {exc}") from exc


def _value(node: ast.expr) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise NotArithmetic("True and False are not numbers here")
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _value(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise NotArithmetic(f"exponents are limited to {_MAX_EXPONENT}")
        return _bounded(_BINARY[type(node.op)](left, right))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
    ):
        return _bounded(_FUNCTIONS[node.func.id](*(_value(arg) for arg in node.args)))
    raise NotArithmetic(f"{ast.unparse(node)!r} is not arithmetic this calculator knows")


def _bounded(value: float | int) -> float | int:
    if isinstance(value, complex) or abs(value) > _MAX_MAGNITUDE:
        raise NotArithmetic("the result is out of range")
    return value
