"""`tinygrad-rnn train-charlm` and `tinygrad-rnn sample`: lesson 5 on the command line.

    tinygrad-rnn train-charlm                       # Tiny Shakespeare, 1000 steps, ~1 minute
    tinygrad-rnn train-charlm --steps 4000 --resume # continue the same run to step 4000
    tinygrad-rnn train-charlm --data my.txt         # any UTF-8 text
    tinygrad-rnn sample --temperature 0.2 0.5 1.0 --prime "ROMEO:"

train-charlm trains the character-level LSTM of tinygrad_rnn/charlm/ (embedding 128,
LSTM 128, B = 32 windows of T = 40 characters, Adam 3e-3, clip 5, float32), reports the
validation loss in nats per character on the last 10 % of the text, and saves a
checkpoint (model, vocabulary, Adam state, step) that `--resume` continues bit for bit.
Ctrl-C finishes the current step, saves the checkpoint and stops; the next
`train-charlm --resume` picks up there. `sample` reads a checkpoint and writes text.

Read next: ../charlm.py (the model, training step, evaluation and sampling used here).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from .common import (
    CommandError,
    fraction,
    nonnegative_int,
    parse,
    positive_float,
    positive_int,
    require,
)

DEFAULT_CHECKPOINT = "lesson05-out/charlm.npz"  # lesson 5's folder: each resumes the other
DATA_NAME = "tinyshakespeare.txt"
DEFAULT_STEPS = 1000
LONG_STEPS = 4000
# the flags that fix the model and its training; on --resume they come from the checkpoint
RUN_FLAGS = {
    "embedding": "embedding_dim",
    "hidden": "hidden_size",
    "batch_size": "batch_size",
    "seq_len": "seq_len",
    "lr": "lr",
    "clip": "clip",
    "seed": "seed",
    "val_fraction": "val_fraction",
}


def temperature(text: str) -> float:
    """argparse type: a sampling temperature, a finite number >= 0 (0 = always the argmax)."""
    value = parse(text, float, "a number", prefix="temperature ")
    require(
        math.isfinite(value) and value >= 0,
        f"temperature {text} must be a number >= 0 (0 = always the most likely character)",
    )
    return value


def add_command(subparsers) -> None:
    add_train_command(subparsers)
    add_sample_command(subparsers)


def add_train_command(subparsers) -> None:
    command = subparsers.add_parser(
        "train-charlm",
        help="train the character-level LSTM language model (lesson 5) on a text file",
        description=(
            "Train Embedding -> LSTM -> Linear to predict the next character of a text "
            "(Tiny Shakespeare unless --data is given), report the validation loss in nats "
            "per character on the last 10 % of the text, save a resumable checkpoint and "
            f"print a sample. Defaults take about a minute; --steps {LONG_STEPS} trains "
            "longer, to a lower loss (docs/results.md has what the defaults reach). Ctrl-C "
            "saves the checkpoint and stops; --resume continues. The checkpoint goes to "
            "lesson 5's folder, so `python examples/05_char_lstm.py --resume` continues it."
        ),
    )
    command.add_argument(
        "--data",
        metavar="PATH",
        help="a UTF-8 text file, plain or .gz (default: the packaged Tiny Shakespeare)",
    )
    command.add_argument(
        "--steps",
        type=positive_int,
        default=DEFAULT_STEPS,
        help=f"train until this many optimizer steps in total ({DEFAULT_STEPS}; "
        f"{LONG_STEPS} for the longer run)",
    )
    add_checkpoint_flags(command)
    add_run_flags(command)
    command.add_argument(
        "--sample-length",
        type=nonnegative_int,
        default=200,
        help="characters to sample at temperature 0.5 at the end (200; 0 = none)",
    )
    command.set_defaults(run=run_train)


def add_checkpoint_flags(command) -> None:
    """Where the run is saved, whether it continues one, and how often it is saved."""
    command.add_argument(
        "--checkpoint",
        metavar="PATH",
        default=DEFAULT_CHECKPOINT,
        help=f"where the checkpoint is saved (and resumed from) ({DEFAULT_CHECKPOINT})",
    )
    command.add_argument(
        "--resume", action="store_true", help="continue the run saved at --checkpoint"
    )
    command.add_argument(
        "--overwrite",
        action="store_true",
        help="start a new run even though --checkpoint holds one (it is replaced at the "
        "first save); without it, an existing checkpoint is never overwritten",
    )
    command.add_argument(
        "--eval-every",
        type=positive_int,
        default=500,
        help="validate and save the checkpoint every N steps (500)",
    )


def add_run_flags(command) -> None:
    """The flags of RUN_FLAGS, which fix the model and its training: left out, each comes
    from the checkpoint on --resume, else from the default shown."""
    command.add_argument("--embedding", type=positive_int, help="embedding size E (128)")
    command.add_argument("--hidden", type=positive_int, help="LSTM hidden size H (128)")
    command.add_argument("--batch-size", type=positive_int, help="windows per batch B (32)")
    command.add_argument("--seq-len", type=positive_int, help="characters per window T (40)")
    command.add_argument("--lr", type=positive_float, help="Adam learning rate (0.003)")
    command.add_argument("--clip", type=positive_float, help="max gradient norm (5)")
    command.add_argument(
        "--seed", type=nonnegative_int, help="random seed of weights and batches (0)"
    )
    command.add_argument(
        "--val-fraction", type=fraction, help="share of the text held out, at its end (0.1)"
    )


def add_sample_command(subparsers) -> None:
    command = subparsers.add_parser(
        "sample",
        help="generate text from a train-charlm checkpoint, at one or more temperatures",
        description=(
            "Read a checkpoint written by train-charlm and generate text one character at "
            "a time, drawing each from softmax(o_t / temperature): low temperatures give "
            "safe, repetitive text, high ones surprising text with more mistakes."
        ),
    )
    command.add_argument(
        "--checkpoint",
        metavar="PATH",
        default=DEFAULT_CHECKPOINT,
        help=f"the checkpoint to read ({DEFAULT_CHECKPOINT})",
    )
    command.add_argument(
        "-t",
        "--temperature",
        type=temperature,
        nargs="+",
        default=[0.2, 0.5, 1.0],
        help="one or more temperatures >= 0 (0.2 0.5 1.0); 0 = always the most likely",
    )
    command.add_argument(
        "-n", "--length", type=positive_int, default=300, help="characters per sample (300)"
    )
    command.add_argument(
        "--prime", default="\n", help="text the model reads before it starts (a newline)"
    )
    command.add_argument(
        "--seed", type=nonnegative_int, default=0, help="random seed of the sampling (0)"
    )
    command.set_defaults(run=run_sample)


# --------------------------------------------------------------------------------------
# train-charlm
# --------------------------------------------------------------------------------------
def run_train(args: argparse.Namespace) -> int:
    from tinygrad_rnn import charlm, data

    checkpoint = Path(args.checkpoint)
    check_checkpoint_flags(args, checkpoint, charlm)
    path = data.resolve_data_path(DATA_NAME, args.data)
    text = data.load_text(path)
    if args.resume:
        run = resume_run(args, checkpoint, charlm)
        corpus = charlm.prepare_corpus(text, run.config, vocab=run.vocab)
        if run.fingerprint is not None and run.fingerprint != corpus.fingerprint:
            print(
                f"warning: {checkpoint} was trained on a different text than {path}; "
                "continuing with its vocabulary",
                file=sys.stderr,
            )
    else:
        config = new_config(args, charlm)
        corpus = charlm.prepare_corpus(text, config)
        run = charlm.new_run(corpus.vocab, config, corpus.fingerprint)
    describe(run, corpus, path, len(text), args)
    if run.step >= args.steps:
        print(
            f"{checkpoint} is already at step {run.step} (--steps {args.steps}): nothing to "
            f"train; to train it further: tinygrad-rnn train-charlm "
            f"{resume_hint(args, further_steps(run.step))}"
        )
        interrupted = False
    else:
        interrupted = train_with_progress(run, corpus, args, checkpoint, charlm)
    if interrupted:
        saved = charlm.save_checkpoint(run, checkpoint)
        print(f"interrupted: saved {saved} at step {run.step}; continue with", flush=True)
        print(f"  tinygrad-rnn train-charlm {resume_hint(args)}", flush=True)
        return 130
    return finish(run, corpus, args, checkpoint, charlm)


def check_checkpoint_flags(args: argparse.Namespace, checkpoint: Path, charlm) -> None:
    """Before any work: the checkpoint can be written (so the run is not lost at its first
    save), and a new run does not silently replace a checkpoint that is already there."""
    if args.resume and args.overwrite:
        raise CommandError("--resume continues the saved run, --overwrite replaces it; pick one")
    saved = existing_checkpoint_file(checkpoint)
    if saved is not None and not args.resume and not args.overwrite:
        raise CommandError(
            f"{saved} already exists and this would start a new run over it; add --resume "
            "to continue it, --overwrite to replace it, or choose another --checkpoint PATH"
        )
    charlm.check_checkpoint_writable(checkpoint)


def existing_checkpoint_file(checkpoint: Path) -> Path | None:
    """The file at --checkpoint (as given, or with .npz added), if there is one."""
    from tinygrad_rnn.checkpoint import checkpoint_path

    for candidate in (checkpoint, checkpoint_path(checkpoint)):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return None


def new_config(args: argparse.Namespace, charlm):
    given = {field: getattr(args, flag) for flag, field in RUN_FLAGS.items()}
    return charlm.CharLMConfig(**{k: v for k, v in given.items() if v is not None})


def resume_run(args: argparse.Namespace, checkpoint: Path, charlm):
    """The run saved at --checkpoint; flags that would change it are an error."""
    if existing_checkpoint_file(checkpoint) is None:
        raise CommandError(
            f"--resume: no checkpoint at {checkpoint}; train without --resume first, or "
            "point --checkpoint at one"
        )
    run = charlm.load_checkpoint(checkpoint)
    for flag, field in RUN_FLAGS.items():
        given = getattr(args, flag)
        saved = getattr(run.config, field)
        if given is not None and given != saved:
            option = "--" + flag.replace("_", "-")
            raise CommandError(
                f"--resume: {option} {given} differs from the checkpoint's {saved}; drop "
                f"{option} to continue that run (or train a new one without --resume)"
            )
    return run


def describe(run, corpus, path, n_chars: int, args: argparse.Namespace) -> None:
    c = run.config
    model = run.model
    print(f"text: {path} ({n_chars:,} characters, vocabulary of {len(run.vocab)} symbols)")
    print(
        f"model: Embedding({len(run.vocab)}, {c.embedding_dim}) -> LSTM({c.embedding_dim}, "
        f"{c.hidden_size}) -> Linear({c.hidden_size}, {len(run.vocab)}), "
        f"{model.num_parameters():,} parameters, {c.dtype}"
    )
    print(
        f"training: B = {c.batch_size} windows of T = {c.seq_len} characters per step, Adam "
        f"lr {c.lr:g}, clip {c.clip:g}, seed {c.seed}; validation: the last "
        f"{c.val_fraction:.0%} ({len(corpus.val):,} characters)"
    )
    start = f"resuming at step {run.step}" if run.step else "starting at step 0"
    print(f"{start}, training until step {args.steps}", flush=True)


def train_with_progress(run, corpus, args, checkpoint: Path, charlm) -> bool:
    """The training loop with a progress bar; returns True when Ctrl-C stopped it."""
    from tqdm import tqdm

    bar = tqdm(total=args.steps - run.step, desc="train", unit="step", mininterval=0.5)
    started = time.perf_counter()
    with charlm.StopOnInterrupt() as interrupt, bar:
        for step, loss in charlm.train(run, corpus.train, args.steps):
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            if interrupt.requested:
                return True
            if step % args.eval_every == 0 and step < args.steps:
                val = charlm.evaluate(run.model, corpus.val, run.config.batch_size)
                charlm.save_checkpoint(run, checkpoint)
                elapsed = time.perf_counter() - started
                bar.write(
                    f"step {step:5d}  train {loss:.3f}  val {val:.4f} nats/char  ({elapsed:.0f} s)"
                )
    return interrupt.requested


def finish(run, corpus, args, checkpoint: Path, charlm) -> int:
    saved = charlm.save_checkpoint(run, checkpoint)
    val = charlm.evaluate(run.model, corpus.val, run.config.batch_size)
    bits = val / math.log(2)
    print(f"validation loss after {run.step} steps: {val:.4f} nats/char ({bits:.3f} bits/char)")
    print(f"checkpoint: {saved} (step {run.step}); train it further with: "
          f"tinygrad-rnn train-charlm {resume_hint(args, further_steps(run.step))}")  # fmt: skip
    if args.sample_length > 0:
        text = charlm.sample(run.model, run.vocab, args.sample_length, 0.5, rng=0)
        print(f"sample at temperature 0.5:\n{text}")
        print(f"more: tinygrad-rnn sample --checkpoint {saved} --temperature 0.2 0.5 1.0")
    return 0


def further_steps(step: int) -> int:
    """A higher --steps target to suggest once a run has reached `step`: the longer run's
    LONG_STEPS, or twice as far once it is past that."""
    return LONG_STEPS if step < LONG_STEPS else 2 * step


def resume_hint(args: argparse.Namespace, steps: int | None = None) -> str:
    """The flags that continue this run to `steps` (default: the --steps not yet reached)."""
    parts = ["--resume", "--steps", str(args.steps if steps is None else steps)]
    if args.data:
        parts += ["--data", str(args.data)]
    if args.checkpoint != DEFAULT_CHECKPOINT:
        parts += ["--checkpoint", str(args.checkpoint)]
    return " ".join(parts)


# --------------------------------------------------------------------------------------
# sample
# --------------------------------------------------------------------------------------
def run_sample(args: argparse.Namespace) -> int:
    from tinygrad_rnn import charlm

    if (
        existing_checkpoint_file(Path(args.checkpoint)) is None
        and not Path(args.checkpoint).is_dir()
    ):
        raise CommandError(
            f"sample: no checkpoint file at {args.checkpoint}; train one first with "
            "`tinygrad-rnn train-charlm` (it saves to --checkpoint, default "
            f"{DEFAULT_CHECKPOINT}), or point --checkpoint at one"
        )
    run = charlm.load_checkpoint(args.checkpoint)
    print(f"{args.checkpoint}: step {run.step}, vocabulary of {len(run.vocab)} symbols")
    warn_about_unknown_characters(args.prime, run.vocab)
    for value in args.temperature:
        text = charlm.sample(run.model, run.vocab, args.length, value, args.prime, rng=args.seed)
        print(f"--- temperature {value:g} ---")
        print(args.prime + text if args.prime != "\n" else text)
    return 0


def warn_about_unknown_characters(prime: str, vocab) -> None:
    """Say so when --prime holds characters the model never saw (it reads them as <unk>)."""
    unknown = sorted({char for char in prime if char not in vocab.stoi})
    if unknown:
        shown = "".join(unknown)
        print(
            f"warning: --prime has characters the model's vocabulary does not hold: "
            f"{shown!r}; it reads them as <unk>",
            file=sys.stderr,
        )
