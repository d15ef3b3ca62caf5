"""The bulk import's cycle check: the genealogy, the file's uses with the stored ones, must stay a DAG."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from atmp.trace.services.import_stored import stored_edges

if TYPE_CHECKING:
    from atmp.trace.services.import_check import Checker


def check_cycles(checker: Checker) -> None:
    """Refuse each use of the file that closes a cycle through the file's uses and the stored ones."""
    if not checker.edges:
        return
    graph: dict[str, list[str]] = defaultdict(list)
    for _line, source, made in checker.edges:
        graph[source].append(made)
    stored = {pk: number for number, (pk, _q, _u) in checker.stored_lots.items()}
    if stored:
        # Stored edges matter only where the file's uses touch stored lots: load the stored
        # genealogy reachable forward from those (one recursive query per chunk).
        for source, made in stored_edges(list(stored)):
            graph[source].append(made)
    cyclic = _in_or_after_cycles(graph)
    for line, source, made in checker.edges:
        if source not in cyclic or made not in cyclic:
            continue
        path = _path(graph, made, source)
        if path is not None:
            cycle = " → ".join([source, *path])
            checker.refuse(line, "output", f"using {source} in {made} makes a cycle in the genealogy: {cycle}")


def _in_or_after_cycles(graph: dict[str, list[str]]) -> set[str]:
    """Return the lots that Kahn's topological sort cannot order: those on a cycle or after one (linear time)."""
    indegree: dict[str, int] = defaultdict(int)
    for source, outputs in graph.items():
        indegree.setdefault(source, 0)
        for made in outputs:
            indegree[made] += 1
    ready = [lot for lot, n in indegree.items() if n == 0]
    while ready:
        lot = ready.pop()
        del indegree[lot]
        for made in graph.get(lot, ()):
            indegree[made] -= 1
            if indegree[made] == 0:
                ready.append(made)
    return set(indegree)


def _path(graph: dict[str, list[str]], start: str, goal: str) -> list[str] | None:
    """Return the lots from start to goal along the graph's edges (start first), or None."""
    parent: dict[str, str | None] = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            path = [node]
            while (previous := parent[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in parent:
                parent[nxt] = node
                stack.append(nxt)
    return None
