"""Random compositions of recurrent cells and layers, checked against float64 central
differences, and padded batches checked against each sequence run alone.

Hypothesis draws a pipeline of one or two blocks applied one after the other:

    layer  nn.RNN (tanh or relu), nn.LSTM (plain, peephole, coupled, both) or nn.GRU with
           random sizes, 1-2 stacked layers, uni- or bidirectional, batch_first or not,
           with or without biases, with or without an initial state (h0, or (h0, c0))
    cell   nn.RNNCell / LSTMCell / GRUCell looped over the time steps by hand, inside
           tg.scope(t=...), with or without an initial state

plus a batch of T <= 3 steps, B <= 3 sequences of D <= 2 features and, when every block
is a layer, random `lengths` (0..T, so a padded batch). `tg.gradcheck` then perturbs
every element of the input, of every initial state and of every parameter, and compares
the numeric derivative of a random weighting of all outputs (the last block's output
and every block's final states) with the engine's backward.

Sizes are tiny on purpose: a check costs two forward passes per perturbed number.
`make fuzz` runs 2000 pipelines per test instead of the suite's 30.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import fuzz_examples

import tinygrad_rnn as tg
from tinygrad_rnn import nn

KINDS = (
    "rnn_tanh",
    "rnn_relu",
    "lstm",
    "lstm_peephole",
    "lstm_coupled",
    "lstm_peephole_coupled",
    "gru",
)


# --------------------------------------------------------------------------------------
# What hypothesis draws: plain data, so a failing example prints readably
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    form: str  # "layer" (nn.RNN/LSTM/GRU) or "cell" (a cell module looped by hand)
    kind: str  # one of KINDS
    hidden: int
    num_layers: int = 1
    bidirectional: bool = False
    batch_first: bool = False
    bias: bool = True
    with_state: bool = False  # pass an initial state (it is then checked too)

    @property
    def is_lstm(self) -> bool:
        return self.kind.startswith("lstm")

    @property
    def out_features(self) -> int:
        return self.hidden * (2 if self.bidirectional else 1)

    @property
    def state_rows(self) -> int:
        """num_layers * num_directions: the first axis of a layer's h0."""
        return self.num_layers * (2 if self.bidirectional else 1)


@dataclass(frozen=True)
class Spec:
    T: int
    B: int
    D: int
    blocks: tuple
    lengths: tuple | None
    seed: int


@st.composite
def blocks(draw, deep: bool) -> Block:
    """One block; `deep` allows two stacked layers (only when it is the only block, to
    keep the number of perturbed parameters small)."""
    form = draw(st.sampled_from(["layer", "layer", "cell"]))
    kind = draw(st.sampled_from(KINDS))
    hidden = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    with_state = draw(st.booleans())
    if form == "cell":
        return Block("cell", kind, hidden, bias=bias, with_state=with_state)
    return Block(
        "layer",
        kind,
        hidden,
        num_layers=draw(st.integers(1, 2)) if deep else 1,
        bidirectional=draw(st.booleans()),
        batch_first=draw(st.booleans()),
        bias=bias,
        with_state=with_state,
    )


@st.composite
def specs(draw, only_layers: bool = False, padded: bool | None = None) -> Spec:
    T = draw(st.integers(1, 3))
    B = draw(st.integers(1, 3))
    D = draw(st.integers(1, 2))
    count = draw(st.integers(1, 2))
    chosen = []
    for _ in range(count):
        block = draw(blocks(deep=count == 1))
        if only_layers and block.form == "cell":
            block = Block("layer", block.kind, block.hidden, bias=block.bias)
        chosen.append(block)
    all_layers = all(block.form == "layer" for block in chosen)
    use_lengths = all_layers and (draw(st.booleans()) if padded is None else padded)
    lengths = None
    if use_lengths:
        lengths = tuple(draw(st.lists(st.integers(0, T), min_size=B, max_size=B)))
    return Spec(T, B, D, tuple(chosen), lengths, draw(st.integers(0, 2**32 - 1)))


