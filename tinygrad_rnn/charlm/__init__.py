"""The character-level language model of lesson 5: read text, predict the next character.

    model: x (B, T) character ids -> Embedding (B, T, E) -> LSTM (B, T, H) -> Linear (B, T, V)
    loss:  J = mean over the B*T positions of -log softmax(o_t)[next character]   (nats/char)

The seeds' char-LSTM generator (windows of 40 characters, LSTM(128)), with PyTorch's
layers and names (`embedding.weight`, `lstm.weight_ih_l0`, `fc.weight` ...). Everything a
training script needs is here, and nothing it prints: `examples/05_char_lstm.py` and
`tinygrad-rnn train-charlm` (commands/charlm.py) add the progress bar and the output.

    config = CharLMConfig()                        # E = H = 128, B = 32, T = 40, Adam 3e-3
    corpus = prepare_corpus(text, config)          # vocabulary + 90/10 split by position
    run = new_run(corpus.vocab, config)            # model + optimizer, step 0
    for step, loss in train(run, corpus.train, until_step=1500):
        ...                                        # one Adam step per iteration
    evaluate(run.model, corpus.val)                # validation loss in nats per character
    save_checkpoint(run, "charlm.npz")             # model + vocabulary + Adam state + step
    run = load_checkpoint("charlm.npz")            # ... and training continues bit for bit
    sample(run.model, run.vocab, 300, temperature=0.5, prime="ROMEO:", rng=rng)

Batches. Step s trains on B random windows of T characters whose start positions come from
a generator seeded with (seed, s) (`batch_at`): the batches do not depend on what ran
before, so a run resumed from a checkpoint at step j sees exactly the batches an
uninterrupted run sees, and k steps = j steps + save + load + (k - j) steps, bit for bit.
Each window starts from h_0 = c_0 = 0 (no carry-over between batches).

Evaluation. `evaluate` reads the held-out text as `batch_size` contiguous streams, carrying
(h, c) from one window to the next (truncated-BPTT order, data.bptt_batches), so every
character is predicted from all the text before it in its stream: the loss is the average
of -log p(next character) over the validation text, in nats (divide by ln 2 for bits).

The package, one job per module, in reading order:

    config.py      CharLMConfig: the settings of a run (checked, saved in the checkpoint)
    corpus.py      vocabulary, train/validation split, the batch of step s (batch_at)
    model.py       CharLM (Embedding -> LSTM -> Linear), build_model, build_optimizer
    training.py    CharLMRun, new_run, lm_loss, train_step, train, evaluate
    sampling.py    next_char_probabilities, sample
    checkpoint.py  the .npz format of a run (CharLMCheckpoint), save_checkpoint
    loading.py     load_checkpoint: every entry checked before a number is read
    interrupt.py   StopOnInterrupt: Ctrl-C finishes the step, then stops

Imports go down that list only (a module imports those above it); this file re-exports
the public names, so `from tinygrad_rnn import charlm; charlm.train(...)` is all a user
needs.

Read next: config.py, then the modules in the order above; then commands/charlm.py (the
command line around these functions) and examples/05_char_lstm.py.
"""

from .checkpoint import (
    CharLMCheckpoint,
    check_checkpoint_writable,
    flatten_optimizer_state,
    from_json_bytes,
    json_bytes,
    save_checkpoint,
    unflatten_optimizer_state,
)
from .config import DTYPES, CharLMConfig
from .corpus import Corpus, batch_at, prepare_corpus, text_fingerprint
from .interrupt import StopOnInterrupt
from .loading import (
    ADAM_BUFFERS,
    CHECKPOINT_CLASS,
    MAX_JSON_BYTES,
    MAX_PARAMETERS,
    REQUIRED_ENTRIES,
    load_checkpoint,
)
from .model import CharLM, build_model, build_optimizer, default_dtype
from .sampling import next_char_probabilities, sample
from .training import CharLMRun, evaluate, lm_loss, new_run, train, train_step

__all__ = [
    "ADAM_BUFFERS",
    "CHECKPOINT_CLASS",
    "DTYPES",
    "MAX_JSON_BYTES",
    "MAX_PARAMETERS",
    "REQUIRED_ENTRIES",
    "CharLM",
    "CharLMCheckpoint",
    "CharLMConfig",
    "CharLMRun",
    "Corpus",
    "StopOnInterrupt",
    "batch_at",
    "build_model",
    "build_optimizer",
    "check_checkpoint_writable",
    "default_dtype",
    "evaluate",
    "flatten_optimizer_state",
    "from_json_bytes",
    "json_bytes",
    "lm_loss",
    "load_checkpoint",
    "new_run",
    "next_char_probabilities",
    "prepare_corpus",
    "sample",
    "save_checkpoint",
    "text_fingerprint",
    "train",
    "train_step",
    "unflatten_optimizer_state",
]
