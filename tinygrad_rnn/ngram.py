"""n-gram language models: counts, smoothing and back-off, the baseline the RNNs must beat.

A language model gives P(sentence) = Π_t P(w_t | w_1 .. w_{t-1}). An n-gram model of
order n keeps only the last n-1 tokens as the context h:  P(w_t | h),  h = w_{t-n+1..t-1}.
`fit` counts, for every order k = 1..n, how often each token w followed each context h
of k-1 tokens:

    c(h, w)     how many times w followed h          c(h) = Σ_w c(h, w)
    N1+(h•)     how many different tokens followed h (the "types" after h)
    N1+(•h w)   how many different tokens came just before h w (continuation count)
    V           the number of tokens the model can predict: len(vocab) - 1 (all but "<s>")
    h′          the context h without its first (oldest) token

Every sequence is padded with n-1 "<s>" in front and one "</s>" at the end, so the first
token has a context and the end of a sequence is predicted too. Lower-order counts are
taken at the same predicted positions (the top-order n-grams with their first token
dropped), so c(h, w) > 0 implies c(h′, w) > 0. The same positions make an order-n model's
tables of orders 1..m those of an order-m model: `lm.truncated(m)` is that model, sharing
the tables (a sweep over n fits once).

Smoothings (`NGramLM(order, smoothing)`):
    mle             c(h,w) / c(h); a context never seen is an error: the sparsity problem
    laplace         (c(h,w) + 1) / (c(h) + V)
    lidstone        (c(h,w) + γ) / (c(h) + γV)
    witten-bell     (c(h,w) + N1+(h•)·P(w|h′)) / (c(h) + N1+(h•)), interpolated
    kneser-ney      max(c(h,w) − D, 0)/c(h) + D·N1+(h•)/c(h)·P(w|h′), interpolated;
                    lower orders use continuation counts N1+(•h w) in place of c(h, w)
    katz            Good–Turing discounted counts, back-off weights α(h) (see `katz_discounts`)
    stupid-backoff  scores, not probabilities (they do not sum to 1)

The interpolated ones end in the uniform P(w) = 1/V and are computed as a loop from order
1 up to n (no recursion). An unseen context h uses P(w|h′).

Read next: examples/12_ngram_lm.py (these models on Tiny Shakespeare, against lesson 5's
LSTM and an RNN and a GRU trained the same way), then charlm/ (that LSTM language model).
"""

import copy
import math
from collections import Counter, defaultdict

import numpy as np

from .errors import ArgumentError, TinygradError

BOS = "<s>"
EOS = "</s>"
UNK = "<unk>"
SMOOTHINGS = ("mle", "laplace", "lidstone", "witten-bell", "kneser-ney", "katz", "stupid-backoff")
KATZ_K = 5  # Good–Turing discounts counts 1..KATZ_K; larger counts are reliable as they are


class NotFittedError(TinygradError, RuntimeError):
    """`prob`, `perplexity` or `sample` called before `fit`."""


class UnseenContextError(TinygradError, ValueError):
    """An MLE model asked about a context it never saw: c(h) = 0, so c(h,w)/c(h) is 0/0."""


class ContextTable:
    """The counts of one order: `followers[h][w]` = c(h, w), `totals[h]` = c(h)."""

    def __init__(self, ngram_counts: Counter) -> None:
        followers = defaultdict(dict)
        for ngram, count in ngram_counts.items():
            context, token = ngram[:-1], ngram[-1]
            followers[context][token] = count
        self.followers = dict(followers)
        self.totals = Counter({h: sum(after.values()) for h, after in self.followers.items()})

    def count(self, context: tuple, token) -> int:
        """c(h, w) (0 when h or w was never seen)."""
        return self.followers.get(context, {}).get(token, 0)

    def types(self, context: tuple) -> int:
        """N1+(h•): how many different tokens followed h."""
        return len(self.followers.get(context, ()))


def pad(sequence, order: int) -> list:
    """[<s>] * (order-1) + sequence + [</s>]."""
    return [BOS] * (order - 1) + list(sequence) + [EOS]


def drop_first_token(ngram_counts: Counter) -> Counter:
    """c(h′, w) from c(h, w): sum over the first token of each n-gram."""
    lower = Counter()
    for ngram, count in ngram_counts.items():
        lower[ngram[1:]] += count
    return lower


