"""The analysis tools' tests import the tools (``tools/analysis_tools`` is not a
package)."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools' / 'analysis_tools'))
