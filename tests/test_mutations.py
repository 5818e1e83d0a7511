"""Each mutation in tests/mutations.py, applied to a copy of `anchor/`, fails its named tests.

The copies run in pytest subprocesses, WORKERS at a time; `anchor.config.ROOT` follows the package,
so each copy gets the templates, static files, migrations and the DynamoDB Local cache beside it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import SHARED_DYNAMODB
from tests.mutations import MUTATIONS, Mutation

REPO = Path(__file__).resolve().parent.parent
COPIED = ("anchor", "tests")
LINKED = ("templates", "static", "migrations", "devstack", ".cache", "wsgi.py", "pytest.ini")
# Two mutants at a time in a plain run; one in a pytest-xdist worker, whose sibling already keeps
# the second core busy (two subprocesses beside it would put three busy processes on two cores).
WORKERS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2
TIMEOUT = 120                # one mutation's few killing tests
CONTROL_TIMEOUT = 360        # the control runs every killing test at once
# Every killing test on an unmutated copy: they must pass there, or a "kill" proves nothing.
CONTROL = Mutation("no mutation (control)", "anchor/__init__.py", "", "",
                   tuple(sorted({test for m in MUTATIONS for test in m.tests})))


def _source(mutation):
    return (REPO / mutation.file).read_text()


def _mutated_tree(mutation, root):
    """A copy of the repository's code under `root` with `mutation` applied."""
    for name in COPIED:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in LINKED:
        if (REPO / name).exists():
            os.symlink(REPO / name, root / name)
    target = root / mutation.file
    text = target.read_text()
    mutated = text.replace(mutation.original, mutation.mutated, 1) if mutation.original else text
    compile(mutated, str(target), "exec")          # a mutation is a bug, never a syntax error
    target.write_text(mutated)


def _run(mutation, endpoint):
    """Run the killing tests against the mutated copy: (returncode, tail of the output)."""
    with tempfile.TemporaryDirectory(prefix="anchor-mutant-") as tmp:
        root = Path(tmp)
        _mutated_tree(mutation, root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env["PYTHONPATH"] = str(root)
        env[SHARED_DYNAMODB] = endpoint              # tables get their own prefix per test
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                   "--no-header", *mutation.tests]
        limit = CONTROL_TIMEOUT if mutation is CONTROL else TIMEOUT
        try:
            done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                                  timeout=limit)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {limit} s"
    return done.returncode, (done.stdout + done.stderr)[-3000:]


@pytest.fixture(scope="module")
def outcomes(request, dynamodb_local):
    """Run every selected mutation once, WORKERS at a time, keyed by name."""
    selected = {item.callspec.params["mutation"].name for item in request.session.items
                if getattr(item, "originalname", None) == "test_mutation_is_killed"}
    chosen = [CONTROL] + [m for m in MUTATIONS if m.name in selected]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        runs = pool.map(lambda m: _run(m, dynamodb_local.endpoint), chosen)
        return dict(zip((m.name for m in chosen), runs))


def test_killing_tests_pass_without_a_mutation(outcomes):
    returncode, output = outcomes[CONTROL.name]
    assert returncode == 0, f"the killing tests fail on an unmutated copy (exit {returncode}):\n{output}"


def test_mutation_names_are_unique():
    assert len({m.name for m in MUTATIONS}) == len(MUTATIONS) >= 10


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_snippet_occurs_exactly_once(mutation):
    assert _source(mutation).count(mutation.original) == 1, (
        f"{mutation.file} no longer holds the snippet for {mutation.name!r} exactly once: "
        "update tests/mutations.py with the code")
    assert mutation.tests and mutation.original != mutation.mutated


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_mutation_is_killed(mutation, outcomes):
    returncode, output = outcomes[mutation.name]
    # 1 = tests failed; 0 = the mutant survived; anything else (no such test, crash) is no kill.
    assert returncode == 1, f"{mutation.name!r} was not killed (exit {returncode}):\n{output}"
