"""Vocabularies: index layout, ordering, unknown tokens, encode/decode, JSON save/load."""

import json
import os
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import TinygradError
from tinygrad_rnn.data import (
    SEQ2SEQ_SPECIALS,
    CharVocab,
    DataError,
    DataFormatError,
    DataNotFoundError,
    UnknownTokenError,
    Vocab,
    WordVocab,
    tokenize_words,
)

SETTINGS = settings(max_examples=40, deadline=None)


def test_char_vocab_layout_by_hand():
    vocab = CharVocab.from_text("hello world")
    # l x3, o x2, then the singletons in code-point order: ' ' d e h r w
    assert vocab.itos == ["<pad>", "<unk>", "l", "o", " ", "d", "e", "h", "r", "w"]
    assert vocab.stoi["l"] == 2 and vocab.stoi["w"] == 9
    assert vocab.pad_index == 0 and vocab.unk_index == 1
    assert vocab.bos_index is None and vocab.eos_index is None
    np.testing.assert_array_equal(vocab.encode("hold"), [7, 3, 2, 5])
    assert vocab.encode("hold").dtype == np.int64
    assert vocab.decode([7, 6, 2, 2, 3]) == "hello"
    assert len(vocab) == 10
    assert "h" in vocab and "z" not in vocab
    assert vocab["o"] == 3


def test_build_orders_by_frequency_then_alphabet():
    tokens = ["b", "a", "c", "a", "b", "b", "Z", "d"]
    vocab = Vocab.build(tokens)
    # b:3, a:2, then count-1 ties alphabetically by code point: "Z" < "c" < "d"
    assert vocab.itos == ["<pad>", "<unk>", "b", "a", "Z", "c", "d"]


@SETTINGS
@given(st.lists(st.sampled_from(list("abcdefgh") + ["ab", "B", " "]), min_size=1, max_size=60))
def test_build_is_independent_of_token_order(tokens):
    shuffled = list(tokens)
    random.Random(0).shuffle(shuffled)
    assert Vocab.build(tokens).itos == Vocab.build(shuffled).itos
    vocab = Vocab.build(tokens)
    counts = [tokens.count(token) for token in vocab.itos[2:]]
    for k in range(len(counts) - 1):
        earlier, later = vocab.itos[2 + k], vocab.itos[3 + k]
        assert counts[k] > counts[k + 1] or (counts[k] == counts[k + 1] and earlier < later)
    assert set(vocab.itos[2:]) == set(tokens)


def test_build_accepts_token_lists_per_sentence():
    vocab = WordVocab.build([["the", "cat"], ["the", "dog"]])
    assert vocab.itos == ["<pad>", "<unk>", "the", "cat", "dog"]


def test_min_freq_and_max_size_include_specials():
    tokens = list("aaaabbbccd")
    assert Vocab.build(tokens, min_freq=2).itos == ["<pad>", "<unk>", "a", "b", "c"]
    assert Vocab.build(tokens, max_size=4).itos == ["<pad>", "<unk>", "a", "b"]
    assert len(Vocab.build(tokens, max_size=4)) == 4
    assert Vocab.build(tokens, max_size=2).itos == ["<pad>", "<unk>"]
    with pytest.raises(DataError, match="max_size=1"):
        Vocab.build(tokens, max_size=1)
    with pytest.raises(DataError, match="min_freq"):
        Vocab.build(tokens, min_freq=0)


def test_specials_in_the_data_are_not_counted_twice():
    vocab = Vocab.build(["<unk>", "x", "<pad>", "x"])
    assert vocab.itos == ["<pad>", "<unk>", "x"]


def test_unknown_tokens_map_to_unk():
    vocab = CharVocab.from_text("abc")
    np.testing.assert_array_equal(vocab.encode("axc"), [2, 1, 4])
    assert vocab.lookup("?") == vocab.unk_index


def test_unknown_token_without_unk_raises_naming_it():
    vocab = CharVocab(list("helo"), specials=())
    np.testing.assert_array_equal(vocab.encode("hello"), [0, 1, 2, 2, 3])
    with pytest.raises(UnknownTokenError, match="'x'") as info:
        vocab.encode("hex")
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, TinygradError)
    assert "'x'" in str(info.value) and "<unk>" in str(info.value)


def test_constructor_keeps_given_order_and_rejects_duplicates():
    vocab = CharVocab(["z", "a", "m"])
    assert vocab.itos == ["<pad>", "<unk>", "z", "a", "m"]
    with pytest.raises(DataError, match="'a' is listed twice"):
        CharVocab(["a", "b", "a"])
    with pytest.raises(DataError, match="listed twice"):
        CharVocab(["<pad>"])
    with pytest.raises(DataError, match="strings"):
        Vocab([1, 2])
    with pytest.raises(DataError, match="distinct"):
        Vocab(specials=("<pad>", "<pad>"))
    with pytest.raises(DataError, match="not a string"):
        Vocab(specials="<pad>")


