"""Vocabularies: the two-way map between tokens (characters or words) and integer indices.

    vocab = CharVocab.from_text("hello world")
    vocab.itos            # ['<pad>', '<unk>', 'l', 'o', ' ', 'd', 'e', 'h', 'r', 'w']
    vocab.encode("hold")  # array([7, 3, 2, 5])
    vocab.decode([7, 6, 2, 2, 3])   # 'hello'

A network never sees a token, only its index: an embedding row (nn.Embedding), a one-hot
column (encoding.py) or a bag-of-words count (encoding.py).

Index layout (deterministic, so a saved model and its vocabulary always agree):
- the special tokens come first, in the order given by `specials`; by default
  ``("<pad>", "<unk>")`` so `<pad>` is index 0 and `<unk>` index 1. For seq2seq pass
  ``specials=SEQ2SEQ_SPECIALS`` = ``("<pad>", "<unk>", "<bos>", "<eos>")``.
- `build` / `from_text` then list the other tokens by **descending frequency**, ties
  broken **alphabetically** (by Unicode code point: ' ' < 'A' < 'a'), so the same corpus
  always gives the same indices, whatever order the tokens arrived in.
- the constructor `CharVocab(tokens)` keeps the order you give it.

A token that is not in the vocabulary encodes as `<unk>`; a vocabulary without `<unk>`
(``specials=()``, e.g. for the "hello" model's 4 characters) raises UnknownTokenError
naming the token. `save(path)` / `load(path)` use a small JSON file.

Read next: encoding.py (one-hot and bag-of-words).
"""

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .errors import DataError, DataFormatError, UnknownTokenError
from .files import read_text, write_text_atomic

PAD = "<pad>"
UNK = "<unk>"
BOS = "<bos>"
EOS = "<eos>"
DEFAULT_SPECIALS = (PAD, UNK)
SEQ2SEQ_SPECIALS = (PAD, UNK, BOS, EOS)

FILE_FORMAT = "tinygrad_rnn.vocab"
FILE_VERSION = 1

# A word is a run of letters/digits, with inner apostrophes kept ("don't", "o'clock");
# every other non-space character (punctuation) is a token of its own.
WORD_PATTERN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


def tokenize_words(text: str) -> list[str]:
    """Lowercase `text` and split it into words and punctuation marks.

        tokenize_words("Don't stop, Bob!")  ->  ["don't", "stop", ",", "bob", "!"]

    The rule is the regular expression ``\\w+(?:'\\w+)*|[^\\w\\s]``: a word is a run of
    letters, digits or underscores with apostrophes allowed inside; each remaining
    non-space character is its own token; whitespace separates and is dropped.
    """
    return WORD_PATTERN.findall(text.lower())


def frequency_order(counts: Counter) -> list[str]:
    """The tokens of `counts` by descending count, ties in alphabetical order."""
    pairs = sorted(counts.items(), key=_count_then_token)
    return [token for token, _ in pairs]


def _count_then_token(pair: tuple[str, int]) -> tuple[int, str]:
    token, count = pair
    return (-count, token)


