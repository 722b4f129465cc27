"""tinygrad_rnn.nn: models built from Tensor operators, with PyTorch's names and layouts.

    from tinygrad_rnn import nn
    lstm = nn.LSTM(input_size=8, hidden_size=16)
    fc = nn.Linear(16, 4)
    output, (h_n, c_n) = lstm(x)          # x (T, B, 8)
    scores = fc(output[-1])               # (B, 4)

Files, in reading order:
    checks.py     the argument checks every constructor shares (sizes, flags, numbers)
    parameter.py  Parameter (a weight: a float leaf that needs a gradient), uniform init
    module.py     Module: registration, buffers, the module tree, train/eval, to/double, state_dict
    containers.py ModuleList, ModuleDict, ParameterList, ParameterDict
    state_dict.py what load_state_dict checks: keys, shapes, every problem in one error
    layers.py     Linear, Embedding, Dropout, Sequential
    activation.py Tanh, Sigmoid, ReLU, GELU, Softmax, LogSoftmax, Identity (layers of one function)
    normalization.py  LayerNorm (F.layer_norm)
    multihead.py  MultiheadAttention: h heads of scaled dot-product attention
    transformer.py  TransformerEncoderLayer: self-attention and feed-forward, residuals, norms
    flatten.py    Flatten, Unflatten (one reshape)
    conv.py       Conv2d, MaxPool2d, AvgPool2d (F.conv2d, F.max_pool2d, F.avg_pool2d)
    loss.py       NLLLoss, CrossEntropyLoss, MSELoss, BCELoss, BCEWithLogitsLoss
    init.py       nn.init: uniform_, normal_, xavier_*, kaiming_*, orthogonal_ ... in place
    cells.py      one time step: rnn_step, lstm_step, gru_step; the cell kinds RNNKind,
                  LSTMKind, GRUKind (gates, states, parameters - defined once); RNNCell,
                  LSTMCell, GRUCell
    recurrent.py  RNN, LSTM, GRU: the same kinds unrolled over time, stacked,
                  bidirectional, padded
    recurrent_checks.py  what cells and layers check in x, the states and lengths
    lessons.py    the lessons' ElmanRNN (U, W, V, b, c) and OutputToHiddenRNN
    attention.py  Attention: dot, general (Luong) and additive (Bahdanau) scores
    encoder_decoder.py   Seq2Seq's Encoder and Decoder (one decoder step at a time)
    seq2seq.py    Seq2Seq: the encoder-decoder with attention, greedy and beam decoding
    beam.py       beam_search on any step function (what Seq2Seq.beam_search runs)
    utils/        clip_grad_norm_ and friends; utils/rnn.py: pad_sequence, PackedSequence
    functional.py torch.nn.functional's path: tinygrad_rnn.functional + one_hot, pad ...
"""

from . import functional, init, utils
from .activation import GELU, Identity, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
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
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .encoder_decoder import Decoder, Encoder, Seq2SeqOutput
from .flatten import Flatten, Unflatten
from .layers import Dropout, Embedding, Linear, Sequential
from .lessons import ElmanRNN, OutputToHiddenRNN
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module, Parameter
from .multihead import MultiheadAttention
from .normalization import LayerNorm
from .recurrent import GRU, LSTM, RNN
from .seq2seq import Decoded, Seq2Seq
from .transformer import TransformerEncoderLayer

__all__ = [
    "Attention",
    "AvgPool2d",
    "Conv2d",
    "MaxPool2d",
    "MultiheadAttention",
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
    "GELU",
    "Identity",
    "LayerNorm",
    "IncompatibleKeys",
    "Linear",
    "Module",
    "ModuleDict",
    "ModuleList",
    "ParameterDict",
    "ParameterList",
    "OutputToHiddenRNN",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "TransformerEncoderLayer",
    "gru_step",
    "lstm_step",
    "lstm_variant_step",
    "rnn_step",
    "utils",
    "init",
    "functional",
    "LogSoftmax",
    "Softmax",
    "Flatten",
    "Unflatten",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "MSELoss",
    "NLLLoss",
]
