"""What the vocabularies (vocab.py) check: the tokens, texts, specials and indices they
are given, and the JSON file `Vocab.load` reads. Each check raises DataError (a call's
mistake, " — at file:line" appended) or DataFormatError (a damaged or foreign file).

Read next: encoding.py (one-hot and bag-of-words).
"""

from collections.abc import Iterable, Sequence

import numpy as np

from ..checks import describe
from .checks import as_numpy, check_iterable
from .errors import DataError, DataFormatError

FILE_FORMAT = "tinygrad_rnn.vocab"
FILE_VERSION = 1


def check_all_strings(tokens: Sequence, where: str) -> None:
    for token in tokens:
        if not isinstance(token, str):
            raise DataError(
                f"{where}: tokens must be strings, got {describe(token)} in a token list"
            )


def checked_texts(texts, where: str) -> list[str]:
    """The texts for `from_text`: a list (or other iterable) of str."""
    refuse_bytes(texts, where)
    check_iterable(texts, "text must be a str or a list of str", where)
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise DataError(
                f"{where}: text must be a str or a list of str, got a list holding "
                f"{describe(text)}; for lists of tokens use {where.split('.')[0]}.build"
                f""
            )
    return texts


def tokens_to_encode(tokens, where: str) -> list:
    """The tokens `encode` was given instead of a text: a list of str (checked by lookup)."""
    refuse_bytes(tokens, where)
    check_iterable(tokens, "expected a text (str) or a list of tokens", where)
    return list(tokens)


def refuse_bytes(value, where: str) -> None:
    """bytes are an iterable of small ints, not of tokens: ask for a decoded str."""
    if isinstance(value, (bytes, bytearray)):
        raise DataError(f"{where}: got bytes; decode them first, e.g. data.decode('utf-8')")


def check_specials(specials: Sequence[str]) -> tuple[str, ...]:
    if isinstance(specials, str):
        raise DataError(
            f"specials must be a sequence of strings, e.g. ({specials!r},), not a string"
        )
    if not isinstance(specials, Iterable):
        raise DataError(
            f"specials must be a sequence of strings such as ('<pad>', '<unk>'), or () for "
            f"none; got {describe(specials)}"
        )
    specials = tuple(specials)
    for special in specials:
        if not isinstance(special, str):
            raise DataError(f"special tokens must be strings, got {special!r}")
    if len(set(specials)) != len(specials):
        raise DataError(f"special tokens must be distinct, got {specials}")
    return specials


def check_version(version, source: str) -> None:
    """The file's format version: an int this code can read (1 .. FILE_VERSION)."""
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DataFormatError(f"{source} is damaged: its version is {version!r}, not 1")
    if version > FILE_VERSION:
        raise DataFormatError(
            f"{source} has format version {version}, newer than this tinygrad_rnn reads "
            f"({FILE_VERSION}); upgrade tinygrad_rnn to read it"
        )


def saved_string_list(description: dict, key: str, source: str) -> list:
    """description[key] as a list of str, or DataFormatError naming the file."""
    if key not in description:
        raise DataFormatError(f"{source} is damaged: it has no {key!r} entry")
    value = description[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DataFormatError(
            f"{source} is damaged: {key!r} must be a list of strings, got {describe(value)}"
        )
    return value


def as_index_array(indices, where: str) -> np.ndarray:
    """A numpy integer array from a list, array or int Tensor (anything with `.numpy()`)."""
    array = as_numpy(indices)
    if array.size == 0:
        return array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise DataError(f"{where}: indices must be integers, got dtype {array.dtype}")
    return array.astype(np.int64)


def without_user_line(error: Exception) -> str:
    """An error's message without its ' — at file:line' (a file's problem, not a call's)."""
    return str(error).split(" — at ")[0]
