"""The import graph of the package has no cycles (the layer contracts are checked by
``lint-imports`` in ``make test``; see setup.cfg and docs/architecture.md)."""

from __future__ import annotations

import grimp


def test_no_module_of_dqaudit_imports_itself_round_a_cycle() -> None:
    graph = grimp.build_graph("dqaudit", cache_dir=None)
    modules = sorted(graph.modules)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(imported) == 1:
                return [*path[path.index(imported) :], imported]
            if imported not in state:
                cycle = visit(imported)
                if cycle:
                    return cycle
        path.pop()
        state[module] = 2
        return None

    for module in modules:
        if module not in state:
            cycle = visit(module)
            assert cycle is None, " -> ".join(cycle)
