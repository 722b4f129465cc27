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

Read next: vocab_checks.py (what it checks), then encoding.py (one-hot and bag-of-words).
"""

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..checks import check_flag, check_int, describe
from .checks import check_iterable, check_path
from .errors import DataError, DataFormatError, UnknownTokenError
from .files import read_text, write_text_atomic
from .vocab_checks import (
    FILE_FORMAT,
    FILE_VERSION,
    as_index_array,
    check_all_strings,
    check_specials,
    check_version,
    checked_texts,
    refuse_bytes,
    saved_string_list,
    tokens_to_encode,
    without_user_line,
)

PAD = "<pad>"
UNK = "<unk>"
BOS = "<bos>"
EOS = "<eos>"
DEFAULT_SPECIALS = (PAD, UNK)
SEQ2SEQ_SPECIALS = (PAD, UNK, BOS, EOS)

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
    if not isinstance(text, str):
        raise DataError(f"tokenize_words: text must be a str, got {describe(text)}")
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
        self.specials = check_specials(specials)
        self.itos: list[str] = list(self.specials)
        self.stoi: dict[str, int] = {token: index for index, token in enumerate(self.itos)}
        for token in _token_iterable(tokens, type(self), type(self).__name__):
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
        token = str(token)  # a plain str, also for numpy's np.str_ (JSON, repr, ==)
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
        where = f"{cls.__name__}.build"
        specials = check_specials(specials)
        check_int(min_freq, "min_freq", where, error=DataError, minimum=1)
        if max_size is not None:
            check_int(max_size, "max_size", where, error=DataError)
        if max_size is not None and max_size < len(specials):
            raise DataError(
                f"{where}: max_size={max_size} leaves no room for the "
                f"{len(specials)} special tokens {specials}"
            )
        counts = count_tokens(_token_iterable(tokens, cls, where), where)
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
        if isinstance(text, str):
            texts = [text]
        else:
            texts = checked_texts(text, f"{cls.__name__}.from_text")
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
        """The index of `token`; `<unk>`'s index if unknown, or UnknownTokenError.

        A token is a str: `vocab.lookup(3)` is a DataError (the token of index 3 is
        `vocab.itos[3]`), not a silent `<unk>`.
        """
        index = self.stoi.get(token) if isinstance(token, str) else None
        if index is not None:
            return index
        return self._unknown_token_index(token)

    def _unknown_token_index(self, token) -> int:
        """`lookup` of a token that is not in the vocabulary: `<unk>`, or an error."""
        name = type(self).__name__
        if not isinstance(token, str):
            hint = ""
            if isinstance(token, (int, np.integer)) and not isinstance(token, bool):
                hint = f"; the token of index {token} is vocab.itos[{token}]"
            raise DataError(f"{name}: tokens are strings, got {describe(token)}{hint}")
        self._check_unknown_token(token)
        if self.unk_index is not None:
            return self.unk_index
        raise UnknownTokenError(
            f"{name}: token {token!r} is not in the vocabulary of "
            f"{len(self)} tokens and there is no {UNK!r} to map it to; build the vocabulary "
            f"with specials including {UNK!r}, or from text that contains {token!r}"
            f""
        )

    def _check_unknown_token(self, token: str) -> None:
        """Hook for a token that is not in the vocabulary (CharVocab refuses "he")."""

    def encode(
        self, text: str | Iterable[str], add_bos: bool = False, add_eos: bool = False
    ) -> np.ndarray:
        """Indices of a text (tokenized first) or of a list of tokens, int64 of shape (n,).

        `add_bos` / `add_eos` put `<bos>` / `<eos>` around it (the vocabulary must have
        them, e.g. ``specials=SEQ2SEQ_SPECIALS``).
        """
        where = f"{type(self).__name__}.encode"
        check_flag(add_bos, "add_bos", where, error=DataError)
        check_flag(add_eos, "add_eos", where, error=DataError)
        tokens = self.tokenize(text) if isinstance(text, str) else tokens_to_encode(text, where)
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
        where = f"{type(self).__name__}.decode"
        check_flag(skip_specials, "skip_specials", where, error=DataError)
        check_flag(until_eos, "until_eos", where, error=DataError)
        flat = as_index_array(indices, where)
        if flat.ndim != 1:
            raise DataError(
                f"{where}: expected one sequence (1-D), got shape "
                f"{flat.shape}; decode each row of a batch separately"
            )
        tokens = []
        eos = self.eos_index
        for index in flat.tolist():
            if index < 0 or index >= len(self.itos):
                raise DataError(
                    f"{where}: index {index} is out of range for a "
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
        return isinstance(token, str) and token in self.stoi

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
        check_path(path, f"{type(self).__name__}.save")
        if Path(path).is_dir():
            raise DataError(
                f"{type(self).__name__}.save: {str(path)!r} is a folder; pass a file path "
                f"such as {str(Path(path) / 'vocab.json')!r}"
            )
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        return write_text_atomic(path, text + "\n")

    @classmethod
    def from_dict(cls, description: dict, source: str = "vocabulary") -> "Vocab":
        """The inverse of `to_dict`; `cls` must match the saved class (Vocab loads any)."""
        if not isinstance(description, dict) or description.get("format") != FILE_FORMAT:
            raise DataFormatError(f"{source} is not a tinygrad_rnn vocabulary file")
        check_version(description.get("version"), source)
        saved_name = description.get("class")
        saved_class = VOCAB_CLASSES.get(saved_name) if isinstance(saved_name, str) else None
        if saved_class is None:
            raise DataFormatError(f"{source}: unknown vocabulary class {saved_name!r}")
        if cls is not Vocab and saved_class is not cls:
            loader = "Vocab.load" if saved_class is Vocab else f"{saved_class.__name__}.load"
            raise DataFormatError(
                f"{source} holds a {saved_class.__name__}, not a {cls.__name__}; load it with "
                f"{loader}"
            )
        tokens = saved_string_list(description, "tokens", source)
        specials = saved_string_list(description, "specials", source)
        try:
            return saved_class(tokens, specials=specials)
        except DataError as error:
            raise DataFormatError(f"{source} is damaged: {without_user_line(error)}") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by `save` (Vocab.load returns the saved subclass)."""
        check_path(path, f"{cls.__name__}.load")
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

    def _check_unknown_token(self, token: str) -> None:
        """A CharVocab maps single characters: an unknown "he" is a mistake, not an <unk>."""
        if len(token) != 1:
            raise DataError(
                f"CharVocab: {token!r} is {len(token)} characters, but a CharVocab maps single "
                f"characters; encode a text with vocab.encode({token!r})"
            )


