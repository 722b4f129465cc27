"""tinygrad_rnn.nn.utils, PyTorch's `torch.nn.utils`: what training a recurrent network
needs around the model.

    clip_grad.py  clip_grad_norm_, clip_grad_value_ (exploding gradients), detach_state
                  (truncated BPTT)
    rnn.py        nn.utils.rnn: pad_sequence, PackedSequence, pack_padded_sequence,
                  pad_packed_sequence, pack_sequence (batches of different lengths)

Read next: clip_grad.py, then rnn.py.
"""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, detach_state

__all__ = ["clip_grad_norm_", "clip_grad_value_", "detach_state", "rnn"]