def continuation_counts(ngram_counts: Counter) -> Counter:
    """N1+(•h w): for each (h, w), how many different tokens v have c(v h w) > 0."""
    lower = Counter()
    for ngram in ngram_counts:
        lower[ngram[1:]] += 1
    return lower


def good_turing_discounts(table: ContextTable, k: int = KATZ_K) -> dict:
    """Katz's discount d_r for each count r = 1..k, from the counts of counts n_r:

        r* = (r+1)·n_{r+1}/n_r       (the Good–Turing count)
        R  = (k+1)·n_{k+1}/n_1
        d_r = (r*/r − R) / (1 − R)   for 1 ≤ r ≤ k;   d_r = 1 for r > k

    The estimate is unusable on small or odd corpora (n_1 = 0, R ≥ 1, or a d_r outside
    (0, 1], e.g. when n_{r+1} = 0): those counts are left undiscounted (d_r = 1).
    """
    # n[r]: how many (h, w) were seen exactly r times (the counts of counts)
    n = Counter(c for followers in table.followers.values() for c in followers.values())
    discounts = {r: 1.0 for r in range(1, k + 1)}
    if n[1] == 0:
        return discounts
    big_r = (k + 1) * n[k + 1] / n[1]
    if big_r >= 1:
        return discounts
    for r in range(1, k + 1):
        r_star = (r + 1) * n[r + 1] / n[r] if n[r] else 0.0
        d = (r_star / r - big_r) / (1 - big_r)
        if 0 < d <= 1:
            discounts[r] = d
    return discounts


