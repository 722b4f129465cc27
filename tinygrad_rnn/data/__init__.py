"""tinygrad_rnn.data: turning text and generated tasks into the integer arrays models read.

Depends on numpy and the standard library only (never on nn); everything returns numpy
arrays, which Tensor, nn.Embedding and the losses accept directly.

    from tinygrad_rnn import data

    # the packaged Tiny Shakespeare, or the user's own file when --data PATH was given
    text = data.load_text(data.resolve_data_path("tinyshakespeare.txt", args.data))
    vocab = data.CharVocab.from_text(text)
    train, val = data.split_text(vocab.encode(text), val_fraction=0.1)
    for x, y in data.bptt_batches(train, batch_size=32, seq_len=40):   # (B, T) each
        ...

Files, in reading order:
  vocab.py      CharVocab / WordVocab, tokenize_words, save/load as JSON
  vocab_checks.py  what the vocabularies check: tokens, texts, specials, indices, the file
  encoding.py   one_hot, bag_of_words (and how they compare with embeddings)
  text.py       load_text, split_text, batchify, bptt_batches, random_windows (LM batching)
  sentiment.py  load_labelled_sentences ("sentence<TAB>label" files)
  sequences.py  pad_sequences, lengths_to_mask, iterate_minibatches
  splits.py     train_val_test_split, split_indices
  toy.py        adding_problem, first_symbol_recall, copy_task, tagging tasks
  dates.py      the date-translation seq2seq task
  pictures.py   the picture world's objects: PictureObject, placing without overlap,
                draw_scene, caption_of
  questions.py  Question, QUESTION_KINDS: the questions asked about a scene, balanced
  picture_world.py  picture_world(n_images, ..., seed) -> PictureWorld (images, scenes,
                captions, questions, subset)
  paths.py      default_data_path, resolve_data_path (the datasets shipped in the
                package, in datasets/ beside this file, or the user's --data PATH)
  files.py      read_text, read_bytes (plain or gzip-compressed), write_text_atomic;
                errors.py the data errors
  manifest.py   sizes and sha256 of the packaged files (python -m tinygrad_rnn.data.manifest)
  checks.py     the argument checks (sizes, seeds, flags, paths) behind the errors: a bad
                argument is one DataError naming the function, the argument and your line
"""

from .dates import (
    DATE_FORMATS,
    DateArrays,
    DateTask,
    date_pairs,
    date_translation_task,
    date_vocabs,
    encode_date_pairs,
    format_date,
    random_dates,
)
from .encoding import bag_of_words, one_hot
from .errors import DataError, DataFormatError, DataNotFoundError, UnknownTokenError
from .files import read_bytes, read_text, write_text_atomic
from .paths import DATASETS_DIR, PACKAGED_DATASETS, default_data_path, resolve_data_path
from .picture_world import ANSWERS, PictureWorld, picture_world
from .pictures import PictureObject, caption_of, draw_scene
from .questions import QUESTION_KINDS, Question
from .sentiment import load_labelled_sentences
from .sequences import iterate_minibatches, lengths_to_mask, pad_sequences
from .splits import split_indices, train_val_test_split
from .text import BPTTBatches, batchify, bptt_batches, load_text, random_windows, split_text
from .toy import (
    adding_problem,
    appears_later_tagging,
    copy_task,
    first_symbol_recall,
    next_symbol_tagging,
)
from .vocab import (
    BOS,
    DEFAULT_SPECIALS,
    EOS,
    PAD,
    SEQ2SEQ_SPECIALS,
    UNK,
    CharVocab,
    Vocab,
    WordVocab,
    tokenize_words,
)

__all__ = [
    "ANSWERS",
    "BOS",
    "BPTTBatches",
    "DATASETS_DIR",
    "DATE_FORMATS",
    "DEFAULT_SPECIALS",
    "DataError",
    "DataFormatError",
    "DataNotFoundError",
    "DateArrays",
    "DateTask",
    "EOS",
    "PACKAGED_DATASETS",
    "PAD",
    "QUESTION_KINDS",
    "PictureObject",
    "PictureWorld",
    "Question",
    "SEQ2SEQ_SPECIALS",
    "UNK",
    "CharVocab",
    "UnknownTokenError",
    "Vocab",
    "WordVocab",
    "adding_problem",
    "appears_later_tagging",
    "bag_of_words",
    "batchify",
    "bptt_batches",
    "caption_of",
    "copy_task",
    "date_pairs",
    "date_translation_task",
    "date_vocabs",
    "default_data_path",
    "draw_scene",
    "encode_date_pairs",
    "first_symbol_recall",
    "format_date",
    "iterate_minibatches",
    "lengths_to_mask",
    "load_labelled_sentences",
    "load_text",
    "next_symbol_tagging",
    "one_hot",
    "pad_sequences",
    "picture_world",
    "random_dates",
    "random_windows",
    "read_bytes",
    "read_text",
    "resolve_data_path",
    "split_indices",
    "split_text",
    "tokenize_words",
    "train_val_test_split",
    "write_text_atomic",
]
