"""The scan directions of SS2D.

A map of H x W pixels is scanned as four sequences of ``L = H * W`` steps:
row-major, column-major, and both reversed. Step ``t`` of the column-major
order reads pixel ``(t % H) * W + t // H`` (row-major index); the reversed
orders read step ``L - 1 - t`` of the forward ones.
"""

NUM_DIRECTIONS = 4
