import difflib
import glob
import inspect
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

#: Appended to a file's name while it is being written.
PARTIAL_SUFFIX = '.partial'


def _fsync_dir(path: str) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(partial: str, final: str) -> None:
    """Flush ``partial`` to disk and rename it to ``final`` (atomic within
    one folder: ``final`` is either the old file or the complete new one)."""
    with open(partial, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(partial, final)
    _fsync_dir(osp.dirname(osp.abspath(final)))


def write_file_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder."""
    partial = path + PARTIAL_SUFFIX
    with open(partial, 'wb') as f:
        f.write(data)
    _commit(partial, path)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's :class:`CheckpointHook` whose checkpoints survive a kill
    at any moment of a save.

    mmengine's hook deletes the outdated checkpoint first, then writes the
    new one in place and then ``last_checkpoint``: a kill during the write
    leaves a truncated newest checkpoint, no older one (with
    ``max_keep_ckpts=1``) and ``last_checkpoint`` naming a deleted file.
    This hook, for checkpoints on the local file system:

    1. writes ``<name>.partial`` in the checkpoint folder, flushes it to disk
       (fsync) and renames it to ``<name>``;
    2. then points ``last_checkpoint`` at it (written the same way);
    3. only then deletes the checkpoints beyond ``max_keep_ckpts``.

    At every moment ``last_checkpoint`` names a complete checkpoint. Partial
    files left by a kill are deleted when training starts. Checkpoints on
    other backends are saved by mmengine's hook unchanged. The arguments are
    those of :class:`CheckpointHook`; ``tools/train.py`` uses this hook in
    place of ``CheckpointHook``.

    mmengine's hook accepts any extra keyword and passes it to every save,
    where a misspelt argument (``intervall=1``) fails only at the first save;
    this hook refuses extra keywords when it is built, before training.
    """

    def __init__(self, **kwargs) -> None:
        known = list(inspect.signature(CheckpointHook.__init__).parameters)[1:-1]
        unknown = [k for k in kwargs if k not in known]
        if unknown:
            hints = [f'{k!r} (did you mean {matches[0]!r}?)' if matches else repr(k)
                     for k in unknown for matches in [difflib.get_close_matches(k, known)]]
            raise TypeError(f'{type(self).__name__} (default_hooks.checkpoint): unknown '
                            f'arguments {", ".join(hints)}; it takes {", ".join(known)}')
        super().__init__(**kwargs)

    def before_train(self, runner) -> None:
        """Set up the checkpoint folder and delete partial files of a killed
        run."""
        super().before_train(runner)
        if isinstance(self.file_backend, LocalBackend) and is_main_process():
            for partial in glob.glob(osp.join(self.out_dir, '*' + PARTIAL_SUFFIX)):
                os.remove(partial)

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            super()._save_checkpoint_with_step(runner, step, meta)
            return
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename + PARTIAL_SUFFIX,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():  # only the main process writes files
            return
        _commit(self.last_ckpt + PARTIAL_SUFFIX, self.last_ckpt)
        write_file_atomically(osp.join(runner.work_dir, 'last_checkpoint'),
                              self.last_ckpt.encode())
        for old_step in outdated:
            old = osp.join(self.out_dir, self.filename_tmpl.format(old_step))
            if osp.isfile(old):
                os.remove(old)
