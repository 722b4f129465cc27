"""The data package's bad-input catalogue: every mistake a student is likely to make with
vocabularies, encodings, batching, splits, padding, toy tasks and the date task gives one
DataError that names the function, the argument, what was wrong and - for a bad
argument - the line of the caller's code (`— at test_errors_data.py:N`).

Errors about a file's *contents* (DataFormatError, DataNotFoundError) name the file
instead (and the line in it), so they are checked with `located=False`.

Read next: tests/test_errors_functional.py (the losses and functional).
"""

import datetime
import json

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn import data as D
from tinygrad_rnn.data import DataError, DataFormatError

TOKENS = np.arange(100)  # a 100-token "corpus" of indices


# --------------------------------------------------------------------------------------
# Vocabularies: lookups, building, encoding, decoding
# --------------------------------------------------------------------------------------
def test_lookup_of_an_index_instead_of_a_token_is_not_a_silent_unk():
    vocab = D.CharVocab.from_text("hello")
    with explained(DataError, "CharVocab: tokens are strings, got 3 (int)", "vocab.itos[3]"):
        vocab.lookup(3)
    with explained(DataError, "got 0 (int)"):
        vocab[0]  # vocab[0] reads like itos[0], but a Vocab maps tokens to indices


def test_encode_of_a_list_of_indices_or_bytes_or_none():
    vocab = D.CharVocab.from_text("hello")
    with explained(DataError, "tokens are strings, got 1 (int)"):
        vocab.encode([1, 2])
    with explained(DataError, "CharVocab.encode: got bytes; decode them first"):
        vocab.encode(b"hello")
    with explained(DataError, "CharVocab.encode: expected a text (str) or a list of tokens"):
        vocab.encode(None)


def test_char_vocab_lookup_of_several_characters():
    vocab = D.CharVocab.from_text("hello")
    with explained(DataError, "'he' is 2 characters", "vocab.encode('he')"):
        vocab.lookup("he")
    assert vocab.lookup("z") == vocab.unk_index  # one unknown character: <unk>, as documented
    assert vocab.lookup("<pad>") == 0  # the specials are found by name


def test_unknown_token_without_unk_names_the_token_and_the_line():
    vocab = D.CharVocab.from_text("hello", specials=())
    with explained(D.UnknownTokenError, "token 'x' is not in the vocabulary of 4 tokens"):
        vocab.encode("hex")


def test_from_text_of_something_that_is_not_text():
    with explained(DataError, "CharVocab.from_text: text must be a str or a list of str"):
        D.CharVocab.from_text(None)
    with explained(DataError, "got 123 (int)"):
        D.CharVocab.from_text(123)
    with explained(DataError, "got bytes; decode them first"):
        D.CharVocab.from_text(b"abc")
    with explained(DataError, "a list holding ['a', 'b'] (list)", "use WordVocab.build"):
        D.WordVocab.from_text([["a", "b"]])  # token lists belong to build, not from_text


def test_build_from_tokens_that_are_not_strings():
    with explained(
        DataError, "Vocab.build: tokens must be strings, or lists of strings", "1 (int)"
    ):
        D.Vocab.build([1, 2, 3])
    with explained(DataError, "tokens must be strings, got 5 (int) in a token list"):
        D.Vocab.build([["a", 5]])


def test_build_from_one_string_would_make_characters_tokens():
    with explained(DataError, "Vocab.build: got one str", "Vocab.from_text"):
        D.Vocab.build("the cat sat")
    with explained(DataError, "WordVocab: got one str", "WordVocab.from_text"):
        D.WordVocab("the cat sat")
    assert D.CharVocab("abc").itos[-3:] == ["a", "b", "c"]  # a str of characters is fine here


def test_build_sizes_of_the_wrong_type():
    with explained(DataError, "Vocab.build: min_freq must be an int, got '2' (str)"):
        D.Vocab.build(["a"], min_freq="2")
    with explained(DataError, "min_freq must be an int, got 1.5 (float)"):
        D.Vocab.build(["a"], min_freq=1.5)
    with explained(DataError, "max_size must be an int, got 2.5 (float)"):
        D.Vocab.build(["a"], max_size=2.5)
    with explained(DataError, "min_freq must be >= 1, got 0"):
        D.Vocab.build(["a"], min_freq=0)


