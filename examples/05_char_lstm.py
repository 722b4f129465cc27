# %% [markdown]
"""Lesson 5 - character-level LSTM text generation on Tiny Shakespeare (or any text).

The seeds' char-LSTM generator: read 40 characters, predict the next one, over and over.

    x (B, T) character ids -> Embedding (B, T, 128) -> LSTM (B, T, 128) -> Linear (B, T, V)
    J = mean over the B·T positions of -log softmax(o_t)[next character]     (nats/char)

1. Train with Adam (lr 3e-3), gradients clipped at norm 5, batches of B = 32 random
   windows of T = 40 characters, float32, on the first 90 % of the text.
2. Every --eval-every steps, the validation loss on the last 10 %, in nats per character
   (a model that knows nothing scores ln V ≈ 4.2; copying the character frequencies ≈ 3.3).
3. Save a checkpoint - model, vocabulary, Adam's moments and the step - and load it back
   (the reloaded model scores exactly the same). `--resume` continues a saved run bit for
   bit: 1000 steps + resume to 4000 is the same run as 4000 steps at once. Ctrl-C
   finishes the current step, saves, and stops.
4. Sample from the reloaded model at temperatures 0.2, 0.5 and 1.0: p ∝ exp(o_t / τ).
   Low τ: safe and repetitive; τ = 1: the model's own distribution, more inventive and
   more misspelt.

    python examples/05_char_lstm.py                          # 1000 steps, about a minute
    python examples/05_char_lstm.py --resume --steps 4000    # the longer run (val 1.63)
    python examples/05_char_lstm.py --data my_text.txt       # any UTF-8 text
    tinygrad-rnn train-charlm / tinygrad-rnn sample          # the same on the command line

The model, training step, evaluation, sampling and checkpoints live in
tinygrad_rnn/charlm/ (one module per job); this script strings them together and prints.

Read next: tinygrad_rnn/charlm/__init__.py.
"""

# %%
import os

# The matrices here are small (32 x 128): OpenBLAS's threads cost more than they save, and
# on a busy machine they make each matmul much slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from tqdm import tqdm  # noqa: E402

from tinygrad_rnn import charlm, data, lesson_kit  # noqa: E402
from tinygrad_rnn.errors import CheckpointError  # noqa: E402
from tinygrad_rnn.files import write_text_atomic  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help="a UTF-8 text file, plain or .gz (default: the packaged Tiny Shakespeare)"
    )
    parser.add_argument("--steps", type=int, default=1000, help="train until this step (1000)")
    parser.add_argument("--out", default="./lesson05-out", help="checkpoint and samples folder")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a run already saved in --out"
    )
    parser.add_argument("--eval-every", type=int, default=250, help="validate every N steps")
    parser.add_argument("--embedding", type=int, default=128, help="embedding size E (128)")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM hidden size H (128)")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per batch B (32)")
    parser.add_argument("--seq-len", type=int, default=40, help="characters per window T (40)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--temperatures", type=float, nargs="+", default=[0.2, 0.5, 1.0], help="for sampling"
    )
    parser.add_argument("--sample-length", type=int, default=300, help="characters per sample")
    parser.add_argument("--prime", default="\n", help="text the model reads before sampling")
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## Train, validate, save, reload, sample


