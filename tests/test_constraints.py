"""constraints.txt pins the whole dependency tree, and agrees with the requirements files."""
import importlib.util
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lock", ROOT / "scripts" / "lock.py")
lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lock)


def test_every_package_the_requirements_pull_in_is_pinned():
    pins = lock.read_constraints()
    tree = lock.closure(lock.read_requirements(lock.TOP))
    missing = sorted(set(tree) - set(pins))
    assert not missing, f"not in constraints.txt (run scripts/lock.py): {missing}"
    differ = {name: (pins[name], version) for name, version in tree.items() if pins[name] != version}
    assert not differ, f"constraints.txt disagrees with what is installed: {differ}"


def test_top_level_pins_match_the_constraints():
    pins = lock.read_constraints()
    for requirement in lock.read_requirements(lock.TOP):
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{requirement} is not pinned"
        assert pins[canonicalize_name(requirement.name)] == spec.version, requirement


def test_both_installs_use_the_constraints():
    script = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "-r requirements-dev.txt -c constraints.txt" in script
    # Elastic Beanstalk runs `pip install -r requirements.txt`: the file points at the constraints.
    assert "-c constraints.txt" in (ROOT / "requirements.txt").read_text().splitlines()
