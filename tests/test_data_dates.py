"""The date-translation task: every source parses back (with datetime) to its ISO target."""

import datetime
import re

import numpy as np
import pytest

from tinygrad_rnn.data import (
    DATE_FORMATS,
    DataError,
    date_pairs,
    date_translation_task,
    date_vocabs,
    encode_date_pairs,
    format_date,
    random_dates,
)

# Our template fields -> the strptime directive that reads them (C locale, English names).
DIRECTIVES = {
    "d": "%d", "dd": "%d", "m": "%m", "mm": "%m", "yy": "%y", "yyyy": "%Y",
    "month": "%B", "Month": "%B", "MONTH": "%B", "mon": "%b", "Mon": "%b",
    "weekday": "%A", "Weekday": "%A", "wkd": "%a", "Wkd": "%a",
}  # fmt: skip
WEEKDAY_FIELDS = {"weekday", "Weekday", "wkd", "Wkd"}


def strptime_pattern(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: DIRECTIVES[match.group(1)], template)


def parse(source: str, template: str) -> datetime.date:
    return datetime.datetime.strptime(source, strptime_pattern(template)).date()


def test_the_examples_from_the_issue():
    day = datetime.date(2026, 11, 23)  # a Monday
    written = {format_date(day, template) for template in DATE_FORMATS}
    for example in (
        "23 november 2026",
        "11/23/26",
        "monday, nov 23 2026",
        "23.11.2026",
        "Nov 23, 2026",
    ):
        assert example in written
    assert format_date(datetime.date(2026, 3, 5), "{dd}.{mm}.{yyyy}") == "05.03.2026"
    assert format_date(datetime.date(1999, 3, 5), "{m}/{d}/{yy}") == "3/5/99"


def test_every_template_parses_back_with_the_right_weekday():
    days = random_dates(400, seed=0) + [datetime.date(1969, 1, 1), datetime.date(2068, 12, 31)]
    for template in DATE_FORMATS:
        for day in days:
            source = format_date(day, template)
            assert parse(source, template) == day, (template, source)
            for field in WEEKDAY_FIELDS & set(re.findall(r"\{(\w+)\}", template)):
                # strptime ignores %A, so check the weekday name against datetime's own
                name = day.strftime("%A" if len(field) > 3 else "%a").lower()
                assert name in source.lower(), (template, source)


def test_pairs_parse_back_to_their_iso_target_unambiguously():
    pairs = date_pairs(3000, seed=1)
    assert len({source for source, _ in pairs}) == 3000  # distinct sources
    used_templates = set()
    for source, target in pairs:
        readings = set()
        for template in DATE_FORMATS:
            try:
                day = parse(source, template)
            except ValueError:
                continue
            if format_date(day, template) == source:  # this template really wrote it
                readings.add(day.isoformat())
                used_templates.add(template)
        assert readings == {target}, (source, readings)
        assert datetime.date.fromisoformat(target).isoformat() == target
        assert "1969-01-01" <= target <= "2068-12-31"
    assert used_templates == set(DATE_FORMATS)  # every format is drawn


def test_vocabs_cover_every_character():
    src_vocab, tgt_vocab = date_vocabs()
    assert src_vocab.itos[:2] == ["<pad>", "<unk>"]
    assert tgt_vocab.itos == ["<pad>", "<unk>", "<bos>", "<eos>"] + list("-0123456789")
    for source, target in date_pairs(2000, seed=2):
        assert src_vocab.unk_index not in src_vocab.encode(source).tolist()
        assert tgt_vocab.unk_index not in tgt_vocab.encode(target).tolist()


def test_task_split_is_deterministic_and_disjoint():
    task = date_translation_task(n_train=1500, n_val=300, seed=0)
    assert len(task.train_pairs) == 1500 and len(task.val_pairs) == 300
    train_sources = {source for source, _ in task.train_pairs}
    assert not train_sources & {source for source, _ in task.val_pairs}
    assert not set(task.train_pairs) & set(task.val_pairs)
    again = date_translation_task(n_train=1500, n_val=300, seed=0)
    assert again.train_pairs == task.train_pairs and again.val_pairs == task.val_pairs
    other = date_translation_task(n_train=1500, n_val=300, seed=1)
    assert other.train_pairs != task.train_pairs
    assert task.pairs("validation") is task.val_pairs
    with pytest.raises(DataError, match="'train' or 'val'"):
        task.pairs("test")


def test_arrays_for_teacher_forcing():
    task = date_translation_task(n_train=200, n_val=50, seed=0)
    arrays = task.arrays("val")
    src_vocab, tgt_vocab = task.src_vocab, task.tgt_vocab
    n = 50
    assert arrays.src.shape == (n, arrays.src_lengths.max())
    assert arrays.tgt_in.shape == arrays.tgt_out.shape == (n, 11)
    np.testing.assert_array_equal(arrays.tgt_lengths, 11)
    np.testing.assert_array_equal(arrays.tgt_in[:, 0], tgt_vocab.bos_index)
    np.testing.assert_array_equal(arrays.tgt_out[:, -1], tgt_vocab.eos_index)
    np.testing.assert_array_equal(arrays.tgt_in[:, 1:], arrays.tgt_out[:, :-1])
    for i, (source, target) in enumerate(task.val_pairs):
        length = arrays.src_lengths[i]
        assert length == len(source)
        assert src_vocab.decode(arrays.src[i, :length]) == source
        np.testing.assert_array_equal(arrays.src[i, length:], src_vocab.pad_index)
        assert tgt_vocab.decode(arrays.tgt_out[i], until_eos=True) == target


def test_encode_pads_variable_targets():
    src_vocab, tgt_vocab = date_vocabs()
    arrays = encode_date_pairs([("1/2/2003", "2003-01-02"), ("x", "1-2")], src_vocab, tgt_vocab)
    bos, eos, pad = tgt_vocab.bos_index, tgt_vocab.eos_index, tgt_vocab.pad_index
    one, two, dash = tgt_vocab["1"], tgt_vocab["2"], tgt_vocab["-"]
    assert arrays.tgt_in[1].tolist() == [bos, one, dash, two] + [pad] * 7
    assert arrays.tgt_out[1].tolist() == [one, dash, two, eos] + [pad] * 7
    assert arrays.tgt_lengths.tolist() == [11, 4]
    assert arrays.src[1, 0] == src_vocab.unk_index  # 'x' is no date character


def test_date_errors():
    with pytest.raises(DataError, match="too many"):
        date_pairs(100, formats=("{yyyy}",), end=datetime.date(1969, 2, 1))
    with pytest.raises(DataError, match="found only 100 distinct source strings, 101"):
        date_pairs(101, formats=("{yyyy}",))  # only 100 different years
    with pytest.raises(DataError, match="formats is empty"):
        date_pairs(3, formats=())
    with pytest.raises(DataError, match="before start"):
        random_dates(3, start=datetime.date(2001, 1, 1), end=datetime.date(2000, 1, 1))
    with pytest.raises(DataError, match="n_train, n_val"):
        date_translation_task(n_train=0)
