"""Training with a data root that does not exist fails at once, naming it."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_missing_data_root_names_the_path(tmp_path):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', 'msm_tiny_synthetic-nyud.py'))
    missing = str(tmp_path / 'no_such_dataset')
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': missing,
                         'val_dataloader.dataset.data_root': missing})
    cfg.work_dir = str(tmp_path / 'work')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FileNotFoundError, match=f'{missing}/gt_sets/train.txt not found'):
        runner.train()
