"""The shape of anchor/: no import circle, no import back up the layers, no file over 300 lines,
no module wiring another's attribute (scripts/layers.py, which anyone can run)."""
import importlib.util

from anchor.config import ROOT

_spec = importlib.util.spec_from_file_location("layers", ROOT / "scripts" / "layers.py")
layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(layers)


def test_anchor_has_no_circle_no_upward_import_no_long_file_and_no_wiring():
    assert layers.findings() == []


def test_every_module_is_in_a_layer():
    assert [name for name in layers.modules() if layers.layer_of(name) is None] == []


def _package(tmp_path, files):
    root = tmp_path / "anchor"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return layers.modules(root)


def test_the_checks_see_a_circle_an_upward_import_and_wiring(tmp_path):
    known = _package(tmp_path, {
        "__init__.py": "",
        "logs.py": "def f():\n    from anchor import metrics\n",           # inside a function still counts
        "metrics.py": "from anchor.logs import f\n",
        "sources/__init__.py": "",
        "sources/base.py": "from anchor.web import views\n",                 # a lower layer imports web
        "web/__init__.py": "",
        "web/views.py": "from anchor import logs\nlogs.hook = print\n",
    })
    edges = layers.graph(known)
    assert layers.circles(edges) == [["anchor.logs", "anchor.metrics"]]
    assert layers.upward(edges) == ["anchor.sources.base (outside services) -> anchor.web.views (web)"]
    assert [line.split(" sets ")[1] for line in layers.module_wiring(known)] == ["logs.hook"]


def test_importing_a_submodule_from_a_package_is_not_an_import_of_the_package(tmp_path):
    known = _package(tmp_path, {
        "__init__.py": "", "ai/__init__.py": "from .validate import check\n",
        "ai/validate.py": "from anchor.ai import lexicon\ndef check():\n    pass\n", "ai/lexicon.py": "",
    })
    edges = layers.graph(known)
    assert edges["anchor.ai.validate"] == {"anchor.ai.lexicon"} and layers.circles(edges) == []


def test_a_long_file_is_found(tmp_path):
    known = _package(tmp_path, {"__init__.py": "", "big.py": "x = 1\n" * 301})
    assert [line.split(":")[0].endswith("big.py") for line in layers.long_files(known)] == [True]
