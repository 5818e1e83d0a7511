"""Pin every package the requirements pull in: `python scripts/lock.py` writes constraints.txt.

requirements*.txt name what the product uses directly; constraints.txt pins the whole tree
(dependencies of dependencies) at the versions installed in .venv, so a fresh install gets the
same packages as the machine that tested them. `scripts/bootstrap.sh` installs with it. Run this
after changing a requirement (and installing it), then commit both files.
"""
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
TOP = ROOT / "requirements-dev.txt"
CONSTRAINTS = ROOT / "constraints.txt"
HEADER = ("# Every package requirements-dev.txt pulls in, pinned (written by scripts/lock.py from the\n"
          "# tested .venv; scripts/bootstrap.sh installs with `-c constraints.txt`). Do not edit by hand.\n")


def read_requirements(path):
    """The requirements of a requirements file, following `-r` includes."""
    found = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            found += read_requirements(Path(path).parent / line[2:].strip())
        elif line.startswith("-c"):
            continue
        else:
            found.append(Requirement(line))
    return found


def _applies(requirement, extras):
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate(default_environment() | {"extra": extra})
               for extra in (extras or {""}))


def closure(roots):
    """{canonical name: installed version} for the roots and everything they require here."""
    pinned, todo = {}, [(root, set(root.extras)) for root in roots]
    seen = set()
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(extras))
        if key in seen:
            continue
        seen.add(key)
        dist = metadata.distribution(requirement.name)
        pinned[name] = dist.version
        for text in dist.requires or []:
            child = Requirement(text)
            if _applies(child, extras):
                todo.append((child, set(child.extras)))
    return pinned


def read_constraints(path=CONSTRAINTS):
    """{canonical name: version} from constraints.txt."""
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def main():
    pins = closure(read_requirements(TOP))
    CONSTRAINTS.write_text(HEADER + "".join(f"{name}=={pins[name]}\n" for name in sorted(pins)))
    print(f"constraints.txt: {len(pins)} packages pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
