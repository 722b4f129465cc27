# %% [markdown]
"""Lesson 2 - the "hello" character model: read "hell", predict "ello", one step at a time.

Vocabulary h, e, l, o; each character enters as a one-hot column x_t. At every step the
network predicts the NEXT character: after "h" comes "e", after "he" comes "l", after
"hel" comes "l", after "hell" comes "o". The two l's need different answers, so the
network must remember what came before: that is what the recurrence h_{t-1} -> h_t is for.

1. The textbook recurrent network, θ = {U, W, V, b, c}, written directly with Tensor ops:

       h_t = tanh(U x_t + W h_{t-1} + b)      hidden state (h_0 = 0)
       o_t = V h_t + c                        scores for the next character
       ŷ_t = softmax(o_t)                     its probabilities
       J   = Σ_t -log ŷ_t[target_t]           summed cross-entropy

   Each time step runs inside `tg.scope(t=t)`, so every node knows its step and h_t is a
   labelled node you can find in the graph. Trained with plain gradient descent,
   θ <- θ - lr ∂J/∂θ, written out by hand. The script prints what the network predicts
   at every step while it learns, then the probabilities it ends with.

2. The same task for an LSTM: nn.LSTM(4, H) -> nn.Linear(H, 4), trained with optim.SGD,
   the same loss. Its gates are real nodes too: f_t, i_t, g_t, o_t, c_t, h_t.

    python examples/02_hello.py                  # a second or two
    python examples/02_hello.py --hidden 3 --steps 400

`tinygrad-rnn demo` (what `make demo` runs) is a quick showcase of this lesson's two
models - it imports init_params, rnn_scores, HelloLSTM and one_hot_rows from this file -
trained with Adam instead of the gradient descent written out here, with H = 3 so that
its graph fits on a slide, until every prediction is right; it draws pictures into
demo-out/ (the unrolled RNN with its gradients, the LSTM's cell state, the RNN/GRU/LSTM
gradient flow). Its code is tinygrad_rnn/commands/demo.py.

Read next: examples/03_bptt_by_hand.py (the gradients this script gets from backward(),
derived by hand).
"""

# %%
import argparse

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F
from tinygrad_rnn import lesson_kit, nn, optim

VOCAB = ["h", "e", "l", "o"]
INPUTS, TARGETS = "hell", "ello"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=8, help="hidden units H (8)")
    parser.add_argument("--steps", type=int, default=200, help="gradient descent steps (200)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (0.1)")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## 1. The textbook RNN, θ = {U, W, V, b, c}


# %%
def one_hot(char: str, t: int) -> tg.Tensor:
    """x_t: a column of zeros with a 1 at the character's index, shape (4,)."""
    x = np.zeros(len(VOCAB))
    x[VOCAB.index(char)] = 1.0
    return tg.tensor(x, label=f"x_{t}")


def log_softmax(o: tg.Tensor) -> tg.Tensor:
    """log ŷ = o - log Σ exp(o), shifted by max(o) so exp never overflows."""
    shifted = o - o.max().detach()
    return shifted - shifted.exp().sum().log()


def init_params(hidden: int, rng: np.random.Generator) -> dict:
    """U (H, 4), W (H, H), V (4, H) from N(0, 0.5²); b (H,) and c (4,) at zero."""
    D = len(VOCAB)
    return {
        "U": tg.tensor(rng.normal(0, 0.5, (hidden, D)), requires_grad=True, label="U"),
        "W": tg.tensor(rng.normal(0, 0.5, (hidden, hidden)), requires_grad=True, label="W"),
        "V": tg.tensor(rng.normal(0, 0.5, (D, hidden)), requires_grad=True, label="V"),
        "b": tg.zeros(hidden, requires_grad=True, label="b"),
        "c": tg.zeros(D, requires_grad=True, label="c"),
    }


def rnn_scores(params: dict, inputs: str) -> list:
    """Unroll the RNN over the characters; returns the scores o_t of every step."""
    U, W, V, b, c = (params[name] for name in "UWVbc")
    h = tg.zeros(W.shape[0], label="h_0")
    scores = []
    for t, char in enumerate(inputs, start=1):
        with tg.scope(t=t):
            x = one_hot(char, t)
            h = (U @ x + W @ h + b).tanh().named(f"h_{t}")  # (H,)
            o = (V @ h + c).named(f"o_{t}")  # (4,)
        scores.append(o)
    return scores


def summed_loss(scores: list, targets: str) -> tg.Tensor:
    """J = Σ_t -log ŷ_t[target_t], each term in its step's scope."""
    loss = tg.tensor(0.0)
    for t, (o, target) in enumerate(zip(scores, targets), start=1):
        with tg.scope(t=t):
            loss = loss - log_softmax(o)[VOCAB.index(target)]
    return loss.named("J")


def forward(params: dict, inputs: str, targets: str):
    """The RNN and its loss; returns (J, list of o_t)."""
    scores = rnn_scores(params, inputs)
    return summed_loss(scores, targets), scores