# %%
def main() -> None:
    args = parse_args()
    path = data.resolve_data_path("tinyshakespeare.txt", args.data)
    text = data.load_text(path)
    out = Path(args.out)
    checkpoint = out / "charlm.npz"
    if checkpoint.exists() and not (args.resume or args.overwrite):  # never lose a run
        raise CheckpointError(
            f"{checkpoint} holds an earlier run: --resume to continue it, --overwrite to "
            "replace it, or --out another folder"
        )
    charlm.check_checkpoint_writable(checkpoint)  # before training, not at the first save

    if args.resume:
        run = charlm.load_checkpoint(checkpoint)
        corpus = charlm.prepare_corpus(text, run.config, vocab=run.vocab)
        print(f"resuming {checkpoint} at step {run.step}")
    else:
        config = charlm.CharLMConfig(
            embedding_dim=args.embedding,
            hidden_size=args.hidden,
            batch_size=args.batch_size,
            seq_len=args.seq_len,
            lr=args.lr,
            clip=args.clip,
            seed=args.seed,
        )
        corpus = charlm.prepare_corpus(text, config)
        run = charlm.new_run(corpus.vocab, config, corpus.fingerprint)
    c = run.config
    V = len(run.vocab)
    print(f"text: {path}, {len(text):,} characters, {V} symbols (incl. <pad>, <unk>)")
    print(f"train {len(corpus.train):,} / validation {len(corpus.val):,} characters (90/10)")
    print(
        f"model: Embedding({V}, {c.embedding_dim}) -> LSTM({c.embedding_dim}, {c.hidden_size}) "
        f"-> Linear({c.hidden_size}, {V}), {run.model.num_parameters():,} parameters, {c.dtype}"
    )
    print(f"ln V = {math.log(V):.2f} nats/char: the loss of a model that knows nothing")

    # 1-2. train, validating every --eval-every steps
    print(
        "the bar shows J of the latest batch; every --eval-every steps a line shows the mean "
        "training J since the last line and the validation J"
    )
    history = []  # (step, mean training J since the last report, validation J)
    recent = []
    started = time.perf_counter()
    steps = charlm.train(run, corpus.train, args.steps)
    bar = tqdm(steps, total=max(args.steps - run.step, 0), unit="step", desc="train")
    with charlm.StopOnInterrupt() as interrupt:
        for step, loss in bar:
            recent.append(loss)
            bar.set_postfix(batch_J=f"{loss:.3f}", refresh=False)
            if interrupt.requested:
                break
            if step % args.eval_every == 0 or step == args.steps:
                val = charlm.evaluate(run.model, corpus.val, c.batch_size)
                history.append((step, sum(recent) / len(recent), val))
                bar.write(
                    f"step {step:5d}  training J {history[-1][1]:.3f} (mean of the last "
                    f"{len(recent)} steps)  validation J {val:.4f} nats/char"
                )
                recent = []
    bar.close()
    seconds = time.perf_counter() - started

    # 3. save, and load it back
    saved = charlm.save_checkpoint(run, checkpoint)
    if interrupt.requested:
        print(f"interrupted at step {run.step}: saved {saved}; continue with --resume")
        return
    val = history[-1][2] if history else charlm.evaluate(run.model, corpus.val, c.batch_size)
    print(f"\nvalidation loss after {run.step} steps: {val:.4f} nats/char ", end="")
    print(f"({val / math.log(2):.3f} bits/char), training took {seconds:.0f} s")
    lesson_kit.report(f"validation loss after {run.step} steps", val, "nats/char", fmt=".3f")
    lesson_kit.report("training time", seconds, "s", fmt=".0f")
    reloaded = charlm.load_checkpoint(saved)
    again = charlm.evaluate(reloaded.model, corpus.val, c.batch_size)
    same = "the same" if again == val else "DIFFERENT"
    print(f"saved {saved}; reloaded it at step {reloaded.step}: val {again:.4f} ({same})")
    longer = 4000 if run.step < 4000 else 2 * run.step
    print(f"continue this run: the same flags plus --resume --steps {longer}")

    # 4. sample from the reloaded model
    samples = []
    for temperature in args.temperatures:
        sample = charlm.sample(
            reloaded.model, reloaded.vocab, args.sample_length, temperature, args.prime, rng=0
        )
        samples.append(f"--- temperature {temperature:g} ---\n{args.prime.strip()}{sample}\n")
        print(f"\n{samples[-1]}", end="")
    write_text_atomic(out / "samples.txt", "".join(samples))
    print(f"\nwrote {out / 'samples.txt'}")


# %%
if __name__ == "__main__":
    try:
        main()
    except (data.DataError, CheckpointError) as error:  # missing data or checkpoint: one line
        raise SystemExit(f"error: {error}") from None