class NGramLM:
    """An n-gram language model of `order` n with one of `SMOOTHINGS` (see the module
    docstring for every formula). `prob(w, context)` uses the last n-1 tokens of context."""

    def __init__(
        self,
        order: int,
        smoothing: str = "kneser-ney",
        *,
        min_count: int = 1,
        gamma: float = 0.5,
        discount: float = 0.75,
        alpha: float = 0.4,
    ) -> None:
        check_arguments(order, smoothing, min_count, gamma, discount, alpha)
        self.order = order
        self.smoothing = smoothing
        self.min_count = min_count
        self.gamma = 1.0 if smoothing == "laplace" else gamma
        self.discount = discount
        self.alpha = alpha
        self.tables = None  # tables[k] holds the counts of order k (1..n) after fit
        self._vocab = None

    # ---------------------------------------------------------------- counting
    def fit(self, sequences) -> "NGramLM":
        """Count every n-gram of the padded sequences (a str is a sequence of chars);
        tokens seen fewer than `min_count` times become "<unk>". Returns self."""
        sequences = [list(sequence) for sequence in sequences]
        self._vocab = build_vocab(sequences, self.min_count)
        self._known_tokens = known = set(self._vocab)
        top = Counter()
        n = self.order
        for sequence in sequences:
            padded = pad([t if t in known else UNK for t in sequence], n)
            top.update(zip(*(padded[i:] for i in range(n))))  # every n-gram, at C speed
        self.tables = {n: ContextTable(top)}
        self.continuation = {}
        ngrams = top
        for k in range(n - 1, 0, -1):
            lower = drop_first_token(ngrams)
            self.tables[k] = ContextTable(lower)
            if self.smoothing == "kneser-ney":
                self.continuation[k] = ContextTable(continuation_counts(ngrams))
            ngrams = lower
        if self.smoothing == "katz":
            self._fit_katz()
        return self

    def truncated(self, order: int) -> "NGramLM":
        """The model of a lower `order` m (1 ≤ m ≤ n) without counting again: the same as
        NGramLM(m, smoothing, same keywords).fit(the same sequences), prob for prob.

        Why it is the same: the counts of order k ≤ m are taken at the same predicted
        positions whatever n is (a k-gram is the last k tokens before and including the
        predicted token, "<s>"-padded the same way), so this model's tables[1..m] (and
        kneser-ney's continuation[1..m-1], katz's discounts and α of orders 1..m, which
        depend only on those) are the tables an order-m fit would build. The new model
        SHARES them (the same dicts, not copies) and the vocabulary; nothing is recounted,
        so a sweep over n = 1..8 fits once, at n = 8."""
        self._check_fitted()
        if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= self.order:
            raise ArgumentError(
                f"truncated: order must be an int in 1..{self.order} (this model's order), "
                f"got {order!r}"
            )
        lower = copy.copy(self)  # same smoothing, keywords, vocabulary (shared, not copied)
        lower.order = order
        lower.tables = {k: self.tables[k] for k in range(1, order + 1)}
        lower.continuation = {k: self.continuation[k] for k in self.continuation if k < order}
        if self.smoothing == "katz":
            lower.katz_discounts = {k: self.katz_discounts[k] for k in range(1, order + 1)}
            lower.katz_alpha = {k: self.katz_alpha[k] for k in range(1, order + 1)}
            lower.katz_mode = {k: self.katz_mode[k] for k in range(1, order + 1)}
        return lower

    @property
    def vocab(self) -> tuple:
        """The tokens: "<s>", "</s>", "<unk>", then the kept tokens sorted."""
        self._check_fitted()
        return self._vocab

    @property
    def V(self) -> int:
        """The number of tokens the model can predict: every token but "<s>"."""
        return len(self.vocab) - 1

    # ---------------------------------------------------------------- querying
    def prob(self, token, context=()) -> float:
        """P(token | the last order-1 tokens of context), "<s>"-padded if shorter (a str
        context is a sequence of chars: pass ["<s>"], not "<s>", for the start token).
        Unseen tokens are "<unk>"; "<s>" is never predicted (probability 0).
        For stupid-backoff this is the score S(w|h), not a probability."""
        self._check_fitted()
        token = self._known(token)
        if token == BOS:
            return 0.0
        history = self._history(context)
        method = {
            "mle": self._mle,
            "laplace": self._lidstone,
            "lidstone": self._lidstone,
            "witten-bell": self._witten_bell,
            "kneser-ney": self._kneser_ney,
            "katz": self._katz,
            "stupid-backoff": self._stupid_backoff,
        }[self.smoothing]
        return method(token, history)

    def logprob(self, token, context=()) -> float:
        """Natural log of `prob`; -inf when the probability is 0."""
        p = self.prob(token, context)
        return math.log(p) if p > 0 else -math.inf

    def perplexity(self, sequences) -> float:
        """exp(mean of −log P(w_t | h_t)) over every predicted token of the padded
        sequences, "</s>" included; inf as soon as one probability is 0 (so an MLE model
        returns inf for a sentence with an unseen n-gram before it meets an unseen context)."""
        self._check_fitted()
        total, count = 0.0, 0
        for sequence in sequences:
            padded = pad(sequence, self.order)
            for t in range(self.order - 1, len(padded)):
                logp = self.logprob(padded[t], padded[:t])
                if logp == -math.inf:
                    return math.inf
                total -= logp
                count += 1
        if count == 0:
            raise ArgumentError("perplexity: no tokens to predict (empty list of sequences)")
        return math.exp(total / count)

    def distribution(self, context=()) -> np.ndarray:
        """P(w | context) for every token of `vocab` ("<s>" gets 0), as a numpy vector."""
        return np.array([self.prob(token, context) for token in self.vocab])

    def sample(self, n: int, context=(), rng=None) -> list:
        """Draw n tokens, each from P(w | the context so far). After "</s>" (which is one
        of the n tokens) the next token starts a fresh sequence: the context becomes
        "<s>" * (order-1). `rng`: a numpy Generator, a seed, or None. Stupid-backoff
        scores are divided by their sum before drawing."""
        self._check_fitted()
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ArgumentError(f"sample: n must be an int >= 0, got {n!r}")
        rng = np.random.default_rng(rng)
        history = list(context)
        tokens = []
        for _ in range(n):
            p = self.distribution(history)
            token = self.vocab[rng.choice(len(p), p=p / p.sum())]
            tokens.append(token)
            history = [] if token == EOS else history + [token]
        return tokens

    # ---------------------------------------------------------------- smoothings
    def _mle(self, token, history: tuple) -> float:
        """c(h, w) / c(h); an unseen h raises UnseenContextError."""
        table = self.tables[self.order]
        total = table.totals.get(history, 0)
        if total == 0:
            raise UnseenContextError(
                f"mle: the context {history!r} never occurs in the training data, so "
                f"P(w|h) = c(h,w)/c(h) is 0/0 — the sparsity problem; use a smoothing "
                f"such as 'kneser-ney' or 'laplace'"
            )
        return table.count(history, token) / total

    def _lidstone(self, token, history: tuple) -> float:
        """(c(h,w) + γ) / (c(h) + γV)  (laplace: γ = 1)."""
        table = self.tables[self.order]
        total = table.totals.get(history, 0)
        return (table.count(history, token) + self.gamma) / (total + self.gamma * self.V)

    def _witten_bell(self, token, history: tuple) -> float:
        """P(w|h) = (c(h,w) + N1+(h•)·P(w|h′)) / (c(h) + N1+(h•)), from P = 1/V up."""
        p = 1.0 / self.V
        for k in range(1, self.order + 1):
            h = history[len(history) - (k - 1) :]
            followers = self.tables[k].followers.get(h)  # {w: c(h, w)}
            if followers is None:
                continue  # unseen h: P(w|h) = P(w|h′)
            total, types = self.tables[k].totals[h], len(followers)  # c(h), N1+(h•)
            p = (followers.get(token, 0) + types * p) / (total + types)
        return p

    def _kneser_ney(self, token, history: tuple) -> float:
        """P(w|h) = max(c(h,w) − D, 0)/c(h) + D·N1+(h•)/c(h)·P(w|h′), from P = 1/V up;
        below the top order c(h, w) is the continuation count N1+(•h w)."""
        p = 1.0 / self.V
        d = self.discount
        for k in range(1, self.order + 1):
            h = history[len(history) - (k - 1) :]
            table = self.tables[k] if k == self.order else self.continuation[k]
            followers = table.followers.get(h)  # {w: c(h, w)}, or N1+(•h w) below the top
            if followers is None:
                continue  # unseen h: P(w|h) = P(w|h′)
            total = table.totals[h]
            c = followers.get(token, 0)
            p = max(c - d, 0) / total + d * len(followers) / total * p  # len: N1+(h•)
        return p

    def _stupid_backoff(self, token, history: tuple) -> float:
        """S(w|h) = c(h,w)/c(h) if c(h,w) > 0, else α·S(w|h′); S(w) = c(w)/N at order 1
        (0 for a token never seen). A score: Σ_w S(w|h) is not 1."""
        factor = 1.0
        for k in range(self.order, 0, -1):
            h = history[len(history) - (k - 1) :]
            table = self.tables[k]
            c = table.count(h, token)
            if c > 0:
                return factor * c / table.totals[h]
            factor *= self.alpha
        return 0.0

    # ---------------------------------------------------------------- katz
    def _fit_katz(self) -> None:
        """Per order k (1 up to n): Good–Turing discounts d_r and, for each context h,

            P*(w|h) = d_{c(h,w)}·c(h,w)/c(h)                      (seen w)
            α(h)    = (1 − Σ_seen P*(w|h)) / (1 − Σ_seen P(w|h′))  (weight of unseen w)

        Σ_seen P(w|h′) needs only the seen branch of order k−1 (c(h,w) > 0 ⇒ c(h′,w) > 0),
        so the orders are filled bottom-up without recursion. Two fall-backs keep every
        distribution normalised and, where possible, non-zero:
          "plain"    1 − Σ_seen P(w|h′) = 0 (h was followed by every token the lower order
                     can give mass to): P*(w|h) = c(h,w)/c(h), α(h) = 0;
          "reserve"  nothing was discounted (every count above k=5, or the GT estimate
                     unusable) but unseen tokens remain: P*(w|h) = c(h,w)/(c(h) + 1), as
                     if one more, unseen, token had followed h; α(h) takes the 1/(c(h)+1).
        """
        self.katz_discounts, self.katz_alpha, self.katz_mode = {}, {}, {}
        for k in range(1, self.order + 1):
            table = self.tables[k]
            self.katz_discounts[k] = good_turing_discounts(table)
            self.katz_alpha[k], self.katz_mode[k] = {}, {}
            for h in table.followers:
                self._fit_katz_context(k, h)

    def _fit_katz_context(self, k: int, h: tuple) -> None:
        """Choose the mode of context h of order k and its α(h) (see `_fit_katz`)."""
        followers = self.tables[k].followers[h]
        if k == 1:
            lower = len(followers) / self.V  # Σ_seen of the uniform 1/V
        else:
            lower = sum(self._katz_seen(k - 1, h[1:], w) for w in followers)
        self.katz_mode[k][h] = "discounted"
        seen = sum(self._katz_seen(k, h, w) for w in followers)
        if 1 - lower <= 1e-12:
            self.katz_mode[k][h] = "plain"
            self.katz_alpha[k][h] = 0.0
            return
        if 1 - seen <= 1e-12:
            self.katz_mode[k][h] = "reserve"
            seen = sum(self._katz_seen(k, h, w) for w in followers)
        self.katz_alpha[k][h] = max(1 - seen, 0.0) / (1 - lower)

    def _katz_seen(self, k: int, h: tuple, token) -> float:
        """P*(w|h) for a seen (h, w) of order k: d_c·c/c(h), or a fall-back of `_fit_katz`."""
        table = self.tables[k]
        c = table.followers[h][token]
        mode = self.katz_mode[k][h]
        if mode == "plain":
            return c / table.totals[h]
        if mode == "reserve":
            return c / (table.totals[h] + 1)
        return self.katz_discounts[k].get(c, 1.0) * c / table.totals[h]

    def _katz(self, token, history: tuple) -> float:
        """P(w|h) = P*(w|h) if c(h,w) > 0, else α(h)·P(w|h′); from P = 1/V up."""
        p = 1.0 / self.V
        for k in range(1, self.order + 1):
            h = history[len(history) - (k - 1) :]
            followers = self.tables[k].followers.get(h)  # {w: c(h, w)}
            if followers is None:
                continue  # unseen h: P(w|h) = P(w|h′)
            if token in followers:  # c(h, w) > 0
                p = self._katz_seen(k, h, token)
            else:
                p = self.katz_alpha[k][h] * p
        return p

    # ---------------------------------------------------------------- helpers
    def _check_fitted(self) -> None:
        if self.tables is None:
            raise NotFittedError(
                f"NGramLM(order={self.order}, {self.smoothing!r}) has no counts yet: "
                f"call lm.fit(sequences) first"
            )

    def _known(self, token):
        """The token itself if it is in the vocabulary, else "<unk>"."""
        return token if token in self._known_tokens else UNK

    def _history(self, context) -> tuple:
        """The last order-1 tokens of context, "<s>"-padded in front, unknowns as "<unk>"."""
        if self.order == 1:
            return ()
        tokens = [self._known(t) for t in list(context)[-(self.order - 1) :]]
        return tuple([BOS] * (self.order - 1 - len(tokens)) + tokens)

    def __repr__(self) -> str:
        return f"NGramLM(order={self.order}, smoothing={self.smoothing!r})"