def test_token_lists_as_numpy_arrays_and_membership_of_non_strings():
    vocab = D.Vocab.build([np.array(["b", "a"]), ["a"]])  # np.str_ tokens become str
    assert vocab.itos[2:] == ["a", "b"] and type(vocab.itos[2]) is str
    assert [1, 2] not in vocab and 3 not in vocab  # no TypeError for unhashable lists
    with explained(DataError, "tokenize_words: text must be a str, got None"):
        D.tokenize_words(None)


def test_specials_and_tokens_that_are_not_lists():
    with explained(DataError, "specials must be a sequence of strings", "got None (NoneType)"):
        D.Vocab.build(["a"], specials=None)
    with explained(DataError, "Vocab: tokens must be a list of strings, got None"):
        D.Vocab(None)


def test_decode_errors_name_the_line():
    vocab = D.CharVocab.from_text("hello")
    with explained(DataError, "CharVocab.decode: indices must be integers, got dtype float64"):
        vocab.decode(tg.tensor([2.0, 3.0]))
    with explained(DataError, "index -1 is out of range for a vocabulary of 6 tokens"):
        vocab.decode([-1])
    with explained(DataError, "until_eos must be True or False, got 'yes' (str)"):
        vocab.decode([2], until_eos="yes")


def test_encode_flags_given_as_strings():
    vocab = D.CharVocab.from_text("ab", specials=D.SEQ2SEQ_SPECIALS)
    with explained(DataError, "CharVocab.encode: add_bos must be True or False, got 'False'"):
        vocab.encode("ab", add_bos="False")  # "False" is truthy: it would add <bos>


# --------------------------------------------------------------------------------------
# Saving and loading vocabularies: corrupt files, other formats, bad paths
# --------------------------------------------------------------------------------------
def write_json(tmp_path, name, description) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(description))
    return str(path)


def saved(**changes) -> dict:
    """A valid saved CharVocab description with some entries changed (None: removed)."""
    description = {
        "format": "tinygrad_rnn.vocab",
        "version": 1,
        "class": "CharVocab",
        "specials": ["<pad>"],
        "tokens": ["a", "b"],
    }
    for key, value in changes.items():
        if value is None:
            del description[key]
        else:
            description[key] = value
    return description


@pytest.mark.parametrize(
    "changes, phrase",
    [
        ({"tokens": None}, "is damaged: it has no 'tokens' entry"),
        ({"tokens": "ab"}, "'tokens' must be a list of strings, got 'ab' (str)"),
        ({"tokens": 5}, "'tokens' must be a list of strings, got 5 (int)"),
        ({"tokens": ["a", 1]}, "'tokens' must be a list of strings"),
        ({"specials": "<pad>"}, "'specials' must be a list of strings"),
        ({"tokens": ["a", "a"]}, "is damaged: CharVocab: token 'a' is listed twice"),
        ({"class": ["CharVocab"]}, "unknown vocabulary class ['CharVocab']"),
        ({"class": "BPEVocab"}, "unknown vocabulary class 'BPEVocab'"),
        ({"version": None}, "is damaged: its version is None, not 1"),
        ({"version": "1"}, "its version is '1', not 1"),
        ({"version": 2}, "has format version 2, newer than this tinygrad_rnn reads (1)"),
    ],
)
def test_loading_a_damaged_vocabulary_file(tmp_path, changes, phrase):
    path = write_json(tmp_path, "vocab.json", saved(**changes))
    with explained(DataFormatError, "vocab.json", phrase, located=False) as info:
        D.Vocab.load(path)
    assert " — at " not in str(info.value)  # a file's problem names the file, not a line


def test_loading_a_vocabulary_of_another_format(tmp_path):
    torchtext_like = write_json(tmp_path, "itos.json", {"itos": ["a"], "stoi": {"a": 0}})
    with explained(DataFormatError, "is not a tinygrad_rnn vocabulary file", located=False):
        D.Vocab.load(torchtext_like)
    plain = tmp_path / "vocab.txt"
    plain.write_text("a\nb\n")
    with explained(DataFormatError, "vocab.txt' is not valid JSON", located=False):
        D.Vocab.load(plain)
    np.savez(tmp_path / "weights.npz", w=np.ones(3))
    with explained(DataFormatError, "looks binary", located=False):
        D.Vocab.load(tmp_path / "weights.npz")


