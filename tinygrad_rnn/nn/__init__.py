"""tinygrad_rnn.nn: models built from Tensor operators, with PyTorch's names and layouts.

    from tinygrad_rnn import nn
    lstm = nn.LSTM(input_size=8, hidden_size=16)
    fc = nn.Linear(16, 4)
    output, (h_n, c_n) = lstm(x)          # x (T, B, 8)
    scores = fc(output[-1])               # (B, 4)

Files, in reading order:
    module.py     Module, Parameter, ModuleList: registration, state_dict, train/eval
    layers.py     Linear, Embedding, Dropout, Tanh/Sigmoid/ReLU, Sequential
    cells.py      one time step: rnn_step, lstm_step, gru_step; RNNCell, LSTMCell, GRUCell
    recurrent.py  RNN, LSTM, GRU: cells unrolled over time, stacked, bidirectional, padded
    lessons.py    the lessons' ElmanRNN (U, W, V, b, c) and OutputToHiddenRNN
    attention.py  Attention: dot, general (Luong) and additive (Bahdanau) scores
    seq2seq.py    Seq2Seq: encoder, decoder with attention, greedy and beam decoding
    beam.py       beam_search on any step function (what Seq2Seq.beam_search runs)
    utils.py      clip_grad_norm_ and friends
    checks.py     the argument checks every constructor shares (sizes, flags, numbers)
"""

from . import utils
from .attention import Attention
from .beam import beam_search
from .cells import (
    GRUCell,
    LSTMCell,
    RNNCell,
    gru_step,
    lstm_step,
    lstm_variant_step,
    rnn_step,
)
from .layers import Dropout, Embedding, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from .lessons import ElmanRNN, OutputToHiddenRNN
from .module import IncompatibleKeys, Module, ModuleList, Parameter
from .recurrent import GRU, LSTM, RNN
from .seq2seq import Decoded, Decoder, Encoder, Seq2Seq, Seq2SeqOutput

__all__ = [
    "Attention",
    "Decoded",
    "Decoder",
    "Encoder",
    "Seq2Seq",
    "Seq2SeqOutput",
    "beam_search",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "Dropout",
    "ElmanRNN",
    "Embedding",
    "Identity",
    "IncompatibleKeys",
    "Linear",
    "Module",
    "ModuleList",
    "OutputToHiddenRNN",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "gru_step",
    "lstm_step",
    "lstm_variant_step",
    "rnn_step",
    "utils",
]
