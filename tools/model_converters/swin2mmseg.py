"""Convert an official Swin Transformer checkpoint to mmseg's key names.

The official release (https://github.com/microsoft/Swin-Transformer, files under
https://github.com/SwinTransformer/storage/releases/download/v1.0.0/) stores
``{'model': state_dict}`` with the names of its own ``SwinTransformer``; the
encoder of this project is mmseg's ``SwinTransformer``. Usage::

    python tools/model_converters/swin2mmseg.py \
        swin_large_patch4_window12_384_22kto1k.pth \
        pretrain/swin_large_patch4_window12_384_22kto1k.pth

Renamed (``i`` = stage, ``j`` = block)::

    patch_embed.proj.*                  -> patch_embed.projection.*
    layers.i.blocks.j.attn.*            -> stages.i.blocks.j.attn.w_msa.*
    layers.i.blocks.j.mlp.fc1.*         -> stages.i.blocks.j.ffn.layers.0.0.*
    layers.i.blocks.j.mlp.fc2.*         -> stages.i.blocks.j.ffn.layers.1.*
    layers.i.blocks.j.norm1/norm2.*     -> stages.i.blocks.j.norm1/norm2.*
    layers.i.downsample.reduction/norm  -> stages.i.downsample.reduction/norm (reordered)
    patch_embed.norm.*, absolute_pos_embed   unchanged

Patch merging concatenates the four pixels of each 2x2 patch in the order
(0,0), (1,0), (0,1), (1,1), one block of C channels each; mmseg gathers them
with ``nn.Unfold``, channel-major with the pixels in row-major order
(``c * 4 + k``, k = (0,0), (0,1), (1,0), (1,1)). The reduction's input columns
and the norm's parameters are permuted accordingly.

Dropped: the classifier (``head.*``) and its final ``norm.*`` (mmseg has one
LayerNorm per output, ``norm0``..``norm3``, initialised fresh), and the
``attn_mask`` buffers (mmseg computes the masks on the fly). Every dropped or
unmapped key is printed.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import Tensor

from msm_mm.utils import add_unsafe_load_argument, checkpoint_state_dict

# The official patch merging's pixel order, indexed by mmseg's unfold order.
OFFICIAL_PIXEL_OF_UNFOLD = (0, 2, 1, 3)


def reduction_to_unfold_order(weight: Tensor) -> Tensor:
    """Permute the input columns of the patch-merging reduction (out, 4C)
    from the official pixel-block layout to mmseg's unfold layout."""
    out_channels, in_channels = weight.shape
    blocks = weight.reshape(out_channels, 4, in_channels // 4)  # (out, pixel, C)
    blocks = blocks[:, list(OFFICIAL_PIXEL_OF_UNFOLD), :]  # (out, unfold pixel k, C)
    return blocks.transpose(1, 2).reshape(out_channels, in_channels)  # column c * 4 + k


def norm_to_unfold_order(param: Tensor) -> Tensor:
    """Permute a patch-merging LayerNorm parameter (4C,) like the columns of
    :func:`reduction_to_unfold_order`."""
    return reduction_to_unfold_order(param[None])[0]


# (official key pattern, mmseg key replacement, value transform); first match wins.
RENAMES: List[Tuple[str, str, Optional[Callable[[Tensor], Tensor]]]] = [
    (r'^patch_embed\.proj\.(weight|bias)$', r'patch_embed.projection.\1', None),
    (r'^patch_embed\.norm\.(weight|bias)$', r'patch_embed.norm.\1', None),
    (r'^absolute_pos_embed$', r'absolute_pos_embed', None),
    (r'^layers\.(\d+)\.blocks\.(\d+)\.attn\.(.+)$', r'stages.\1.blocks.\2.attn.w_msa.\3', None),
    (r'^layers\.(\d+)\.blocks\.(\d+)\.mlp\.fc1\.(weight|bias)$',
     r'stages.\1.blocks.\2.ffn.layers.0.0.\3', None),
    (r'^layers\.(\d+)\.blocks\.(\d+)\.mlp\.fc2\.(weight|bias)$',
     r'stages.\1.blocks.\2.ffn.layers.1.\3', None),
    (r'^layers\.(\d+)\.blocks\.(\d+)\.(norm[12])\.(weight|bias)$', r'stages.\1.blocks.\2.\3.\4',
     None),
    (r'^layers\.(\d+)\.downsample\.reduction\.weight$', r'stages.\1.downsample.reduction.weight',
     reduction_to_unfold_order),
    (r'^layers\.(\d+)\.downsample\.norm\.(weight|bias)$', r'stages.\1.downsample.norm.\2',
     norm_to_unfold_order),
]

# (official key pattern, why it is dropped)
DROPS: List[Tuple[str, str]] = [
    (r'^head\.', 'the ImageNet classifier'),
    (r'^norm\.(weight|bias)$', "the classifier's final LayerNorm (mmseg: norm0..norm3, new)"),
    (r'\.attn_mask$', 'shifted-window mask buffer (mmseg computes it on the fly)'),
]


def convert_swin(state_dict: Dict[str, Tensor]
                 ) -> Tuple['OrderedDict[str, Tensor]', Dict[str, str], List[str]]:
    """Rename (and reorder) an official Swin state dict for mmseg.

    Args:
        state_dict (dict[str, Tensor]): The official ``model`` state dict.

    Returns:
        tuple: The converted state dict, the dropped keys with the reason,
        and the keys no rule matched (left out of the result).
    """
    converted, dropped, unmapped = OrderedDict(), {}, []
    for key, value in state_dict.items():
        reason = next((why for pattern, why in DROPS if re.search(pattern, key)), None)
        if reason is not None:
            dropped[key] = reason
            continue
        for pattern, replacement, transform in RENAMES:
            if re.match(pattern, key):
                converted[re.sub(pattern, replacement, key)] = (
                    transform(value) if transform is not None else value)
                break
        else:
            unmapped.append(key)
    return converted, dropped, unmapped


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an official Swin Transformer checkpoint to mmseg key names')
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='where to write the converted state dict')
    add_unsafe_load_argument(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.src):
        print(f'swin2mmseg: {args.src} not found', file=sys.stderr)
        return 1
    state_dict = checkpoint_state_dict(args.src, weights_only=not args.unsafe_load)
    if not any(key.startswith('layers.') for key in state_dict):
        print(f'swin2mmseg: {args.src} has no layers.* keys, it is not in the official Swin '
              'naming (already converted?); nothing written', file=sys.stderr)
        return 1
    converted, dropped, unmapped = convert_swin(state_dict)
    for key, why in dropped.items():
        print(f'dropped  {key}  ({why})')
    for key in unmapped:
        print(f'NOT MAPPED  {key}  (left out)')
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(converted, args.dst)
    print(f'{len(converted)} tensors written to {args.dst}; {len(dropped)} dropped, '
          f'{len(unmapped)} not mapped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
