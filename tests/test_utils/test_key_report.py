"""The lists in error messages and the state-dict comparison they report."""
import torch

from msm_mm.utils.key_report import (inline_listing, mis_shaped_keys, state_dict_report,
                                     titled_listing)


def test_listings_cut_after_the_limit():
    names = [f'n{i}' for i in range(13)]
    assert inline_listing(names[:3]) == 'n0, n1, n2'
    assert inline_listing(names, limit=2) == 'n0, n1 and 11 more'
    assert titled_listing('gone', names, limit=2) == \
        '  gone (13):\n    n0\n    n1\n    ... and 11 more'


def test_state_dict_report_names_each_kind_of_difference():
    own = {'a': torch.zeros(2), 'b': torch.zeros(3, 1)}
    state = {'b': torch.zeros(3), 'c': torch.zeros(1)}
    assert mis_shaped_keys(own, state) == ['b: checkpoint (3,), model (3, 1)']
    report = state_dict_report(['a'], ['c'], mis_shaped_keys(own, state))
    assert report.split('\n') == [
        '  missing in the checkpoint (1):', '    a',
        '  in the checkpoint but not in the model (1):', '    c',
        '  of another shape (1):', '    b: checkpoint (3,), model (3, 1)'
    ]
    assert state_dict_report([], [], []) == ''