# --------------------------------------------------------------------------------------
# Building and running a pipeline
# --------------------------------------------------------------------------------------
def make_module(block: Block, input_size: int) -> nn.Module:
    peephole = "peephole" in block.kind
    coupled = "coupled" in block.kind
    nonlinearity = "relu" if block.kind == "rnn_relu" else "tanh"
    if block.form == "cell":
        if block.kind.startswith("rnn"):
            return nn.RNNCell(input_size, block.hidden, block.bias, nonlinearity)
        if block.is_lstm:
            return nn.LSTMCell(input_size, block.hidden, block.bias, peephole, coupled)
        return nn.GRUCell(input_size, block.hidden, block.bias)
    options = dict(
        num_layers=block.num_layers,
        bias=block.bias,
        batch_first=block.batch_first,
        bidirectional=block.bidirectional,
    )
    if block.kind.startswith("rnn"):
        return nn.RNN(input_size, block.hidden, nonlinearity=nonlinearity, **options)
    if block.is_lstm:
        return nn.LSTM(input_size, block.hidden, peephole=peephole, coupled=coupled, **options)
    return nn.GRU(input_size, block.hidden, **options)


class Pipeline:
    """The modules of a Spec (seeded), and random inputs and initial states for them."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        tg.manual_seed(spec.seed)
        rng = np.random.default_rng(spec.seed)
        self.modules = []
        features = spec.D
        for block in spec.blocks:
            self.modules.append(make_module(block, features))
            features = block.out_features
        self.x = tg.tensor(rng.normal(size=(spec.T, spec.B, spec.D)), requires_grad=True, label="x")
        self.states = [self.initial_state(block, rng) for block in spec.blocks]

    def initial_state(self, block: Block, rng) -> tuple | None:
        """None, or one (two for an LSTM) leaf tensor(s): (L*dirs, B, H) or (B, H)."""
        if not block.with_state:
            return None
        if block.form == "cell":
            shape = (self.spec.B, block.hidden)
        else:
            shape = (block.state_rows, self.spec.B, block.hidden)
        names = ("h_0", "c_0") if block.is_lstm else ("h_0",)
        return tuple(tg.tensor(rng.normal(size=shape), requires_grad=True, label=n) for n in names)

    def leaves(self) -> list:
        """Everything gradcheck perturbs: x, the initial states, every parameter."""
        found = [self.x]
        for state in self.states:
            found.extend(state or ())
        for module in self.modules:
            found.extend(module.parameters())
        return found

    def run(self, x, states, lengths):
        """(output (T, B, F) of the last block, final states of every block)."""
        sequence = x
        finals = []
        for block, module, state in zip(self.spec.blocks, self.modules, states):
            if block.form == "cell":
                sequence, final = run_cell(block, module, sequence, state)
            else:
                sequence, final = run_layer(block, module, sequence, state, lengths)
            finals.append(final)
        return sequence, tuple(finals)


def run_layer(block: Block, layer, sequence, state, lengths):
    """The layer on a (T, B, F) sequence, transposed in and out when batch_first."""
    given = sequence.transpose(0, 1) if block.batch_first else sequence  # (B, T, F)
    if block.is_lstm:
        output, final = layer(given, state, lengths=lengths)  # final = (h_n, c_n)
    else:
        output, h_n = layer(given, None if state is None else state[0], lengths=lengths)
        final = (h_n,)
    if block.batch_first:
        output = output.transpose(0, 1)  # (T, B, F)
    return output, final


def run_cell(block: Block, cell, sequence, state):
    """The cell looped over t = 1..T by hand; returns the stacked h_t (T, B, H)."""
    outputs = []
    for t in range(1, sequence.shape[0] + 1):
        with tg.scope(t=t):
            if block.is_lstm:
                state = cell(sequence[t - 1], state)  # (h_t, c_t)
            else:
                state = (cell(sequence[t - 1], None if state is None else state[0]),)
        outputs.append(state[0])
    return tg.stack(outputs, axis=0), state


def describe(spec: Spec) -> None:
    """hypothesis events: which kinds of blocks and options were exercised."""
    for block in spec.blocks:
        event(f"{block.form} {block.kind}")
        if block.num_layers == 2:
            event("two stacked layers")
        if block.bidirectional:
            event("bidirectional")
    event(f"{len(spec.blocks)} block(s)")
    event("padded (lengths)" if spec.lengths is not None else "no lengths")


def check_gradients(spec: Spec) -> None:
    pipeline = Pipeline(spec)
    lengths = None if spec.lengths is None else np.array(spec.lengths)

    def outputs(*_):  # gradcheck perturbs the leaves' data in place, then calls this
        return pipeline.run(pipeline.x, pipeline.states, lengths)

    assert tg.gradcheck(outputs, pipeline.leaves(), atol=1e-5, rtol=1e-4)


# --------------------------------------------------------------------------------------
# The fuzzers
# --------------------------------------------------------------------------------------
@settings(max_examples=fuzz_examples(30), deadline=None)
@given(spec=specs())
def test_random_cell_compositions_match_finite_differences(spec):
    describe(spec)
    check_gradients(spec)


@settings(max_examples=fuzz_examples(30), deadline=None)
@given(spec=specs(only_layers=True, padded=True))
def test_padded_batch_equals_each_sequence_run_alone(spec):
    """Sequence b of a padded batch gives exactly what it gives alone: the same outputs
    for its L_b steps and zeros after them, the same final states (h0 when L_b = 0)."""
    describe(spec)
    pipeline = Pipeline(spec)
    with tg.no_grad():
        output, finals = pipeline.run(pipeline.x, pipeline.states, np.array(spec.lengths))
    for b, length in enumerate(spec.lengths):
        np.testing.assert_array_equal(output.data[length:, b], 0.0)
        if length == 0:
            expected = [initial_or_zeros(pipeline, k, b) for k in range(len(spec.blocks))]
            alone_output = None
        else:
            x_alone = tg.tensor(pipeline.x.data[:length, b : b + 1])
            states_alone = [
                None if state is None else tuple(tg.tensor(s.data[:, b : b + 1]) for s in state)
                for state in pipeline.states
            ]
            with tg.no_grad():
                alone_output, alone_finals = pipeline.run(x_alone, states_alone, None)
            expected = [[s.data[:, 0] for s in final] for final in alone_finals]
            np.testing.assert_allclose(
                output.data[:length, b], alone_output.data[:, 0], rtol=1e-12, atol=1e-12
            )
        for final, wanted in zip(finals, expected):
            for state, state_alone in zip(final, wanted):
                np.testing.assert_allclose(state.data[:, b], state_alone, rtol=1e-12, atol=1e-12)


def initial_or_zeros(pipeline: Pipeline, k: int, b: int) -> list:
    """Block k's initial state(s) for sequence b: h0[:, b] (and c0[:, b]), or zeros."""
    block, state = pipeline.spec.blocks[k], pipeline.states[k]
    count = 2 if block.is_lstm else 1
    if state is None:
        return [np.zeros((block.state_rows, block.hidden))] * count
    return [s.data[:, b] for s in state]


# --------------------------------------------------------------------------------------
# Every kind at least once in its fullest form, whatever hypothesis draws
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_with_every_option_at_once(kind):
    """Two stacked bidirectional batch-first layers with h0, padded lengths (one
    sequence of length 0), followed by the matching cell looped by hand."""
    layer = Block(
        "layer", kind, 1, num_layers=2, bidirectional=True, batch_first=True, with_state=True
    )
    check_gradients(Spec(3, 3, 1, (layer,), (3, 0, 2), seed=7))
    cell = Block("cell", kind, 2, with_state=True)
    check_gradients(Spec(3, 2, 2, (Block("layer", kind, 1), cell), None, seed=8))