def train_textbook_rnn(args: argparse.Namespace) -> list:
    """Plain gradient descent on J; prints the predictions at a few steps. Returns the o_t."""
    params = init_params(args.hidden, np.random.default_rng(args.seed))
    report_every = max(1, args.steps // 5)
    for step in range(1, args.steps + 1):
        loss, scores = forward(params, INPUTS, TARGETS)
        for p in params.values():
            p.zero_grad()
        loss.backward()
        for p in params.values():
            p.data -= args.lr * p.grad  # gradient descent: θ <- θ - lr * ∂J/∂θ
        if step == 1 or step % report_every == 0:
            print(f"  step {step:4d}  J = {loss.item():.4f}  predicts {predicted(scores)!r}")
    with tg.no_grad():
        loss, scores = forward(params, INPUTS, TARGETS)
    print(f"  final J = {loss.item():.4f}")
    lesson_kit.report("vanilla RNN: final J (sum over the 4 steps)", loss.item(), fmt=".3f")
    return scores


# %% [markdown]
# ## 2. The same task for an LSTM


# %%
class HelloLSTM(nn.Module):
    """nn.LSTM(4, H) then nn.Linear(H, 4): the scores o_t of the next character.

    f_t, i_t, o_t = σ(...),  g_t = tanh(...)      the gates (rows i, f, g, o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t               the cell state
    h_t = o_t ⊙ tanh(c_t)                          the hidden state
    """

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(len(VOCAB), hidden)
        self.fc = nn.Linear(hidden, len(VOCAB))

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        """x (T, 1, 4) one-hot rows -> scores (T, 4)."""
        h, _ = self.lstm(x)  # (T, 1, H)
        return self.fc(h).reshape(x.shape[0], len(VOCAB))  # (T, 4)


def one_hot_rows(text: str) -> tg.Tensor:
    """The characters of `text` as one-hot rows, shape (T, 1, 4) (time, batch, features)."""
    rows = np.eye(len(VOCAB))[[VOCAB.index(char) for char in text]]  # (T, 4)
    return tg.tensor(rows.reshape(len(text), 1, len(VOCAB)), label="x")


def train_lstm(args: argparse.Namespace) -> list:
    """optim.SGD on the same summed cross-entropy; returns the o_t of the trained model."""
    tg.manual_seed(args.seed)
    model = HelloLSTM(args.hidden)
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    x = one_hot_rows(INPUTS)
    targets = np.array([VOCAB.index(char) for char in TARGETS])
    report_every = max(1, args.steps // 5)
    for step in range(1, args.steps + 1):
        scores = model(x)  # (T, 4)
        loss = F.cross_entropy(scores, targets, reduction="sum")  # J = Σ_t -log ŷ_t[target]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step == 1 or step % report_every == 0:
            print(f"  step {step:4d}  J = {loss.item():.4f}  predicts {predicted(scores)!r}")
    with tg.no_grad():
        scores = model(x)
        loss = F.cross_entropy(scores, targets, reduction="sum")
    print(f"  final J = {loss.item():.4f}")
    lesson_kit.report("LSTM: final J", loss.item(), fmt=".3f")
    return [scores[t] for t in range(len(INPUTS))]


# %% [markdown]
# ## What the models predict


# %%
def predicted(scores: list) -> str:
    """The most likely next character at every step."""
    return "".join(VOCAB[int(np.argmax(o.numpy()))] for o in scores)


def print_predictions(scores: list, model: str) -> None:
    """One line per step: what the model read, what it predicts, with ŷ_t."""
    for t, (char, o) in enumerate(zip(INPUTS, scores), start=1):
        probs = np.exp(o.numpy() - o.numpy().max())
        probs /= probs.sum()  # ŷ_t = softmax(o_t)
        shown = "  ".join(f"{v}:{p:.2f}" for v, p in zip(VOCAB, probs))
        print(f"  t={t}  input {char!r} -> predicts {VOCAB[int(np.argmax(probs))]!r}   ({shown})")
    guess = predicted(scores)
    accuracy = np.mean([p == t for p, t in zip(guess, TARGETS)])
    print(f"  predicted {guess!r} for {INPUTS!r}: next-character accuracy {accuracy:.0%}")
    lesson_kit.report(f"{model}: next-character accuracy", 100 * accuracy, unit="%", fmt=".0f")


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    print(
        f"1. vanilla RNN, θ = {{U, W, V, b, c}}, H = {args.hidden}: learn {INPUTS!r} -> {TARGETS!r}"
    )
    print_predictions(train_textbook_rnn(args), "vanilla RNN")
    print(f"\n2. LSTM, nn.LSTM(4, {args.hidden}) -> nn.Linear({args.hidden}, 4), same task")
    print_predictions(train_lstm(args), "LSTM")


# %%
if __name__ == "__main__":
    main()
