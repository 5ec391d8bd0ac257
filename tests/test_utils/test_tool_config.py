import argparse
import os.path as osp

import pytest

from msm_mm.utils import add_common_arguments, load_tool_config

ROOT = osp.join(osp.dirname(__file__), '..', '..')


def parse(argv):
    parser = argparse.ArgumentParser()
    add_common_arguments(parser)
    return parser.parse_args(argv)


def test_work_dir_and_options():
    config = osp.join(ROOT, 'configs/demo/msm_tiny_synthetic-nyud.py')
    cfg = load_tool_config(parse([config, '--cfg-options', 'train_cfg.max_iters=7']))
    assert cfg.work_dir == osp.join('./work_dirs', 'msm_tiny_synthetic-nyud')
    assert cfg.train_cfg.max_iters == 7 and cfg.launcher == 'none'
    cfg = load_tool_config(parse([config, '--work-dir', 'elsewhere']))
    assert cfg.work_dir == 'elsewhere'


def test_missing_config_names_the_file():
    with pytest.raises(SystemExit, match='config file not found: no/such.py'):
        load_tool_config(parse(['no/such.py']))


def test_analysis_tools_load_configs_with_the_same_checks():
    """``load_config`` (every tool besides train/test): options merged and
    checked, plus the keys the tool itself reads."""
    from mmengine.registry import DefaultScope

    from msm_mm.utils import load_config
    config = osp.join(ROOT, 'configs/demo/msm_tiny_synthetic-nyud.py')
    cfg = load_config(config, {'model.compile': True})
    assert cfg.model.compile is True
    assert DefaultScope.get_current_instance().scope_name == 'mmseg'
    with pytest.raises(SystemExit, match=r"crop_size: nothing reads 'crop_size'"):
        load_config(config, {'crop_size': [32, 32]})
    assert load_config(config, {'crop_size': [32, 32]}, also_read=['crop_size']).crop_size == \
        [32, 32]
    with pytest.raises(SystemExit, match='config file not found: no/such.py'):
        load_config('no/such.py')