class WordVocab(Vocab):
    """A vocabulary of words: text is split by `tokenize_words`; decode joins with " "."""

    joiner = " "

    def tokenize(self, text: str) -> list[str]:
        return tokenize_words(text)


VOCAB_CLASSES = {"Vocab": Vocab, "CharVocab": CharVocab, "WordVocab": WordVocab}


def count_tokens(tokens: Iterable, where: str = "count_tokens") -> Counter:
    """Counts of the tokens in an iterable of tokens or of token lists (all str)."""
    counts: Counter = Counter()
    for item in tokens:
        if isinstance(item, str):
            counts[item] += 1
        elif isinstance(item, (list, tuple, np.ndarray)):
            check_all_strings(item, where)
            counts.update(item)
        else:
            raise DataError(
                f"{where}: tokens must be strings, or lists of strings (one list per "
                f"sentence), got {describe(item)}"
            )
    return counts


def _token_iterable(tokens, cls, where: str) -> Iterable:
    """`tokens` checked to be an iterable of tokens (not None, a number, or bytes).

    A str is an iterable of characters: right for a CharVocab, but for a Vocab or
    WordVocab it is almost always a text that should have been tokenized first.
    """
    if isinstance(tokens, str) and not issubclass(cls, CharVocab):
        raise DataError(
            f"{where}: got one str as the list of tokens, which would make every character a "
            f"token; pass a list of tokens, or build from text with {cls.__name__}.from_text"
            f""
        )
    refuse_bytes(tokens, where)
    check_iterable(tokens, "tokens must be a list of strings", where)
    return tokens
