import logging
import os.path as osp
import re
from typing import List, Optional, Sequence

from mmengine.logging import print_log
from mmseg.models.backbones import SwinTransformer
from mmseg.registry import MODELS

from ...utils.key_report import titled_listing

SWIN_RELEASE = 'https://github.com/SwinTransformer/storage/releases/download/v1.0.0/'


def pretrained_key_report(name: str, checkpoint: str, loaded: int, missing: Sequence[str],
                          unexpected: Sequence[str]) -> str:
    """A multi-line summary of a pretrained load: counts and both key lists."""
    return '\n'.join([
        f'{name}: loaded {loaded} tensors from {checkpoint}',
        titled_listing('missing in the checkpoint', missing),
        titled_listing('in the checkpoint but not in the model', unexpected)
    ])


@MODELS.register_module()
class CheckedSwinTransformer(SwinTransformer):
    """mmseg's :class:`SwinTransformer` whose pretrained loading is checked.

    mmseg's ``init_weights`` loads ``init_cfg.checkpoint`` with
    ``load_state_dict(strict=False)`` and discards the result: a checkpoint
    with the wrong key names leaves the encoder randomly initialised without
    a word (the most common reproduction failure of MTMamba). This subclass
    builds the same modules (same parameter names, same checkpoints) and,
    when ``init_cfg`` names a checkpoint:

    - raises ``FileNotFoundError`` with the path and how to obtain the file
      when a local checkpoint does not exist;
    - logs, at WARNING level, how many tensors were loaded and the full lists
      of missing and unexpected keys;
    - raises ``RuntimeError`` with both lists when a key other than those matched
      by ``allowed_missing`` is missing (a checkpoint in the official naming,
      a checkpoint of another architecture). Unexpected keys (e.g. the
      classifier's final ``norm`` kept by other converters) are only listed.

    Checkpoints in the official Swin naming are converted by
    ``tools/model_converters/swin2mmseg.py`` (see ``docs/configs.md``).

    Args:
        allowed_missing (Sequence[str]): Regular expressions of keys that a
            pretrained classification checkpoint does not have. Defaults to
            the per-output LayerNorms ``norm0`` ... ``norm3``, which exist only
            in the dense-prediction backbone.
        **kwargs: Arguments of mmseg's :class:`SwinTransformer`.
    """

    def __init__(self, allowed_missing: Sequence[str] = (r'^norm\d+\.', ), **kwargs) -> None:
        super().__init__(**kwargs)
        self.allowed_missing = tuple(allowed_missing)
        self._last_load: Optional[tuple] = None

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """``nn.Module.load_state_dict``, keeping the result (the missing and
        unexpected keys) and the number of keys offered for the report."""
        result = super().load_state_dict(state_dict, strict=strict, assign=assign)
        self._last_load = (len(state_dict), list(result.missing_keys),
                           list(result.unexpected_keys))
        return result

    def init_weights(self) -> None:
        """Initialise from scratch, or load ``init_cfg.checkpoint`` and check
        and report the keys (see the class docstring)."""
        if self.init_cfg is None:
            super().init_weights()
            return
        checkpoint = self.init_cfg.get('checkpoint')
        if checkpoint is None:
            raise ValueError(f'{type(self).__name__}: init_cfg {self.init_cfg} has no '
                             "'checkpoint'; give one, or set model.backbone.init_cfg=None to "
                             'train from scratch')
        if '://' not in checkpoint and not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'{type(self).__name__}: pretrained checkpoint {checkpoint!r} '
                f'(model.backbone.init_cfg.checkpoint) not found. Download the official Swin '
                f'weights (e.g. {SWIN_RELEASE}swin_large_patch4_window12_384_22kto1k.pth), '
                f'convert them with `python tools/model_converters/swin2mmseg.py SRC '
                f'{checkpoint}` (docs/configs.md, "Pretrained weights"), or train from scratch '
                f'with `--cfg-options model.backbone.init_cfg=None`.')
        self._last_load = None
        super().init_weights()
        offered, missing, unexpected = self._last_load
        report = pretrained_key_report(
            type(self).__name__, checkpoint, offered - len(unexpected), missing, unexpected)
        print_log(report, logger='current', level=logging.WARNING)
        not_allowed = self._not_allowed_missing(missing)
        if not_allowed:
            raise RuntimeError(
                f'{len(not_allowed)} backbone weights are missing in {checkpoint}, e.g. '
                f'{not_allowed[:5]}. Is it in the official Swin naming (convert it with '
                f'tools/model_converters/swin2mmseg.py) or of another architecture?\n{report}')

    def _not_allowed_missing(self, missing: Sequence[str]) -> List[str]:
        """The missing keys that no ``allowed_missing`` pattern matches."""
        return [k for k in missing if not any(re.search(p, k) for p in self.allowed_missing)]
