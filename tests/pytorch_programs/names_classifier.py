"""Classifying names with a character-level RNN, written the way the official PyTorch
tutorial writes it (nn.Linear i2h/h2o on [input; hidden], LogSoftmax, NLLLoss, a manual
SGD step through p.data and p.grad.data, one-hot letters set by item assignment).

Only the imports differ from the PyTorch program: tests/test_pytorch_programs.py runs it
here, and (when torch is installed) switches the imports back and compares the numbers.
"""

# Written as PyTorch users write it (super(Cls, self), unused loop variables): lint spared.
# ruff: noqa: B007, E501, UP008, UP034

import string

import tinygrad_rnn as torch
import tinygrad_rnn.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
category_lines = {
    "English": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans"],
    "French": ["Dubois", "Lefebvre", "Moreau", "Laurent", "Girard", "Rousseau"],
    "Italian": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        output = self.h2o(hidden)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


def train(rnn, criterion, learning_rate, category_tensor, line_tensor):
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


def main(state_dict=None, epochs=3):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    rnn = RNN(n_letters, 16, n_categories)
    if state_dict is not None:
        rnn.load_state_dict(state_dict)
    criterion = nn.NLLLoss()
    losses, guesses = [], []
    for epoch in range(epochs):
        for index in range(6):
            for category in all_categories:
                line = category_lines[category][index]
                category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
                output, loss = train(rnn, criterion, 0.1, category_tensor, lineToTensor(line))
                losses.append(loss)
                guesses.append(categoryFromOutput(output)[1])
    with torch.no_grad():
        hidden = rnn.initHidden()
        line_tensor = lineToTensor("Bianchi")
        for i in range(line_tensor.size(0)):
            output, hidden = rnn(line_tensor[i], hidden)
    return {"losses": losses, "guesses": guesses, "final": output.numpy().tolist()}, rnn


if __name__ == "__main__":
    result, _ = main()
    print(f"loss {result['losses'][0]:.4f} -> {result['losses'][-1]:.4f}")
