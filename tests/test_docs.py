"""The docs match the code: every repository path they name exists, and mutation.md's count is true."""
import ast
import re

from anchor.config import ROOT

TOP = ("anchor", "devstack", "scripts", "tests", "migrations")
# A path written in prose: `anchor/...`, or a short `package/module.py` meant under anchor/.
FULL = re.compile(r"(?<![\w/.~-])((?:%s)/[\w./*-]*)" % "|".join(TOP))
SHORT = re.compile(r"(?<![\w/.~-])([a-z_]+/[\w/]*\w\.py)\b")


def documents(root=ROOT):
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def named_paths(text):
    """Every repository path written in `text`, as (line number, path)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in FULL.finditer(line):
            found.append((number, match.group(1).rstrip(".")))
        for match in SHORT.finditer(line):
            if match.group(1).split("/")[0] not in TOP:
                found.append((number, match.group(1)))
    return found


def exists(path, root=ROOT):
    """A path, directory or glob (`anchor/web/*`) that is there, at the root or under anchor/."""
    for base in (root, root / "anchor"):
        if any(ch in path for ch in "*?["):
            if any(base.glob(path)):
                return True
        elif (base / path).exists():
            return True
    return False


def missing(root=ROOT):
    return [f"{doc.relative_to(root)}:{number}: {path}"
            for doc in documents(root) for number, path in named_paths(doc.read_text())
            if not exists(path, root)]


def test_every_path_the_docs_name_exists():
    assert missing() == []


def test_a_doc_naming_a_missing_file_is_caught(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "anchor" / "web").mkdir(parents=True)
    (tmp_path / "anchor" / "web" / "public.py").write_text("")
    (tmp_path / "README.md").write_text(
        "See `anchor/web/public.py`, `web/public.py` and the views in anchor/web/*.\n")
    (tmp_path / "docs" / "architecture.md").write_text(
        "The client is `anchor/spotify/client.py`; albums in `spotify/albums.py`.\n")
    assert missing(tmp_path) == ["docs/architecture.md:1: anchor/spotify/client.py",
                                 "docs/architecture.md:1: spotify/albums.py"]


def mutation_count_in_code():
    """len(MUTATIONS) in tests/mutations.py, counted from its syntax tree."""
    tree = ast.parse((ROOT / "tests" / "mutations.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "MUTATIONS" for t in node.targets):
            return len(node.value.elts)
    raise AssertionError("no MUTATIONS list in tests/mutations.py")


def test_mutation_md_states_the_number_of_targeted_mutations():
    stated = re.search(r"^(\d+) mutations over", (ROOT / "docs" / "mutation.md").read_text(), re.M)
    assert stated and int(stated.group(1)) == mutation_count_in_code()