def test_loading_a_vocabulary_with_the_wrong_class_suggests_the_right_loader(tmp_path):
    path = D.Vocab(["a"]).save(tmp_path / "plain.json")
    message = "holds a Vocab, not a CharVocab; load it with Vocab.load"
    with explained(DataFormatError, message, located=False) as info:
        D.CharVocab.load(path)
    assert "Vocab.load or Vocab.load" not in str(info.value)


def test_vocabulary_paths_that_are_not_paths_or_are_folders(tmp_path):
    vocab = D.CharVocab.from_text("ab")
    with explained(DataError, "Vocab.load: the path must be a str or a pathlib.Path, got None"):
        D.Vocab.load(None)
    with explained(DataError, "CharVocab.save: the path must be a str or a pathlib.Path"):
        vocab.save(None)
    with explained(DataError, "is a folder; pass a file path such as", "vocab.json"):
        vocab.save(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing was written


# --------------------------------------------------------------------------------------
# One-hot and bag-of-words
# --------------------------------------------------------------------------------------
def test_one_hot_num_classes_of_the_wrong_type():
    with explained(DataError, "one_hot: num_classes must be an int, got '3' (str)"):
        D.one_hot([1], "3")
    with explained(DataError, "num_classes must be an int, got 3.0 (float)"):
        D.one_hot([1], 3.0)
    with explained(DataError, "num_classes must be an int, got None"):
        D.one_hot([1], None)


def test_one_hot_of_ragged_indices_and_out_of_range_indices():
    with explained(DataError, "one_hot: indices must form a rectangular array", "pad_sequences"):
        D.one_hot([[1, 2], [3]], 4)
    with explained(DataError, "one_hot: index 5 is out of range for num_classes=3"):
        D.one_hot([5], 3)


def test_bag_of_words_ignore_index_outside_the_vocabulary_is_ignored_not_an_error():
    counts = D.bag_of_words([[1, -1, -1], [2, 2, -1]], 3, ignore_index=-1)  # padded with -1
    np.testing.assert_array_equal(counts, [[0, 1, 0], [0, 0, 2]])
    with explained(DataError, "bag_of_words (row 0): index 5 is out of range for vocab_size=3"):
        D.bag_of_words([[1, 5]], 3, ignore_index=-1)  # 5 is not the padding


def test_bag_of_words_arguments_of_the_wrong_type():
    with explained(DataError, "bag_of_words: vocab_size must be an int, got 3.0 (float)"):
        D.bag_of_words([[1]], 3.0)
    with explained(DataError, "token_index_lists must be a list or array of items, got 5"):
        D.bag_of_words(5, 3)
    with explained(DataError, "binary must be True or False, got 'yes' (str)"):
        D.bag_of_words([[1]], 3, binary="yes")
    with explained(DataError, "ignore_index must be an int, got 0.0 (float)"):
        D.bag_of_words([[1]], 3, ignore_index=0.0)


# --------------------------------------------------------------------------------------
# Language-model batching: sizes <= 0, sizes of the wrong type, more than the data
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [2.5, "4", True, None])
def test_batchify_batch_size_of_the_wrong_type(batch_size):
    with explained(DataError, "batchify: batch_size must be an int, got"):
        D.batchify(TOKENS, batch_size)


def test_batch_size_larger_than_the_data():
    with explained(DataError, "100 tokens cannot make 1000 streams", "smaller batch_size"):
        D.batchify(TOKENS, 1000)
    with explained(DataError, "100 tokens cannot make 200 streams"):
        D.bptt_batches(TOKENS, 200, 5)
    batches = list(D.iterate_minibatches(TOKENS[:10], TOKENS[:10], batch_size=100))
    assert [len(x) for x, _ in batches] == [10]  # one smaller batch, as documented


@pytest.mark.parametrize(
    "seq_len, phrase",
    [(0, ">= 1, got 0"), (-3, ">= 1, got -3"), (2.5, "an int, got 2.5"), ("5", "an int, got '5'")],
)
def test_bptt_batches_sequence_lengths_that_are_not_positive_ints(seq_len, phrase):
    with explained(DataError, f"bptt_batches: seq_len must be {phrase}"):
        D.bptt_batches(TOKENS, 2, seq_len)


