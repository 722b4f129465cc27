"""Translation with a sequence-to-sequence network and Bahdanau attention, in the style of
the official PyTorch tutorial: an nn.GRU encoder (batch_first), a decoder that attends
with Wa/Ua/Va linear layers and torch.bmm, teacher forcing through a target tensor,
F.log_softmax outputs and nn.NLLLoss, decoding with topk and detach.

The "language pair": a word-level toy (numbers spelled out -> reversed digits).
Only the imports differ from the PyTorch program (see tests/test_pytorch_programs.py).
"""

# Written as PyTorch users write it (super(Cls, self), unused loop variables): lint spared.
# ruff: noqa: B007, E501, UP008, UP034

import tinygrad_rnn as torch
import tinygrad_rnn.nn as nn
import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import optim

SOS_token, EOS_token = 0, 1
words = ["SOS", "EOS", "one", "two", "three", "four", "1", "2", "3", "4"]
index = {w: i for i, w in enumerate(words)}
pairs = [
    ("one two", "2 1"),
    ("three four one", "1 4 3"),
    ("two two four", "4 2 2"),
    ("four three", "3 4"),
    ("one three two", "2 3 1"),
    ("four one", "1 4"),
]
MAX_LENGTH = 5


def tensor_from_sentence(sentence):
    ids = [index[w] for w in sentence.split(" ")] + [EOS_token]
    ids += [EOS_token] * (MAX_LENGTH - len(ids))
    return torch.tensor(ids, dtype=torch.long).view(1, -1)


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        embedded = self.embedding(input)
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs, attentions = [], []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs
            )
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # teacher forcing
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input)
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)
        return output, hidden, attn_weights


def main(state_dicts=None, epochs=40):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    encoder = EncoderRNN(len(words), 12)
    decoder = AttnDecoderRNN(12, len(words))
    if state_dicts is not None:
        encoder.load_state_dict(state_dicts[0])
        decoder.load_state_dict(state_dicts[1])
    encoder_optimizer = optim.SGD(encoder.parameters(), lr=0.1)
    decoder_optimizer = optim.SGD(decoder.parameters(), lr=0.1)
    criterion = nn.NLLLoss()
    inputs = torch.cat([tensor_from_sentence(a) for a, _ in pairs])
    targets = torch.cat([tensor_from_sentence(b) for _, b in pairs])
    losses = []
    for epoch in range(epochs):
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        encoder_outputs, encoder_hidden = encoder(inputs)
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, targets)
        loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), targets.view(-1))
        loss.backward()
        encoder_optimizer.step()
        decoder_optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        encoder_outputs, encoder_hidden = encoder(inputs[:1])
        decoder_outputs, _, attentions = decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
    decoded = [words[i] for i in topi.squeeze().tolist()]
    return {"losses": losses, "decoded": decoded, "attention": attentions.numpy().tolist()}, (
        encoder,
        decoder,
    )


if __name__ == "__main__":
    result, _ = main()
    print(f"loss {result['losses'][0]:.4f} -> {result['losses'][-1]:.4f}: {result['decoded']}")
