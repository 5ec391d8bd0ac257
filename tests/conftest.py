import pytest
import torch
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmseg_default_scope():
    """Every test starts in the ``mmseg`` scope that the configs set: a
    Runner built by an earlier test leaves its own scope current, and
    registries then build from mmengine's instead of mmseg's."""
    init_default_scope('mmseg')


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``cuda`` where no CUDA GPU is present."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA GPU')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


class SyntheticDataset:
    """A generated dataset: its folder and the labels the loaders must decode.

    Args:
        root (str): The dataset folder.
        labels (dict): sample id -> task -> decoded label (and ``split``), as
            returned by :mod:`msm_mm.testing`.
    """

    def __init__(self, root: str, labels: dict) -> None:
        self.root = root
        self.labels = labels


@pytest.fixture(scope='session')
def nyud_synthetic(tmp_path_factory) -> SyntheticDataset:
    """A tiny NYUD-v2 dataset in the real format: 3 train / 2 val, 48x64."""
    from msm_mm.testing import generate_nyud
    root = str(tmp_path_factory.mktemp('data') / 'NYUDv2')
    return SyntheticDataset(root, generate_nyud(root, 3, 2, size=(48, 64), return_labels=True))


@pytest.fixture(scope='session')
def nyud_root(nyud_synthetic) -> str:
    """Folder of the tiny NYUD-v2 dataset of :func:`nyud_synthetic`."""
    return nyud_synthetic.root


@pytest.fixture(scope='session')
def pascal_synthetic(tmp_path_factory) -> SyntheticDataset:
    """A tiny PASCAL-Context dataset in the real format: 3 train / 3 val,
    long side 64."""
    from msm_mm.testing import generate_pascal_context
    root = str(tmp_path_factory.mktemp('data') / 'PASCALContext')
    return SyntheticDataset(
        root, generate_pascal_context(root, 3, 3, max_side=64, return_labels=True))


@pytest.fixture(scope='session')
def pascal_root(pascal_synthetic) -> str:
    """Folder of the tiny PASCAL-Context dataset of :func:`pascal_synthetic`."""
    return pascal_synthetic.root