def test_token_indices_that_are_negative():
    with explained(DataError, "batchify: token indices must be >= 0, got -1"):
        D.batchify(np.array([-1, 2, 3, 4]), 1)
    with explained(DataError, "random_windows: token indices must be >= 0"):
        next(D.random_windows(np.array([0, 1, -2, 3]), 1, 2))


def test_random_windows_arguments():
    with explained(DataError, "random_windows: seq_len must be an int, got 2.5"):
        next(D.random_windows(TOKENS, 2, 2.5))
    with explained(DataError, "random_windows: num_batches must be >= 0, got -1"):
        list(D.random_windows(TOKENS, 2, 5, num_batches=-1))
    with explained(DataError, "num_batches must be an int, got 2.5"):
        list(D.random_windows(TOKENS, 2, 5, num_batches=2.5))
    with explained(DataError, "100 tokens are too few for seq_len=200"):
        next(D.random_windows(TOKENS, 2, 200))


def test_split_text_fraction_of_the_wrong_type():
    with explained(DataError, "split_text: val_fraction must be a number between 0 and 1"):
        D.split_text(TOKENS, "0.1")
    with explained(DataError, "got None (NoneType)"):
        D.split_text(TOKENS, None)
    with explained(DataError, "split_text: text must be a str or a 1-D array", "got 5 (int)"):
        D.split_text(5, 0.1)


def test_empty_corpora():
    with explained(DataError, "split_text: a text of 0 tokens is too short to split"):
        D.split_text("", 0.1)
    with explained(DataError, "batchify: 0 tokens cannot make 2 streams"):
        D.batchify([], 2)
    assert len(D.CharVocab.from_text("")) == 2  # only the specials: a valid, empty vocabulary


# --------------------------------------------------------------------------------------
# Seeds of the wrong type, in every seeded function
# --------------------------------------------------------------------------------------
SEEDED = {
    "random_windows": lambda seed: next(D.random_windows(TOKENS, 2, 5, seed=seed)),
    "iterate_minibatches": lambda seed: next(D.iterate_minibatches(TOKENS, TOKENS, 4, seed=seed)),
    "split": lambda seed: D.split_indices(10, seed=seed),
    "adding_problem": lambda seed: D.adding_problem(3, 5, seed=seed),
    "copy_task": lambda seed: D.copy_task(3, seed=seed),
    "random_dates": lambda seed: D.random_dates(3, seed=seed),
    "date_pairs": lambda seed: D.date_pairs(3, seed=seed),
}


@pytest.mark.parametrize("name", sorted(SEEDED))
@pytest.mark.parametrize("seed", ["0", 1.5, -1, [1, 2]])
def test_seeds_of_the_wrong_type(name, seed):
    with explained(DataError, f"{name}: seed must be an int >= 0 or a np.random.Generator"):
        SEEDED[name](seed)


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_seeds_that_are_right_repeat_and_generators_continue(name):
    first = SEEDED[name](7)
    again = SEEDED[name](np.int64(7))
    assert repr(first) == repr(again)  # the same seed, the same data
    SEEDED[name](np.random.default_rng(0))  # a Generator is accepted


# --------------------------------------------------------------------------------------
# Splits: fractions that do not add up, are negative, are percentages, or positional
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fractions, phrase",
    [
        ((0.8, 0.3), "fractions must sum to 1, got (0.8, 0.3)"),
        ((1.2, -0.2), "fractions must all be positive, got (1.2, -0.2)"),
        ((80, 20), "these look like percentages: divide them by 100"),
        ((float("nan"), 0.5), "fractions must be finite numbers"),
        (0.8, "fractions must be a tuple of numbers such as (0.8, 0.2)"),
        (("a", "b"), "got ('a', 'b') (tuple)"),
        (None, "got None (NoneType)"),
        ((1.0,), "give at least two fractions"),
    ],
)
def test_split_fractions(fractions, phrase):
    with explained(DataError, phrase):
        D.train_val_test_split(10, fractions=fractions)


