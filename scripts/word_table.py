"""Write anchor/ai/word-frequencies.tsv.gz again from the installed wordfreq (after upgrading it).

The copy checks read that table instead of wordfreq's whole English list; tests/test_ai_validate.py
fails when the two disagree. Run `.venv/bin/python scripts/word_table.py` and commit the file.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anchor.ai import lexicon  # noqa: E402

if __name__ == "__main__":
    count = lexicon.write_frequency_table()
    print(f"{count} words written to {lexicon.FREQUENCIES}")
