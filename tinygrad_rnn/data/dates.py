"""The date-translation task for seq2seq with attention: human-written dates -> ISO dates.

    "23 november 2026"      -> "2026-11-23"
    "11/23/26"              -> "2026-11-23"
    "monday, nov 23 2026"   -> "2026-11-23"
    "23.11.2026"            -> "2026-11-23"
    "Nov 23, 2026"          -> "2026-11-23"

Attention matters here: to write the month digits the decoder must look at the month
word (or the right number) wherever the format put it. Dates are drawn uniformly from
1969-01-01 to 2068-12-31 - exactly the 100 years in which a two-digit year is unambiguous
(Python's `%y`: 69-99 -> 19xx, 00-68 -> 20xx) - and written in one of `DATE_FORMATS`
with English month and weekday names (the weekday is computed by `datetime`, so it is
always the right one). Every source string has exactly one ISO target.

    task = date_translation_task(n_train=10_000, n_val=1_000, seed=0)
    task.train_pairs[0]                  # ('Thu, 5 Jul 1973', '1973-07-05') for example
    arrays = task.arrays("train")        # DateArrays: padded int64 index arrays
    arrays.src       # (N, S) source characters, <pad> after the end; src_lengths (N,)
    arrays.tgt_in    # (N, 11) <bos> y_1 .. y_10       - the decoder's input (teacher forcing)
    arrays.tgt_out   # (N, 11) y_1 .. y_10 <eos>       - what it must predict at each step

Training and validation pairs are distinct source strings (no pair occurs in both).

Read next: examples/ for the seq2seq lesson that trains on it.
"""

import datetime
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..checks import check_int, describe
from .checks import check_iterable, make_rng
from .errors import DataError
from .sequences import pad_sequences
from .vocab import DEFAULT_SPECIALS, SEQ2SEQ_SPECIALS, CharVocab

DATE_START = datetime.date(1969, 1, 1)
DATE_END = datetime.date(2068, 12, 31)

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Templates for str.format. Fields: d/dd day (unpadded/2 digits), m/mm month number,
# yy/yyyy year, month/Month/MONTH month name, mon/Mon 3-letter month, weekday/Weekday
# weekday name, wkd/Wkd 3-letter weekday. Day-first numeric dates use ".", month-first
# ones "/", and two-digit years never meet four-digit ones, so no string is ambiguous.
DATE_FORMATS = (
    "{d} {month} {yyyy}",  # 23 november 2026
    "{mm}/{dd}/{yy}",  # 11/23/26
    "{weekday}, {mon} {d} {yyyy}",  # monday, nov 23 2026
    "{dd}.{mm}.{yyyy}",  # 23.11.2026
    "{Mon} {d}, {yyyy}",  # Nov 23, 2026
    "{Month} {d}, {yyyy}",  # November 23, 2026
    "{d} {Mon} {yyyy}",  # 23 Nov 2026
    "{Weekday} {d} {Month} {yyyy}",  # Monday 23 November 2026
    "{m}/{d}/{yyyy}",  # 11/23/2026
    "{d}.{m}.{yy}",  # 23.11.26
    "{Wkd}, {d} {Mon} {yyyy}",  # Mon, 23 Nov 2026
    "{dd} {MONTH} {yyyy}",  # 23 NOVEMBER 2026
    "{yyyy}/{mm}/{dd}",  # 2026/11/23
    "{month} {d} {yyyy}",  # november 23 2026
    "{d}-{mon}-{yy}",  # 23-nov-26
    "{wkd} {mon} {dd} {yyyy}",  # mon nov 23 2026
)

# The fields a template may use (see the comment above DATE_FORMATS).
TEMPLATE_FIELDS = (
    "d", "dd", "m", "mm", "yy", "yyyy", "month", "Month", "MONTH", "mon", "Mon",
    "weekday", "Weekday", "wkd", "Wkd",
)  # fmt: skip


