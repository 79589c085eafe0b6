"""``nesting_depth`` counts containers of every kind, subclasses of dict and list too (its quick test of a
value's class only skips texts, numbers, booleans and None)."""

from __future__ import annotations

from collections import OrderedDict, defaultdict

from chat_grpc.workspace.read import nesting_depth


class _Text(str):
    pass


class _Items(list[object]):
    pass


def test_subclasses_of_dict_and_list_count_as_levels_and_others_do_not() -> None:
    nested = OrderedDict(a=_Items([defaultdict(list, b=[1])]))
    assert nesting_depth(nested) == 4  # OrderedDict, _Items, defaultdict, list (which holds no container)
    assert nesting_depth({"a": [nested]}) == 6
    assert nesting_depth({"a": _Text("x"), "b": (1, [2]), "c": 1.5, "d": None, "e": True}) == 1  # a tuple: a value
    assert nesting_depth([]) == 1 and nesting_depth("x") == 0
