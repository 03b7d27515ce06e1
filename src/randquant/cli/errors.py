"""What the command line does with errors that are not a bad option: one line, no traceback.

* Ctrl-C exits with 130 and says what was kept and how to go on (``compare`` resumes when run
  again; ``pretrain`` continues from its last epoch checkpoint with ``--resume``).
* Training that diverges (:class:`~randquant.methods.base.TrainingDiverged`) and an operating
  system error (a full disk, a folder that cannot be written) exit with 2 and name the cause.
  Every result file is written atomically, so what was written before is whole.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.core import Context
from typer.core import TyperGroup

INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT (128 + 2)

_KEPT = {
    "pretrain": "the checkpoint of the last finished epoch is kept in --checkpoint-dir "
    "(default OUTPUT.ckpt/); run the same command with --resume to continue",
    "compare": "finished runs are kept in OUTPUT/runs/ and the run in progress in its last "
    "epoch checkpoint; run the same command again to continue",
}


def _say(message: str) -> None:
    typer.echo(" ".join(message.split()), err=True)  # one line, whatever the message holds


def _command(ctx: Context) -> str:
    args = [*getattr(ctx, "_protected_args", []), *ctx.args]
    names = [a for a in args if not a.startswith("-")]
    return names[0] if names else ""


class CliErrors(TyperGroup):
    """The ``randquant`` group: turns the errors above into one line and an exit code."""

    def invoke(self, ctx: Context) -> Any:
        from randquant.methods.base import TrainingDiverged

        name = _command(ctx)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            kept = _KEPT.get(name, "files already written are whole (written atomically)")
            _say(f"Interrupted (Ctrl-C): {kept}.")
            sys.stdout.flush()
            raise typer.Exit(INTERRUPTED) from None
        except TrainingDiverged as err:
            _say(f"Error: {err}.")
            raise typer.Exit(2) from None
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            _say(f"Error: {where}{err.strerror or err}; files written before are whole.")
            raise typer.Exit(2) from None