def format_date(day: datetime.date, template: str) -> str:
    """Write `day` with one of the DATE_FORMATS templates (English names, any locale)."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise DataError(f"format_date: day must be a datetime.date, got {describe(day)}")
    if not isinstance(template, str):
        raise DataError(
            f"format_date: template must be a str such as '{{d}} {{month}} {{yyyy}}', got "
            f"{describe(template)}"
        )
    month = MONTHS[day.month - 1]
    weekday = WEEKDAYS[day.weekday()]  # Monday is 0
    fields = {
        "d": str(day.day),
        "dd": f"{day.day:02d}",
        "m": str(day.month),
        "mm": f"{day.month:02d}",
        "yy": f"{day.year % 100:02d}",
        "yyyy": f"{day.year:04d}",
        "month": month,
        "Month": month.capitalize(),
        "MONTH": month.upper(),
        "mon": month[:3],
        "Mon": month[:3].capitalize(),
        "weekday": weekday,
        "Weekday": weekday.capitalize(),
        "wkd": weekday[:3],
        "Wkd": weekday[:3].capitalize(),
    }
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        _check_template(template, "format_date")  # names the field that is wrong
        raise


def _check_template(template, where: str) -> None:
    """A DataError unless `template` is a str using only TEMPLATE_FIELDS, by name."""
    if not isinstance(template, str):
        raise DataError(
            f"{where}: every template must be a str such as '{{d}} {{month}} {{yyyy}}', got "
            f"{describe(template)}"
        )
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:  # a lone "{" or "}"
        raise DataError(
            f"{where}: template {template!r} is not a valid format string ({error}); write "
            f"a literal brace as {{{{ or }}}}"
        ) from None
    for _, field, _, _ in parsed:
        if field == "" or (field is not None and field.isdigit()):
            raise DataError(
                f"{where}: template {template!r} has a positional field {{{field}}}; name "
                f"each field, e.g. '{{d}} {{month}} {{yyyy}}'"
            )
        if field is not None and field not in TEMPLATE_FIELDS:
            raise DataError(
                f"{where}: template {template!r} uses the field {{{field}}}, which is not "
                f"one of {', '.join(TEMPLATE_FIELDS)}"
            )


def _check_formats(formats, where: str) -> tuple[str, ...]:
    """The templates as a non-empty tuple of valid template strings."""
    if isinstance(formats, str):
        raise DataError(
            f"{where}: formats must be a list of templates, got one str; for a single "
            f"template write formats=({formats!r},)"
        )
    check_iterable(formats, "formats must be a list of template strings", where)
    formats = tuple(formats)
    if len(formats) == 0:
        raise DataError(f"{where}: formats is empty; pass at least one template")
    for template in formats:
        _check_template(template, where)
    return formats


def _check_date_range(start, end, where: str) -> int:
    """The number of days in start..end (both included); both must be datetime.date."""
    for name, day in (("start", start), ("end", end)):
        if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
            raise DataError(
                f"{where}: {name} must be a datetime.date, e.g. datetime.date(2000, 1, 1), "
                f"got {describe(day)}"
            )
    span = (end - start).days + 1
    if span < 1:
        raise DataError(f"{where}: end {end} is before start {start}")
    return span


def random_dates(
    n: int,
    seed: int | np.random.Generator = 0,
    start: datetime.date = DATE_START,
    end: datetime.date = DATE_END,
) -> list[datetime.date]:
    """`n` dates drawn uniformly from start..end (both included)."""
    check_int(n, "n", "random_dates", error=DataError, minimum=0)
    rng = make_rng(seed, "random_dates")
    span = _check_date_range(start, end, "random_dates")
    offsets = rng.integers(0, span, size=n)
    return [start + datetime.timedelta(days=int(offset)) for offset in offsets]


def date_pairs(
    n: int,
    seed: int | np.random.Generator = 0,
    formats: Sequence[str] = DATE_FORMATS,
    start: datetime.date = DATE_START,
    end: datetime.date = DATE_END,
) -> list[tuple[str, str]]:
    """`n` distinct (human date, ISO date) pairs, in random order (seeded).

    Each pair draws a date uniformly from start..end and a template uniformly from
    `formats`; a source string already drawn is drawn again, so all n differ.
    """
    check_int(n, "n", "date_pairs", error=DataError, minimum=1)
    formats = _check_formats(formats, "date_pairs")
    possible = _check_date_range(start, end, "date_pairs") * len(formats)
    if n > possible // 2:
        raise DataError(
            f"date_pairs: {n} distinct pairs is too many for {possible} possible "
            f"(date, format) combinations; widen start..end or ask for fewer"
        )
    rng = make_rng(seed, "date_pairs")
    pairs: dict[str, str] = {}  # source -> target, insertion-ordered
    rounds_without_news = 0
    while len(pairs) < n:
        found_before = len(pairs)
        days = random_dates(max(n - len(pairs), 256), rng, start, end)
        choices = rng.integers(0, len(formats), size=len(days))
        for day, choice in zip(days, choices):
            source = format_date(day, formats[int(choice)])
            if source not in pairs:
                pairs[source] = day.isoformat()
                if len(pairs) == n:
                    break
        rounds_without_news = rounds_without_news + 1 if len(pairs) == found_before else 0
        if rounds_without_news == 20:  # 5 000+ draws, nothing new: n strings do not exist
            raise DataError(
                f"date_pairs: found only {len(pairs)} distinct source strings, {n} were "
                f"asked for; these formats write too few different dates in {start}..{end}"
                f""
            )
    return list(pairs.items())


def date_vocabs(formats: Sequence[str] = DATE_FORMATS) -> tuple[CharVocab, CharVocab]:
    """(source, target) character vocabularies for the date task.

    Source: every character any template can write (digits, letters of the names,
    separators), sorted, after `<pad>`, `<unk>`. Target: the 11 characters "-0123456789"
    after `<pad>`, `<unk>`, `<bos>`, `<eos>`. Fixed alphabets, so the vocabularies do not
    depend on which dates were drawn.
    """
    formats = _check_formats(formats, "date_vocabs")
    characters: set[str] = set()
    a_year = [datetime.date(2000, 1, 1) + datetime.timedelta(days=k) for k in range(366)]
    for template in formats:
        for day in a_year:  # every month and weekday name, every day and month number
            characters.update(format_date(day, template))
    characters.update("0123456789")  # all year digits
    source = CharVocab(sorted(characters), specials=DEFAULT_SPECIALS)
    target = CharVocab(sorted("0123456789-"), specials=SEQ2SEQ_SPECIALS)
    return source, target


class DateArrays(NamedTuple):
    """Padded index arrays of date pairs (see `encode_date_pairs`)."""

    src: np.ndarray  # (N, S) int64, <pad> after the end
    src_lengths: np.ndarray  # (N,) int64
    tgt_in: np.ndarray  # (N, T) int64: <bos> y_1 .. y_n, then <pad>
    tgt_out: np.ndarray  # (N, T) int64: y_1 .. y_n <eos>, then <pad>
    tgt_lengths: np.ndarray  # (N,) int64 = n + 1


def encode_date_pairs(
    pairs: Sequence[tuple[str, str]], src_vocab: CharVocab, tgt_vocab: CharVocab
) -> DateArrays:
    """Encode (source, target) string pairs into padded arrays for teacher forcing.

    tgt_in[i] = <bos> y_1 .. y_n and tgt_out[i] = y_1 .. y_n <eos>: at decoder step t the
    input is tgt_in[:, t] and the label is tgt_out[:, t]. Padding is `<pad>` (index 0).
    A source character outside src_vocab becomes `<unk>` (the model reads it as "some
    other character"); a target character outside tgt_vocab is a DataError, since the
    decoder could never write it.
    """
    _check_date_vocabs(src_vocab, tgt_vocab)
    pairs = _check_pairs(pairs)
    _check_targets_known(pairs, tgt_vocab)
    sources = [src_vocab.encode(source) for source, _ in pairs]
    targets = [tgt_vocab.encode(target) for _, target in pairs]
    bos = np.array([tgt_vocab.bos_index], dtype=np.int64)
    eos = np.array([tgt_vocab.eos_index], dtype=np.int64)
    src, src_lengths = pad_sequences(sources, pad_value=src_vocab.pad_index)  # (N, S)
    tgt_in, tgt_lengths = pad_sequences(
        [np.concatenate([bos, target]) for target in targets], pad_value=tgt_vocab.pad_index
    )  # (N, T)
    tgt_out, _ = pad_sequences(
        [np.concatenate([target, eos]) for target in targets], pad_value=tgt_vocab.pad_index
    )  # (N, T)
    return DateArrays(src, src_lengths, tgt_in, tgt_out, tgt_lengths)


def _check_date_vocabs(src_vocab, tgt_vocab) -> None:
    """src_vocab needs <pad>; tgt_vocab needs <pad>, <bos> and <eos> (SEQ2SEQ_SPECIALS)."""
    for name, vocab, needed in (
        ("src_vocab", src_vocab, ("pad",)),
        ("tgt_vocab", tgt_vocab, ("pad", "bos", "eos")),
    ):
        if not isinstance(vocab, CharVocab):
            raise DataError(
                f"encode_date_pairs: {name} must be a CharVocab (see date_vocabs()), got "
                f"{describe(vocab)}"
            )
        missing = [f"<{special}>" for special in needed if vocab.stoi.get(f"<{special}>") is None]
        if missing:
            raise DataError(
                f"encode_date_pairs: {name} has no {' or '.join(missing)}; build it with "
                f"specials=SEQ2SEQ_SPECIALS, or pass the vocabularies in the order "
                f"(src_vocab, tgt_vocab) = date_vocabs()"
            )


def _check_pairs(pairs) -> list[tuple[str, str]]:
    """pairs as a non-empty list of (source str, target str)."""
    if isinstance(pairs, str) or not isinstance(pairs, Iterable):
        raise DataError(
            f"encode_date_pairs: pairs must be a list of (source, target) string pairs, got "
            f"{describe(pairs)}"
        )
    pairs = list(pairs)
    if len(pairs) == 0:
        raise DataError("encode_date_pairs: got no pairs")
    for k, pair in enumerate(pairs):
        if (
            not isinstance(pair, (tuple, list))
            or len(pair) != 2
            or not all(isinstance(text, str) for text in pair)
        ):
            raise DataError(
                f"encode_date_pairs: pair {k} must be a (source, target) pair of strings, "
                f"got {describe(pair)}"
            )
    return pairs


def _check_targets_known(pairs: list[tuple[str, str]], tgt_vocab: CharVocab) -> None:
    """Every character of every target must be in tgt_vocab (no silent <unk> to learn)."""
    for k, (_, target) in enumerate(pairs):
        unknown = sorted({char for char in target if char not in tgt_vocab.stoi})
        if unknown:
            raise DataError(
                f"encode_date_pairs: target {k} {target!r} holds {unknown}, which the target "
                f"vocabulary does not have (it writes ISO dates from "
                f"{''.join(tgt_vocab.itos[len(tgt_vocab.specials) :])!r})"
            )


@dataclass
class DateTask:
    """The date-translation data: pairs for each split and the two vocabularies."""

    train_pairs: list[tuple[str, str]]
    val_pairs: list[tuple[str, str]]
    src_vocab: CharVocab
    tgt_vocab: CharVocab

    def pairs(self, split: str) -> list[tuple[str, str]]:
        """The pairs of "train" or "val"."""
        if split == "train":
            return self.train_pairs
        if split in ("val", "validation"):
            return self.val_pairs
        raise DataError(f"DateTask: split must be 'train' or 'val', got {split!r}")

    def arrays(self, split: str) -> DateArrays:
        """Padded index arrays of one split (see `encode_date_pairs`)."""
        return encode_date_pairs(self.pairs(split), self.src_vocab, self.tgt_vocab)


def date_translation_task(
    n_train: int = 10_000,
    n_val: int = 1_000,
    seed: int = 0,
    formats: Sequence[str] = DATE_FORMATS,
) -> DateTask:
    """`n_train` + `n_val` distinct date pairs, split deterministically, with vocabularies.

    The pairs are drawn once (`date_pairs`, all source strings distinct) and cut into the
    first n_train for training and the rest for validation, so no pair is in both.
    """
    check_int(n_train, "n_train", "date_translation_task", error=DataError)
    check_int(n_val, "n_val", "date_translation_task", error=DataError)
    if n_train < 1 or n_val < 1:
        raise DataError(f"date_translation_task: need n_train, n_val >= 1, got {n_train}, {n_val}")
    pairs = date_pairs(n_train + n_val, seed=seed, formats=formats)
    src_vocab, tgt_vocab = date_vocabs(formats)
    return DateTask(pairs[:n_train], pairs[n_train:], src_vocab, tgt_vocab)
