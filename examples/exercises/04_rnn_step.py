"""Exercise 4: one time step of the vanilla RNN, θ = {U, W, V, b, c}.

The textbook recurrent network (Elman, 1990):

    h_t = tanh(U x_t + W h_{t-1} + b)        U (H, D), W (H, H), b (H,)
    o_t = V h_t + c                           V (K, H), c (K,)
    ŷ_t = softmax(o_t)                        (left to the loss - not part of this step)

The lessons write x_t as a column vector. Here a batch of B examples is a (B, D) matrix
with one example per ROW, so U x_t becomes x @ U.T - the same numbers, one row each:

    x       (B, D)    h_prev  (B, H)
    h_t  =  tanh(x @ U.T + h_prev @ W.T + b)        (B, H)
    o_t  =  h_t @ V.T + c                           (B, K)

Task: write `rnn_step` with Tensor operations (`@`, `+`, `.T`, `.tanh()`), so that the
engine records every step and can backpropagate through it. Do not convert to numpy
(`.data`, `.numpy()`): a number computed outside the graph gets no gradient.

Check your answer:   tinygrad-rnn check 4
The checker compares h_t, o_t and the gradients of every input and parameter with the
engine's nn.ElmanRNN run for one step, and runs a finite-difference gradient check.
Afterwards, read `ElmanRNN` in tinygrad_rnn/nn/lessons.py.
"""


def rnn_step(x, h_prev, U, W, V, b, c):
    """One step of the RNN.

    x (B, D), h_prev (B, H), U (H, D), W (H, H), V (K, H), b (H,), c (K,): Tensors.
    Returns (h, o): h_t (B, H) and the scores o_t (B, K), both Tensors.
    """
    # Your code here: two lines, h_t then o_t.
    raise NotImplementedError
