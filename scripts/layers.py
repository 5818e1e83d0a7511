"""The shape of `anchor/`: import circles, imports that run back up the layers, long files.

    .venv/bin/python scripts/layers.py          # prints every finding; exits 1 when there is one

Every import counts, at module level or inside a function. A module may import its own layer or
any layer below it (the order is LAYERS, lowest first); an import circle between modules is a
finding whatever the layers say. `tests/test_layers.py` runs the same checks.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "anchor"
MAX_LINES = 300

# Lowest first. A module belongs to the first entry that is its name or a package above it.
LAYERS = (
    ("core", ("anchor.clock", "anchor.text", "anchor.rules", "anchor.errors", "anchor.aws",
              "anchor.extensions")),
    ("infrastructure", ("anchor.logs", "anchor.metrics", "anchor.models", "anchor.vault", "anchor.cdn")),
    ("limits", ("anchor.limits",)),
    ("outside services", ("anchor.sources", "anchor.ai", "anchor.photos_store")),
    ("settings", ("anchor.config",)),
    # What the stored visitor page is rendered from: reads of a profile item and pure rules over
    # its data. None of these writes a profile item; the one write path sits above the renderer.
    ("profile data", ("anchor.profiles.service", "anchor.profiles.changelog", "anchor.profiles.pagecopy",
                      "anchor.profiles.listening", "anchor.profiles.tokens")),
    ("pages", ("anchor.pages",)),
    ("profiles", ("anchor.profiles",)),
    ("refresh", ("anchor.refresh",)),
    ("web", ("anchor.web",)),
    ("app", ("anchor", "anchor.migrate", "anchor.cli")),
)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """{dotted name: path} for every module under `package` (a package by its own name)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _known(name: str, known: dict) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(name: str, path: Path, known: dict) -> set[str]:
    """The modules of `known` that module `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:   # `from pkg import module` imports the module, not pkg's body
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            resolved = _known(target, known)
            if resolved and resolved != name:
                found.add(resolved)
    return found


def graph(known: dict | None = None) -> dict[str, set[str]]:
    known = known or modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def layer_of(name: str) -> int | None:
    best = None
    for position, (_label, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (position, len(prefix))
    return None if best is None else best[0]


def upward(edges: dict[str, set[str]]) -> list[str]:
    """`a -> b` for every import of a module in a higher layer than the importer's."""
    found = []
    for name in sorted(edges):
        mine = layer_of(name)
        for target in sorted(edges[name]):
            theirs = layer_of(target)
            if mine is None or theirs is None:
                found.append(f"{name} -> {target}: not in any layer (add it to LAYERS)")
            elif theirs > mine:
                found.append(f"{name} ({LAYERS[mine][0]}) -> {target} ({LAYERS[theirs][0]})")
    return found


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def long_files(known: dict | None = None) -> list[str]:
    known = known or modules()
    return [f"{_shown(path)}: {lines} lines" for path in known.values()
            if (lines := len(path.read_text().splitlines())) > MAX_LINES]


def module_wiring(known: dict | None = None) -> list[str]:
    """Assignments to another module's attribute (`service.page_renderer = ...`) in anchor/."""
    known = known or modules()
    found = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                imported.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                            and target.value.id in imported):
                        owner = target.value.id
                        if f"{name.rpartition('.')[0]}.{owner}" in known or any(
                                key.endswith("." + owner) for key in known):
                            found.append(f"{_shown(path)}:{node.lineno} sets {owner}.{target.attr}")
    return found


def findings() -> list[str]:
    known = modules()
    edges = graph(known)
    return ([f"circle: {' <-> '.join(group)}" for group in circles(edges)]
            + [f"upward: {line}" for line in upward(edges)]
            + [f"long: {line}" for line in long_files(known)]
            + [f"wiring: {line}" for line in module_wiring(known)])


def main() -> int:
    lines = findings()
    for line in lines:
        print(line)
    print(f"{len(lines)} finding(s) in {len(modules())} modules")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