class Vocab:
    """A token <-> index map with special tokens first (base of CharVocab and WordVocab).

    The base class splits text on whitespace; CharVocab uses characters, WordVocab
    `tokenize_words`. Attributes: `itos` (list, index -> token), `stoi` (dict, token ->
    index), `specials` (tuple), and `pad_index`, `unk_index`, `bos_index`, `eos_index`
    (int, or None when that special is absent).
    """

    joiner = " "  # what `decode` puts between tokens

    def __init__(self, tokens: Iterable[str] = (), specials: Sequence[str] = DEFAULT_SPECIALS):
        self.specials = _check_specials(specials)
        self.itos: list[str] = list(self.specials)
        self.stoi: dict[str, int] = {token: index for index, token in enumerate(self.itos)}
        for token in tokens:
            self._append(token)

    def _append(self, token: str) -> None:
        if not isinstance(token, str):
            raise DataError(
                f"{type(self).__name__}: tokens must be strings, got {type(token).__name__} "
                f"{token!r}"
            )
        if token in self.stoi:
            raise DataError(
                f"{type(self).__name__}: token {token!r} is listed twice (index "
                f"{self.stoi[token]} already); pass each token once"
            )
        self.stoi[token] = len(self.itos)
        self.itos.append(token)

    # ---- building --------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        tokens: Iterable,
        min_freq: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = DEFAULT_SPECIALS,
    ) -> "Vocab":
        """A vocabulary of the tokens seen in `tokens`, most frequent first.

        `tokens` is an iterable of tokens, or of token lists (one per sentence).
        Tokens seen fewer than `min_freq` times are left out (they will encode as
        `<unk>`). `max_size` caps the total size *including* the specials, so
        `len(vocab) <= max_size` and an embedding table can be sized from it. Ties in
        frequency are broken alphabetically, so the result does not depend on order.
        """
        specials = _check_specials(specials)
        if min_freq < 1:
            raise DataError(f"{cls.__name__}.build: min_freq must be >= 1, got {min_freq}")
        if max_size is not None and max_size < len(specials):
            raise DataError(
                f"{cls.__name__}.build: max_size={max_size} leaves no room for the "
                f"{len(specials)} special tokens {specials}"
            )
        counts = count_tokens(tokens)
        for special in specials:
            counts.pop(special, None)
        ordered = [token for token in frequency_order(counts) if counts[token] >= min_freq]
        if max_size is not None:
            ordered = ordered[: max_size - len(specials)]
        return cls(ordered, specials=specials)

    @classmethod
    def from_text(
        cls,
        text: str | Iterable[str],
        min_freq: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = DEFAULT_SPECIALS,
    ) -> "Vocab":
        """`build` from one text or a list of texts, split with this class's tokenizer."""
        texts = [text] if isinstance(text, str) else text
        tokenizer = cls(specials=()).tokenize
        token_lists = [tokenizer(one_text) for one_text in texts]
        return cls.build(token_lists, min_freq=min_freq, max_size=max_size, specials=specials)

    # ---- lookups ---------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        """Split `text` into tokens (the base class: on whitespace)."""
        return text.split()

    @property
    def pad_index(self) -> int | None:
        return self.stoi.get(PAD)

    @property
    def unk_index(self) -> int | None:
        return self.stoi.get(UNK)

    @property
    def bos_index(self) -> int | None:
        return self.stoi.get(BOS)

    @property
    def eos_index(self) -> int | None:
        return self.stoi.get(EOS)

    def lookup(self, token: str) -> int:
        """The index of `token`; `<unk>`'s index if unknown, or UnknownTokenError."""
        index = self.stoi.get(token)
        if index is not None:
            return index
        if self.unk_index is not None:
            return self.unk_index
        raise UnknownTokenError(
            f"{type(self).__name__}: token {token!r} is not in the vocabulary of "
            f"{len(self)} tokens and there is no {UNK!r} to map it to; build the vocabulary "
            f"with specials including {UNK!r}, or from text that contains {token!r}"
        )

    def encode(
        self, text: str | Iterable[str], add_bos: bool = False, add_eos: bool = False
    ) -> np.ndarray:
        """Indices of a text (tokenized first) or of a list of tokens, int64 of shape (n,).

        `add_bos` / `add_eos` put `<bos>` / `<eos>` around it (the vocabulary must have
        them, e.g. ``specials=SEQ2SEQ_SPECIALS``).
        """
        tokens = self.tokenize(text) if isinstance(text, str) else list(text)
        indices = [self.lookup(token) for token in tokens]
        if add_bos:
            indices.insert(0, self._special_index(BOS, "add_bos"))
        if add_eos:
            indices.append(self._special_index(EOS, "add_eos"))
        return np.array(indices, dtype=np.int64)

    def decode(self, indices, skip_specials: bool = False, until_eos: bool = False) -> str:
        """The text of a 1-D sequence of indices (list, numpy array or int Tensor).

        `until_eos` stops at the first `<eos>` (what a decoder produced after it is
        dropped); `skip_specials` leaves out every special token (`<pad>`, `<bos>` ...).
        """
        flat = _as_index_array(indices, f"{type(self).__name__}.decode")
        if flat.ndim != 1:
            raise DataError(
                f"{type(self).__name__}.decode: expected one sequence (1-D), got shape "
                f"{flat.shape}; decode each row of a batch separately"
            )
        tokens = []
        eos = self.eos_index
        for index in flat.tolist():
            if index < 0 or index >= len(self.itos):
                raise DataError(
                    f"{type(self).__name__}.decode: index {index} is out of range for a "
                    f"vocabulary of {len(self)} tokens (valid: 0..{len(self) - 1})"
                )
            if until_eos and index == eos:
                break
            if skip_specials and index < len(self.specials):
                continue
            tokens.append(self.itos[index])
        return self.joiner.join(tokens)

    def _special_index(self, special: str, option: str) -> int:
        index = self.stoi.get(special)
        if index is None:
            raise DataError(
                f"{type(self).__name__}.encode({option}=True): the vocabulary has no "
                f"{special!r}; build it with specials=SEQ2SEQ_SPECIALS"
            )
        return index

    # ---- container protocol ----------------------------------------------------------

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __iter__(self) -> Iterator[str]:
        return iter(self.itos)

    def __getitem__(self, token: str) -> int:
        """`vocab["a"]` is `vocab.lookup("a")` (torchtext's spelling)."""
        return self.lookup(token)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.itos == other.itos and self.specials == other.specials

    __hash__ = None  # mutable-looking container: not hashable, like list

    def __repr__(self) -> str:
        shown = " ".join(repr(token) for token in self.itos[:12])
        more = " ..." if len(self) > 12 else ""
        return f"{type(self).__name__}({len(self)} tokens: {shown}{more})"

    # ---- save / load -----------------------------------------------------------------

    def to_dict(self) -> dict:
        """A JSON-ready description: class name, specials, and the other tokens in order."""
        return {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "class": type(self).__name__,
            "specials": list(self.specials),
            "tokens": self.itos[len(self.specials) :],
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON (atomically: temp file + os.replace); returns path."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        return write_text_atomic(path, text + "\n")

    @classmethod
    def from_dict(cls, description: dict, source: str = "vocabulary") -> "Vocab":
        """The inverse of `to_dict`; `cls` must match the saved class (Vocab loads any)."""
        if not isinstance(description, dict) or description.get("format") != FILE_FORMAT:
            raise DataFormatError(f"{source} is not a tinygrad_rnn vocabulary file")
        saved_class = VOCAB_CLASSES.get(description.get("class"))
        if saved_class is None:
            raise DataFormatError(
                f"{source}: unknown vocabulary class {description.get('class')!r}"
            )
        if cls is not Vocab and saved_class is not cls:
            raise DataFormatError(
                f"{source} holds a {saved_class.__name__}, not a {cls.__name__}; load it with "
                f"{saved_class.__name__}.load or Vocab.load"
            )
        try:
            return saved_class(description["tokens"], specials=description["specials"])
        except (KeyError, TypeError, DataError) as error:
            raise DataFormatError(f"{source} is damaged: {error}") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by `save` (Vocab.load returns the saved subclass)."""
        text = read_text(path, what="vocabulary file")
        try:
            description = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataFormatError(
                f"vocabulary file {str(path)!r} is not valid JSON: {error}"
            ) from None
        return cls.from_dict(description, source=f"vocabulary file {str(path)!r}")


class CharVocab(Vocab):
    """A vocabulary of characters: `tokenize("abc")` is `["a", "b", "c"]`; decode joins with ""."""

    joiner = ""

    def tokenize(self, text: str) -> list[str]:
        return list(text)


class WordVocab(Vocab):
    """A vocabulary of words: text is split by `tokenize_words`; decode joins with " "."""

    joiner = " "

    def tokenize(self, text: str) -> list[str]:
        return tokenize_words(text)


VOCAB_CLASSES = {"Vocab": Vocab, "CharVocab": CharVocab, "WordVocab": WordVocab}


def count_tokens(tokens: Iterable) -> Counter:
    """Counts of the tokens in an iterable of tokens or of token lists."""
    counts: Counter = Counter()
    for item in tokens:
        if isinstance(item, str):
            counts[item] += 1
        else:
            counts.update(item)
    return counts


def _check_specials(specials: Sequence[str]) -> tuple[str, ...]:
    if isinstance(specials, str):
        raise DataError(
            f"specials must be a sequence of strings, e.g. ({specials!r},), not a string"
        )
    specials = tuple(specials)
    for special in specials:
        if not isinstance(special, str):
            raise DataError(f"special tokens must be strings, got {special!r}")
    if len(set(specials)) != len(specials):
        raise DataError(f"special tokens must be distinct, got {specials}")
    return specials


def _as_index_array(indices, where: str) -> np.ndarray:
    """A numpy integer array from a list, array or int Tensor (anything with `.numpy()`)."""
    if hasattr(indices, "numpy"):
        indices = indices.numpy()
    array = np.asarray(indices)
    if array.size == 0:
        return array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise DataError(f"{where}: indices must be integers, got dtype {array.dtype}")
    return array.astype(np.int64)
