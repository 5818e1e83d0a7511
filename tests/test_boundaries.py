"""Module boundaries: the product never imports the local stand-ins, and the bundle leaves them out."""
import ast
import fnmatch
from pathlib import Path

from anchor.config import ROOT

PRODUCT = ROOT / "anchor"


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_product_module_imports_the_stand_ins():
    offenders = sorted(f"{path.relative_to(ROOT)} imports {name}"
                       for path in PRODUCT.rglob("*.py") for name in _imports(path)
                       if name == "devstack" or name.startswith("devstack."))
    assert offenders == []


def test_the_boundary_check_sees_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom devstack.spotify_sandbox import SpotifySandbox\n"
                     "def f():\n    import devstack.bedrock\n")
    assert list(_imports(probe)) == ["os", "devstack.spotify_sandbox", "devstack.bedrock"]


def _ignored(relative, patterns):
    parts = Path(relative).parts
    for pattern in patterns:
        directory = pattern.endswith("/")
        pattern = pattern.rstrip("/")
        for depth in range(1, len(parts) + 1):
            if fnmatch.fnmatch("/".join(parts[:depth]), pattern) or fnmatch.fnmatch(parts[depth - 1], pattern):
                if not directory or depth < len(parts):
                    return True
    return False


def test_deploy_bundle_leaves_stand_ins_and_tests_out():
    patterns = [line.strip() for line in (ROOT / ".ebignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for path in ("devstack/spotify_sandbox.py", "devstack/bedrock.py", "tests/conftest.py",
                 "bench/run.py", ".venv/bin/python", ".data/vault.key", "mutants/anchor/__init__.py"):
        assert _ignored(path, patterns), path
    for path in ("anchor/__init__.py", "wsgi.py", "Procfile", "requirements.txt",
                 ".ebextensions/01-environment.config", "templates/base.html", "migrations/0001_profiles_table.py"):
        assert not _ignored(path, patterns), path