def test_split_with_fractions_passed_positionally():
    X = np.arange(10)
    with explained(DataError, "looks like the fractions; pass them by keyword", "fractions="):
        D.train_val_test_split(X, (0.8, 0.2))


def test_split_of_things_that_are_not_lists():
    with explained(DataError, "train_val_test_split: the number of items must be an int"):
        D.train_val_test_split(10.0)
    with explained(DataError, "argument 1 is a dict"):
        D.train_val_test_split({"a": 1, "b": 2})
    with explained(DataError, "argument 1 must be a list or array of items, got None"):
        D.train_val_test_split(None)
    with explained(DataError, "argument 2 must be a list or array of items, got 5 (int)"):
        D.train_val_test_split(np.arange(10), 5)


# --------------------------------------------------------------------------------------
# Padding, masks and mini-batches
# --------------------------------------------------------------------------------------
def test_pad_value_that_is_not_an_int_would_have_been_cut_silently():
    with explained(DataError, "pad_sequences: pad_value must be an int token index", "1.5"):
        D.pad_sequences([[1, 2], [1]], pad_value=1.5)  # np.full(..., 1.5, int64) gives 1
    with explained(DataError, "got '<pad>' (str)", "vocab.pad_index"):
        D.pad_sequences([[1, 2], [1]], pad_value="<pad>")


def test_pad_sequences_of_text_or_numbers():
    with explained(DataError, "sequence 0 must be a 1-D array of integer indices", "vocab.encode"):
        D.pad_sequences(["abc", "d"])
    with explained(DataError, "pad_sequences: sequences must be a list or array of items"):
        D.pad_sequences(5)
    with explained(DataError, "max_len must be an int, got 2.5"):
        D.pad_sequences([[1, 2]], max_len=2.5)
    padded, lengths = D.pad_sequences(iter([[1, 2], [3]]))  # any iterable of sequences
    assert padded.tolist() == [[1, 2], [3, 0]] and lengths.tolist() == [2, 1]


def test_lengths_to_mask_with_lengths_that_do_not_fit():
    with explained(DataError, "lengths_to_mask: lengths must be integers, got dtype float64"):
        D.lengths_to_mask([1.5, 2])  # np.asarray(..., int64) would make it 1
    with explained(DataError, "lengths_to_mask: lengths must be >= 0, got -1"):
        D.lengths_to_mask([-1, 2])
    with explained(DataError, "a length of 5 does not fit max_len=3", "cut that sequence short"):
        D.lengths_to_mask([5, 2], max_len=3)
    with explained(DataError, "max_len must be >= 0, got -1"):
        D.lengths_to_mask([1, 2], max_len=-1)
    mask = D.lengths_to_mask(tg.Tensor(np.array([0, 2])), max_len=3)  # an int Tensor works
    assert mask.tolist() == [[False, False, False], [True, True, False]]


def test_iterate_minibatches_arguments():
    X = np.arange(10)
    with explained(DataError, "iterate_minibatches: batch_size must be an int, got '4' (str)"):
        next(D.iterate_minibatches(X, X, "4"))
    with explained(DataError, "shuffle must be True or False, got 'no' (str)"):
        next(D.iterate_minibatches(X, X, 4, shuffle="no"))  # "no" is truthy: it would shuffle
    with explained(DataError, "inputs must be a list or array of items, got 5 (int)"):
        next(D.iterate_minibatches(5, 5, 4))
    with explained(DataError, "inputs has 10 items but labels has 5"):
        next(D.iterate_minibatches(X, X[:5], 4))


# --------------------------------------------------------------------------------------
# Toy tasks and the date task
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, phrase",
    [
        (lambda: D.adding_problem(2.5, 10), "adding_problem: n must be an int, got 2.5"),
        (lambda: D.adding_problem(3, "10"), "adding_problem: T must be an int, got '10'"),
        (lambda: D.first_symbol_recall(3, 5, vocab=2.5), "vocab must be an int, got 2.5"),
        (lambda: D.first_symbol_recall(None, 5), "first_symbol_recall: n must be an int"),
        (lambda: D.copy_task(3, seq_len=2.5), "copy_task: seq_len must be an int"),
        (lambda: D.next_symbol_tagging(3, 5, vocab="8"), "vocab must be an int, got '8'"),
        (lambda: D.appears_later_tagging(3, 5, symbol=1.5), "symbol must be an int, got 1.5"),
        (lambda: D.appears_later_tagging(3, 5, symbol=True), "symbol must be an int, got True"),
        (lambda: D.adding_problem(0, 10), "n (the number of examples) must be >= 1, got 0"),
    ],
)
def test_toy_task_sizes(make, phrase):
    with explained(DataError, phrase):
        make()


