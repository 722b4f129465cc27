"""A sequence classifier in the style of the PyTorch tutorials and course notebooks:
nn.Embedding + nn.LSTM(batch_first=True) + nn.Linear, a TensorDataset and DataLoader,
nn.CrossEntropyLoss, optim.Adam with a StepLR schedule, clip_grad_norm_, model.eval().

The task: does a sequence of digits contain more 7s than 3s? Made with a Generator.
Only the imports differ from the PyTorch program (see tests/test_pytorch_programs.py).
"""

# Written as PyTorch users write it (super(Cls, self), unused loop variables): lint spared.
# ruff: noqa: B007, E501, UP008, UP034

import tinygrad_rnn as torch
import tinygrad_rnn.nn as nn
import tinygrad_rnn.optim as optim
from tinygrad_rnn.utils.data import DataLoader, TensorDataset


def make_data(n, length):
    sequences, labels = [], []
    state = 12345
    for _ in range(n):
        row = []
        for _ in range(length):
            state = (1103515245 * state + 12345) % 2**31  # a fixed sequence on both engines
            row.append(state % 10)
        sequences.append(row)
        labels.append(int(row.count(7) > row.count(3)))
    return torch.tensor(sequences, dtype=torch.long), torch.tensor(labels, dtype=torch.long)


class Classifier(nn.Module):
    def __init__(self, vocab_size=10, embed_dim=8, hidden_dim=16, num_classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def forward(self, x):
        embedded = self.embedding(x)  # (B, T, E)
        output, (h_n, c_n) = self.lstm(embedded)
        return self.fc(h_n[-1])  # (B, C)


def main(state_dict=None, epochs=4):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    x, y = make_data(48, 9)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False)
    model = Classifier()
    if state_dict is not None:
        model.load_state_dict(state_dict)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    losses = []
    for epoch in range(epochs):
        model.train()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    with torch.no_grad():
        predictions = model(x).argmax(dim=1)
        accuracy = (predictions == y).float().mean().item()
    return {"losses": losses, "accuracy": accuracy, "lr": scheduler.get_last_lr()}, model


if __name__ == "__main__":
    result, _ = main()
    print(
        f"loss {result['losses'][0]:.4f} -> {result['losses'][-1]:.4f}, acc {result['accuracy']:.2f}"
    )
