import pytest

from msm_mm.datasets import NYUDv2Dataset, PascalContextMultiTaskDataset
from msm_mm.structures import TASKS, MapKind, get_task


def test_class_map_tasks_name_their_metainfo_keys():
    labels = [spec for spec in TASKS.values() if spec.kind is MapKind.LABELS]
    assert labels
    assert all(spec.class_names_key and spec.palette_key for spec in labels)


@pytest.mark.parametrize('dataset', [NYUDv2Dataset, PascalContextMultiTaskDataset])
def test_datasets_give_names_and_palette_of_each_class_map_task(dataset):
    """The metric reads the class names and the colour maps the palette of
    every class-map task under the keys of its TaskSpec."""
    tasks = [t for t in dataset.AVAILABLE_TASKS if get_task(t).kind is MapKind.LABELS]
    assert tasks
    for task in tasks:
        spec = get_task(task)
        names = dataset.METAINFO[spec.class_names_key]
        palette = dataset.METAINFO[spec.palette_key]
        assert len(names) == len(palette) and all(len(rgb) == 3 for rgb in palette)