def test_random_dates_arguments():
    with explained(DataError, "random_dates: n must be >= 0, got -1"):
        D.random_dates(-1)
    with explained(DataError, "random_dates: start must be a datetime.date", "'2020-01-01'"):
        D.random_dates(2, start="2020-01-01")
    with explained(DataError, "start must be a datetime.date", "datetime.datetime"):
        D.random_dates(2, start=datetime.datetime(2020, 1, 1))
    with explained(DataError, "end 2000-01-01 is before start 2001-01-01"):
        D.random_dates(3, start=datetime.date(2001, 1, 1), end=datetime.date(2000, 1, 1))


def test_date_templates():
    with explained(DataError, "date_pairs: formats must be a list of templates, got one str"):
        D.date_pairs(3, formats="{d} {month} {yyyy}")  # would use each character as a template
    with explained(DataError, "template '{day} {month} {yyyy}' uses the field {day}", "d, dd, m"):
        D.date_pairs(3, formats=("{day} {month} {yyyy}",))
    with explained(DataError, "has a positional field {}"):
        D.date_vocabs(("{} {yyyy}",))
    with explained(DataError, "is not a valid format string"):
        D.date_vocabs(("{d",))
    with explained(DataError, "every template must be a str", "5 (int)"):
        D.date_pairs(3, formats=(5,))
    with explained(DataError, "format_date: template '{x}' uses the field {x}"):
        D.format_date(datetime.date(2020, 1, 1), "{x}")
    with explained(DataError, "format_date: day must be a datetime.date, got '2020-01-01'"):
        D.format_date("2020-01-01", "{d}")
    with explained(DataError, "date_pairs: n must be an int, got 2.5"):
        D.date_pairs(2.5)


def test_encode_date_pairs_with_vocabularies_swapped_or_targets_it_cannot_write():
    src_vocab, tgt_vocab = D.date_vocabs()
    pairs = [("1 may 2020", "2020-05-01")]
    with explained(DataError, "tgt_vocab has no <bos> or <eos>", "(src_vocab, tgt_vocab)"):
        D.encode_date_pairs(pairs, tgt_vocab, src_vocab)
    with explained(DataError, "target 0 '2020/05/01' holds ['/']", "'-0123456789'"):
        D.encode_date_pairs([("1 may 2020", "2020/05/01")], src_vocab, tgt_vocab)
    with explained(DataError, "pair 0 must be a (source, target) pair of strings"):
        D.encode_date_pairs(["1 may 2020"], src_vocab, tgt_vocab)
    with explained(DataError, "date_translation_task: n_train must be an int, got 2.5"):
        D.date_translation_task(2.5, 2)
    arrays = D.encode_date_pairs([("1 mäy 2020", "2020-05-01")], src_vocab, tgt_vocab)
    assert arrays.src[0, 3] == src_vocab.unk_index  # an unknown *source* character: <unk>


# --------------------------------------------------------------------------------------
# Labelled sentences and corpus paths
# --------------------------------------------------------------------------------------
def test_labelled_sentence_labels_that_int_would_misread(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("good movie\t1_0\n")
    with explained(DataFormatError, "labels.txt:1", "must be an integer", "'1_0'", located=False):
        D.load_labelled_sentences(path)  # int("1_0") is 10
    path.write_text("good movie\t+1\nbad movie\t0\n")
    assert D.load_labelled_sentences(path)[1].tolist() == [1, 0]


def test_data_paths_that_are_not_paths():
    with explained(DataError, "load_text: the path must be a str or a pathlib.Path, got None"):
        D.load_text(None)
    with explained(DataError, "load_labelled_sentences: the path must be a str", "5 (int)"):
        D.load_labelled_sentences(5)
    with explained(DataError, "pattern must be a glob such as '*.txt', got None"):
        D.load_labelled_sentences(".", pattern=None)
