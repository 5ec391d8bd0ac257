import pytest
import torch

from msm_mm.models.layers.tokenization import (dilated_restore, dilated_sample, pad_to_multiple,
                                               window_tokenize, window_untokenize)


@pytest.mark.parametrize('scale,size', [(2, (10, 14)), (3, (9, 21)), (4, (12, 8))])
def test_window_tokenization_inverse(scale, size):
    x = torch.randn(2, 3, *size)
    tokens = window_tokenize(x, scale)
    assert tokens.shape == (2, 3 * scale * scale, size[0] // scale, size[1] // scale)
    assert torch.equal(window_untokenize(tokens, scale), x)
    y = torch.randn_like(tokens)
    assert torch.equal(window_tokenize(window_untokenize(y, scale), scale), y)


def test_window_token_holds_its_window():
    x = torch.arange(2 * 4 * 6, dtype=torch.float32).view(1, 2, 4, 6)
    tokens = window_tokenize(x, 2)
    # token (1, 2) covers rows 2-3, columns 4-5; channel (i*s + j)*m + c = pixel (i, j), channel c
    window = x[0, :, 2:4, 4:6]
    expected = torch.stack([window[:, i, j] for i in range(2) for j in range(2)]).flatten()
    assert torch.equal(tokens[0, :, 1, 2], expected)


def test_pad_to_multiple_then_crop_is_identity():
    x = torch.randn(1, 2, 7, 11)
    padded, (h, w) = pad_to_multiple(x, 4)
    assert padded.shape[-2:] == (8, 12) and (h, w) == (7, 11)
    assert torch.equal(padded[..., :h, :w], x)
    assert padded[..., h:, :].abs().sum() == 0 and padded[..., :, w:].abs().sum() == 0


@pytest.mark.parametrize('size', [(9, 13), (8, 12), (1, 5)])
def test_dilated_restore_interpolates_between_samples(size):
    x = torch.randn(1, 3, *size)
    sample = dilated_sample(x, 2)
    restored = dilated_restore(sample, 2, size)
    assert restored.shape == x.shape
    # at the sampled pixels the restoration is exact
    torch.testing.assert_close(restored[..., ::2, ::2], sample)
    # halfway between two samples of a row it is their mean
    if size[1] >= 3:
        torch.testing.assert_close(restored[..., 0, 1], (sample[..., 0, 0] + sample[..., 0, 1]) / 2)
