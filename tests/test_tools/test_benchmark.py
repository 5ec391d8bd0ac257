"""tools/analysis_tools/benchmark.py on the CPU with the demo config."""
import json
import os
import os.path as osp
import subprocess
import sys
from datetime import date

ROOT = osp.join(osp.dirname(__file__), '..', '..')
SCRIPT = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark.py')
CONFIG = osp.join(ROOT, 'configs', 'demo', 'msm_tiny_synthetic-nyud.py')


def test_benchmark_times_training_and_inference_and_writes_the_record(tmp_path):
    out = tmp_path / 'bench.json'
    result = subprocess.run(
        [sys.executable, SCRIPT, CONFIG, '--device', 'cpu', '--batch-size', '1', '2', '--iters',
         '2', '--warmup', '1', '--modes', 'train', 'inference', '--precisions', 'fp32', '--out',
         str(out)], capture_output=True, text=True,
        # LOCAL_RANK alone (set by other tools' tests) is no distributed run; no GPU
        # restriction to prefix the command with
        env={**{k: v for k, v in os.environ.items() if k != 'CUDA_VISIBLE_DEVICES'},
             'OMP_NUM_THREADS': '1', 'LOCAL_RANK': '0'})
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report['device'] == 'cpu' and report['crop_size'] == [48, 64]
    runs = [(r['mode'], r['batch_size']) for r in report['results']]
    assert runs == [('train', 1), ('train', 2), ('inference', 1), ('inference', 2)]
    for record in report['results']:
        assert record['ms_per_iter'] > 0 and record['iters'] == 2
        expected = record['batch_size'] / record['ms_per_iter'] * 1e3
        assert abs(record['images_per_s'] - expected) <= 0.01 * expected + 0.01
        assert record['first_iter_s'] >= 0
    assert report['world_size'] == 1 and report['cpus'] >= 1
    # the optimizer the training steps ran: the config's, fused AdamW
    assert report['optimizer'] == dict(type='AdamW', lr=1e-3, weight_decay=1e-5, fused=True)
    assert date.fromisoformat(report['date'])  # the UTC day of the run
    # the command repeats the run: interpreter, script, arguments
    assert report['command'].split()[:3] == [osp.basename(sys.executable), SCRIPT, CONFIG]
    assert report['command'].endswith(f'--out {out}')
    # every record is also printed as it is measured
    printed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{')]
    assert printed == report['results']


def test_benchmark_refuses_a_config_without_crop_size(tmp_path):
    config = tmp_path / 'no_crop.py'
    config.write_text(f"_base_ = ['{osp.abspath(CONFIG)}']\ncrop_size = None\n")
    result = subprocess.run([sys.executable, SCRIPT, str(config), '--device', 'cpu'],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert 'defines no crop_size to benchmark at' in result.stderr


def test_record_of_a_distributed_run_names_its_launcher(monkeypatch):
    import torch
    from benchmark_record import run_header

    monkeypatch.setattr(sys, 'argv', ['tools/analysis_tools/benchmark.py', 'CONFIG'])
    monkeypatch.delenv('CUDA_VISIBLE_DEVICES', raising=False)
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '2')
    header = run_header(torch.device('cpu'))
    assert header['command'] == (f'{osp.basename(sys.executable)} -m torch.distributed.run '
                                 '--nproc_per_node=2 tools/analysis_tools/benchmark.py CONFIG')
    assert header['device'] == 'cpu' and header['torch'] == torch.__version__
    assert header['cpus'] >= 1
    monkeypatch.setenv('WORLD_SIZE', '1')
    command = run_header(torch.device('cpu'))['command']
    assert command.split()[1] == 'tools/analysis_tools/benchmark.py'


def test_record_names_the_gpus_a_run_was_restricted_to(monkeypatch):
    import torch
    from benchmark_record import run_header

    monkeypatch.setattr(sys, 'argv', ['tools/analysis_tools/benchmark.py', 'CONFIG'])
    monkeypatch.delenv('WORLD_SIZE', raising=False)
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '1')
    command = run_header(torch.device('cpu'))['command']
    assert command == (f'CUDA_VISIBLE_DEVICES=1 {osp.basename(sys.executable)} '
                       'tools/analysis_tools/benchmark.py CONFIG')
