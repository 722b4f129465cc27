"""A character language model with the RNN written from scratch, in the style of the
"Dive into Deep Learning" RNN chapter: parameters as plain tensors with requires_grad_,
one-hot inputs from F.one_hot, torch.mm/tanh per step, gradient clipping by hand
through p.grad, and an SGD step written as `param -= lr * param.grad` under no_grad.

Only the imports differ from the PyTorch program (see tests/test_pytorch_programs.py).
"""

# Written as PyTorch users write it (super(Cls, self), unused loop variables): lint spared.
# ruff: noqa: B007, E501, UP008, UP034

import math

import tinygrad_rnn as torch
import tinygrad_rnn.nn.functional as F

TEXT = "the time machine by h g wells the time traveller for so it will be convenient "
vocab = sorted(set(TEXT))
char_to_idx = {c: i for i, c in enumerate(vocab)}
corpus = [char_to_idx[c] for c in TEXT]


def get_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01

    W_xh = normal((num_inputs, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens, device=device)
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_rnn_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch:
    def __init__(self, vocab_size, num_hiddens, device):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float64)
        return rnn(X, state, self.params)

    def begin_state(self, batch_size, device):
        return init_rnn_state(batch_size, self.num_hiddens, device)


def grad_clipping(params, theta):
    norm = torch.sqrt(sum(torch.sum((p.grad**2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def batches(batch_size, num_steps):
    per_row = (len(corpus) - 1) // batch_size
    data = torch.tensor(corpus[: per_row * batch_size + 1])
    for start in range(0, per_row - num_steps + 1, num_steps):
        rows = [
            data[b * per_row + start : b * per_row + start + num_steps] for b in range(batch_size)
        ]
        targets = [
            data[b * per_row + start + 1 : b * per_row + start + num_steps + 1]
            for b in range(batch_size)
        ]
        yield torch.stack(rows), torch.stack(targets)


def predict(prefix, num_preds, net, device):
    state = net.begin_state(batch_size=1, device=device)
    outputs = [char_to_idx[prefix[0]]]
    get_input = lambda: torch.tensor([outputs[-1]], device=device).reshape((1, 1))  # noqa: E731
    for y in prefix[1:]:
        _, state = net(get_input(), state)
        outputs.append(char_to_idx[y])
    for _ in range(num_preds):
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return "".join([vocab[i] for i in outputs])


def main(params=None, epochs=30):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = RNNModelScratch(len(vocab), 24, device)
    if params is not None:
        with torch.no_grad():
            for mine, given in zip(net.params, params):
                mine.copy_(given)
    loss = torch.nn.CrossEntropyLoss()
    perplexities = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for X, Y in batches(batch_size=2, num_steps=5):
            state = net.begin_state(batch_size=X.shape[0], device=device)
            y_hat, state = net(X, state)
            y = Y.T.reshape(-1)
            l = loss(y_hat, y.long()).mean()  # noqa: E741
            l.backward()
            grad_clipping(net.params, 1)
            sgd(net.params, lr=1, batch_size=1)
            total += l.item() * y.numel()
            count += y.numel()
        perplexities.append(math.exp(total / count))
    return {"perplexities": perplexities, "sample": predict("time ", 10, net, device)}, net


if __name__ == "__main__":
    result, _ = main()
    print(f"perplexity {result['perplexities'][0]:.2f} -> {result['perplexities'][-1]:.2f}")
    print(result["sample"])
