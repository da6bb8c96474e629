"""No import cycle anywhere in rcrp_tui: not between modules, not between feature folders.

The graph is grimp's (the one import-linter checks), which counts every import, including
those inside functions and under ``TYPE_CHECKING``: a function-local import cannot hide a
cycle from it. The layer contracts themselves are in pyproject.toml (``lint-imports``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set

import grimp

FEATURE_PARENTS = ("rcrp_tui.services", "rcrp_tui.ui")


def cycles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _graph(group: Callable[[str], str]) -> dict[str, set[str]]:
    imports = grimp.build_graph("rcrp_tui", cache_dir=None)
    out: dict[str, set[str]] = {}
    for module in imports.modules:
        source = group(module)
        out.setdefault(source, set())
        for target in imports.find_modules_directly_imported_by(module):
            if group(target) != source:
                out[source].add(group(target))
    return out


def _feature(module: str) -> str:
    """rcrp_tui.services.reviews.saving -> rcrp_tui.services.reviews (its feature folder)."""
    for parent in FEATURE_PARENTS:
        if module.startswith(parent + "."):
            rest = module[len(parent) + 1 :].split(".")
            return f"{parent}.{rest[0]}"
    return module


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert cycles(_graph(lambda module: module)) == []


def test_no_two_feature_folders_import_each_other() -> None:
    graph = _graph(_feature)
    assert {"rcrp_tui.services.reviews", "rcrp_tui.ui.reviews"} <= set(graph)
    assert cycles(graph) == []