def test_bos_eos_for_seq2seq():
    vocab = CharVocab.from_text("ab", specials=SEQ2SEQ_SPECIALS)
    assert vocab.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert (vocab.bos_index, vocab.eos_index) == (2, 3)
    encoded = vocab.encode("ba", add_bos=True, add_eos=True)
    np.testing.assert_array_equal(encoded, [2, 5, 4, 3])
    assert vocab.decode(encoded) == "<bos>ba<eos>"
    assert vocab.decode(encoded, skip_specials=True) == "ba"
    assert vocab.decode([2, 5, 3, 4, 4], until_eos=True, skip_specials=True) == "b"
    assert vocab.decode([5, 0, 4], skip_specials=True) == "ba"
    with pytest.raises(DataError, match="no '<bos>'"):
        CharVocab.from_text("ab").encode("a", add_bos=True)


def test_encode_token_lists_and_tensors():
    vocab = CharVocab.from_text("ab", specials=SEQ2SEQ_SPECIALS)
    np.testing.assert_array_equal(vocab.encode(["<bos>", "a"]), [2, 4])
    assert vocab.encode("").shape == (0,)
    assert vocab.decode(np.array([], dtype=np.int64)) == ""

    class FakeTensor:
        def numpy(self):
            return np.array([4, 5])

    assert vocab.decode(FakeTensor()) == "ab"


def test_decode_errors():
    vocab = CharVocab.from_text("ab")
    with pytest.raises(DataError, match="index 7 is out of range"):
        vocab.decode([2, 7])
    with pytest.raises(DataError, match="out of range"):
        vocab.decode([-1])
    with pytest.raises(DataError, match="1-D"):
        vocab.decode([[2, 3]])
    with pytest.raises(DataError, match="integers"):
        vocab.decode([2.0])


@SETTINGS
@given(st.text(min_size=0, max_size=80))
def test_char_round_trip(text):
    vocab = CharVocab.from_text(text)
    assert vocab.decode(vocab.encode(text)) == text
    assert len(vocab) == 2 + len(set(text) - {"<pad>", "<unk>"})


def test_tokenize_words_by_hand():
    assert tokenize_words("Don't stop, Bob!") == ["don't", "stop", ",", "bob", "!"]
    assert tokenize_words("  A  very, very slow-moving movie...  ") == [
        "a", "very", ",", "very", "slow", "-", "moving", "movie", ".", ".", ".",
    ]  # fmt: skip
    assert tokenize_words("It's 10:30 o'clock") == ["it's", "10", ":", "30", "o'clock"]
    assert tokenize_words("") == []


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("abcXY '.,!?-\t\n")), max_size=60))
def test_word_round_trip(text):
    vocab = WordVocab.from_text(text)
    assert vocab.decode(vocab.encode(text)) == " ".join(tokenize_words(text))


def test_word_vocab_from_several_texts():
    vocab = WordVocab.from_text(["The movie was great.", "The food was bad!"])
    assert vocab.itos == [
        "<pad>", "<unk>", "the", "was", "!", ".", "bad", "food", "great", "movie",
    ]  # fmt: skip
    np.testing.assert_array_equal(vocab.encode("the BAD movie"), [2, 6, 9])
    np.testing.assert_array_equal(vocab.encode("the ugly movie"), [2, 1, 9])


def test_save_load_round_trip(tmp_path):
    for vocab in (
        CharVocab.from_text("hello, wörld ☃", specials=SEQ2SEQ_SPECIALS),
        WordVocab.from_text("one two two three three three"),
        Vocab(["x", "y"], specials=()),
    ):
        path = tmp_path / f"{type(vocab).__name__}.json"
        assert vocab.save(path) == path
        loaded = type(vocab).load(path)
        assert type(loaded) is type(vocab)
        assert loaded == vocab
        assert loaded.stoi == vocab.stoi
        generic = Vocab.load(path)
        assert type(generic) is type(vocab) and generic == vocab
    saved = json.loads((tmp_path / "CharVocab.json").read_text(encoding="utf-8"))
    assert saved["class"] == "CharVocab"
    assert saved["specials"] == list(SEQ2SEQ_SPECIALS)


def test_save_is_atomic_and_overwrites(tmp_path):
    path = tmp_path / "vocab.json"
    CharVocab.from_text("ab").save(path)
    CharVocab.from_text("xyz").save(path)
    assert CharVocab.load(path).itos[2:] == ["x", "y", "z"]
    assert sorted(os.listdir(tmp_path)) == ["vocab.json"]  # no temporary file left


def test_save_into_missing_folder_fails_clearly(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        CharVocab.from_text("ab").save(tmp_path / "nope" / "vocab.json")


def test_load_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="missing.json"):
        Vocab.load(tmp_path / "missing.json")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFormatError, match="not valid JSON"):
        Vocab.load(bad_json)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(DataFormatError, match="not a tinygrad_rnn vocabulary"):
        Vocab.load(other)
    words = tmp_path / "words.json"
    WordVocab.from_text("a b").save(words)
    with pytest.raises(DataFormatError, match="holds a WordVocab, not a CharVocab"):
        CharVocab.load(words)
    damaged = tmp_path / "damaged.json"
    description = CharVocab.from_text("ab").to_dict()
    description["tokens"] = ["a", "a"]
    damaged.write_text(json.dumps(description), encoding="utf-8")
    with pytest.raises(DataFormatError, match="damaged"):
        CharVocab.load(damaged)


def test_repr_names_class_and_size():
    text = repr(CharVocab.from_text("abc"))
    assert text.startswith("CharVocab(5 tokens:") and "'<pad>'" in text
