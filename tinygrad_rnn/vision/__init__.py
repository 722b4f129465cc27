"""tinygrad_rnn.vision: models that read pictures (lessons 13 and 14).

An outer layer like charlm/: it imports the engine, nn, optim and data; nothing in the
engine, nn or data imports it.

Files, in reading order:
    cnn.py         CNNEncoder: two convolutions with pooling -> a grid of region features
                   (B, C, h, w) and one pooled vector per picture
    captioning.py  ShowAndTell (the picture's vector starts the LSTM decoder) and
                   ShowAttendTell (additive attention over the grid at every word):
                   teacher-forced loss, greedy and beam decoding
    bleu.py        corpus BLEU-4 (Papineni et al. 2002), the captions' score
    vqa.py         VQAModel (the CNN's grid ⊙ an LSTM's reading of the question -> Linear
                   over the answers), QuestionOnlyModel (the language prior), question
                   arrays, accuracy per kind of question

Read next: cnn.py.
"""

from .bleu import BleuScore, bleu_details, corpus_bleu
from .captioning import (
    CaptionOutput,
    ShowAndTell,
    ShowAttendTell,
    caption_loss,
    encode_captions,
)
from .cnn import CNNEncoder
from .vqa import QuestionEncoder, QuestionOnlyModel, VQAModel

__all__ = [
    "BleuScore",
    "CNNEncoder",
    "CaptionOutput",
    "ShowAndTell",
    "ShowAttendTell",
    "QuestionEncoder",
    "QuestionOnlyModel",
    "VQAModel",
    "bleu_details",
    "caption_loss",
    "corpus_bleu",
    "encode_captions",
]
