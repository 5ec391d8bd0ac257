"""Lists of names in error messages, and how two state dicts differ."""
from typing import Dict, List, Mapping, Sequence

#: Names listed before "... and N more".
MAX_LISTED = 10


def inline_listing(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``'a, b, c and 7 more'``: the first ``limit`` items on one line."""
    more = f' and {len(items) - limit} more' if len(items) > limit else ''
    return ', '.join(items[:limit]) + more


def titled_listing(title: str, items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``'  <title> (<count>):'`` then the first ``limit`` items, one a line."""
    more = [f'    ... and {len(items) - limit} more'] if len(items) > limit else []
    return '\n'.join([f'  {title} ({len(items)}):'] + [f'    {k}' for k in items[:limit]] +
                     more)


def mis_shaped_keys(own: Mapping, state: Mapping) -> List[str]:
    """``'key: checkpoint (shape), model (shape)'`` for every key both state
    dicts hold with different shapes."""
    return [
        f'{k}: checkpoint {tuple(v.shape)}, model {tuple(own[k].shape)}'
        for k, v in state.items()
        if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)
    ]


def state_dict_report(missing: Sequence[str], unexpected: Sequence[str],
                      mis_shaped: Sequence[str]) -> str:
    """The titled listings of a checkpoint that does not fit a model; empty
    when it fits."""
    kinds: Dict[str, Sequence[str]] = {
        'missing in the checkpoint': missing,
        'in the checkpoint but not in the model': unexpected,
        'of another shape': mis_shaped
    }
    return '\n'.join(titled_listing(title, keys) for title, keys in kinds.items() if keys)