def build_vocab(sequences: list, min_count: int) -> tuple:
    """("<s>", "</s>", "<unk>") + the tokens seen at least min_count times, sorted."""
    frequency = Counter()
    for sequence in sequences:
        frequency.update(sequence)
    specials = (BOS, EOS, UNK)
    kept = [t for t, c in frequency.items() if c >= min_count and t not in specials]
    return specials + tuple(sorted(kept, key=str))


def check_arguments(order, smoothing, min_count, gamma, discount, alpha) -> None:
    """Raise ArgumentError for a bad order, smoothing name or keyword value."""
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ArgumentError(f"NGramLM: order must be an int >= 1, got {order!r}")
    if smoothing not in SMOOTHINGS:
        raise ArgumentError(
            f"NGramLM: unknown smoothing {smoothing!r}; choose one of {', '.join(SMOOTHINGS)}"
        )
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ArgumentError(f"NGramLM: min_count must be an int >= 1, got {min_count!r}")
    rules = {"gamma": "> 0", "discount": "in [0, 1]", "alpha": "> 0"}
    owners = {"gamma": "lidstone", "discount": "kneser-ney", "alpha": "stupid-backoff"}
    defaults = {"gamma": 0.5, "discount": 0.75, "alpha": 0.4}
    values = {"gamma": gamma, "discount": discount, "alpha": alpha}
    for name, value in values.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        valid = number and (0 <= value <= 1 if name == "discount" else value > 0)
        if not valid:
            raise ArgumentError(f"NGramLM: {name} must be a number {rules[name]}, got {value!r}")
        if value != defaults[name] and smoothing != owners[name]:
            raise ArgumentError(
                f"NGramLM: {name}={value!r} is used only by smoothing={owners[name]!r}, "
                f"not {smoothing!r}"
            )
