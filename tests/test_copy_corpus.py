"""The validator measured on a corpus of hand-written answers (tests/data/copy_corpus/).

Each profile file holds good answers, which must be accepted, and bad answers with one labelled
defect each, which must be refused. Thresholds: good accepted >= 97 %, bad caught >= 97 %
overall and >= 80 % for every label. Set COPY_CORPUS_DIR to measure another corpus of the same
format.
"""
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from anchor.ai.validate import validate_copy

CORPUS = Path(os.environ.get("COPY_CORPUS_DIR") or Path(__file__).parent / "data" / "copy_corpus")
GOOD_MIN, BAD_MIN, LABEL_MIN = 0.97, 0.97, 0.80
LABELS = ("invented artist", "invented album", "invented person", "cliché", "flattery",
          "exclamation", "URL", "markup", "emoji", "too long", "too short",
          "missing album line", "repeated sentence")


def load_corpus(folder: Path = CORPUS) -> list[tuple[str, dict]]:
    return [(p.stem, json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*.json"))]


def measure(corpus) -> dict:
    """Run every answer through validate_copy; return counts and the misses."""
    good = good_ok = 0
    caught, total = Counter(), Counter()
    false_rejects, misses = [], []
    for name, entry in corpus:
        data = entry["profile"]
        for i, answer in enumerate(entry["good"]):
            reasons = validate_copy(data, answer["bio"], answer["albumLines"])
            good += 1
            good_ok += not reasons
            if reasons:
                false_rejects.append((name, i, reasons))
        for i, answer in enumerate(entry["bad"]):
            reasons = validate_copy(data, answer["bio"], answer["albumLines"])
            total[answer["label"]] += 1
            caught[answer["label"]] += bool(reasons)
            if not reasons:
                misses.append((name, i, answer["label"], answer.get("note", "")))
    return {"good": good, "good_ok": good_ok, "caught": caught, "total": total,
            "false_rejects": false_rejects, "misses": misses}


def report(m: dict) -> str:
    rows = [f"{'label':<20} {'caught':>7} {'of':>4} {'%':>6}"]
    for label in sorted(m["total"]):
        c, t = m["caught"][label], m["total"][label]
        rows.append(f"{label:<20} {c:>7} {t:>4} {100 * c / t:>6.1f}")
    c, t = sum(m["caught"].values()), sum(m["total"].values())
    rows.append(f"{'all bad answers':<20} {c:>7} {t:>4} {100 * c / max(t, 1):>6.1f}")
    rows.append(f"{'good accepted':<20} {m['good_ok']:>7} {m['good']:>4} "
                f"{100 * m['good_ok'] / max(m['good'], 1):>6.1f}")
    rows += [f"  rejected good {n}#{i}: {r}" for n, i, r in m["false_rejects"]]
    rows += [f"  missed bad {n}#{i} [{label}]: {note}" for n, i, label, note in m["misses"]]
    return "\n".join(rows)


@pytest.fixture(scope="module")
def measured():
    corpus = load_corpus()
    if not corpus:
        pytest.fail(f"no corpus files in {CORPUS}")
    m = measure(corpus)
    print("\n" + report(m))
    return m


def test_corpus_is_well_formed():
    for name, entry in load_corpus():
        albums = {a["id"] for a in entry["profile"]["albums"]}
        assert len(entry["good"]) >= 6, name
        assert len(entry["bad"]) >= 4, name
        for answer in entry["good"]:
            assert set(answer["albumLines"]) == albums, name
        for answer in entry["bad"]:
            assert answer["label"] in LABELS and answer.get("note"), (name, answer)
    if CORPUS == Path(__file__).parent / "data" / "copy_corpus":
        counts = Counter(a["label"] for _, e in load_corpus() for a in e["bad"])
        assert len(load_corpus()) >= 12
        assert all(counts[label] >= 6 for label in LABELS), counts


def test_good_answers_are_accepted(measured):
    assert measured["good_ok"] / measured["good"] >= GOOD_MIN, report(measured)


def test_bad_answers_are_caught(measured):
    caught, total = sum(measured["caught"].values()), sum(measured["total"].values())
    assert caught / total >= BAD_MIN, report(measured)
    for label, t in measured["total"].items():
        assert measured["caught"][label] / t >= LABEL_MIN, (label, report(measured))


if __name__ == "__main__":  # python -m tests.test_copy_corpus [folder]
    import sys
    print(report(measure(load_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS))))
