import pytest
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True, scope='package')
def mmseg_scope():
    """Pipelines are built by mmengine's Compose from mmseg's registry."""
    init_default_scope('mmseg')
