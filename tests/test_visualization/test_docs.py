import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_docs_name_existing_files():
    text = (REPO / 'docs/visualization.md').read_text()
    paths = set(re.findall(r'(?:configs|tools|msm_mm|demo)/[\w/.-]+\.py', text))
    assert len(paths) >= 8
    missing = [p for p in paths if not (REPO / p).exists()]
    assert not missing
