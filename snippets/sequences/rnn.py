# Recurrent networks: one step of nn.RNN by hand, input and output shapes,
# "hello" -> "ohlol" with nn.RNNCell, nn.RNN and nn.Embedding, an LSTM step by
# hand, and how far back gradients reach in a plain RNN, an LSTM and a GRU.
# Run it: python snippets/sequences/rnn.py

# --8<-- [start:by-hand]
import torch
from torch import nn

torch.manual_seed(0)
rnn = nn.RNN(input_size=4, hidden_size=3)  # one layer, tanh
for name, p in rnn.named_parameters():
    print(f"{name}: {tuple(p.shape)}")
    #> weight_ih_l0: (3, 4)
    #> weight_hh_l0: (3, 3)
    #> bias_ih_l0: (3,)
    #> bias_hh_l0: (3,)

x = torch.randn(5, 1, 4)  # (seq_len, batch, input_size): 5 steps of one sequence
h = torch.zeros(1, 3)  # h_0 = 0, one row per sequence in the batch
hs = []
for x_t in x:  # x_t: (batch, input_size), one time step
    h = torch.tanh(x_t @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
    hs.append(h)
output, h_n = rnn(x)  # the whole sequence in one call
print(f"output {tuple(output.shape)}, h_n {tuple(h_n.shape)}")
#> output (5, 1, 3), h_n (1, 1, 3)
print(torch.allclose(torch.stack(hs), output, atol=1e-6), torch.allclose(h, h_n[0], atol=1e-6))
#> True True
# --8<-- [end:by-hand]

# --8<-- [start:shapes]
batch = torch.randn(2, 5, 4)  # (batch, seq_len, input_size): 2 sequences of 5 steps
layer = nn.RNN(input_size=4, hidden_size=3, batch_first=True)
output, h_n = layer(batch)
print(f"batch_first: output {tuple(output.shape)}, h_n {tuple(h_n.shape)}")
#> batch_first: output (2, 5, 3), h_n (1, 2, 3)
print(torch.equal(output[:, -1], h_n[0]))  # the last step's output is the final hidden state
#> True

deep = nn.RNN(input_size=4, hidden_size=3, num_layers=2, batch_first=True)
output, h_n = deep(batch, torch.zeros(2, 2, 3))  # h_0: (num_layers, batch, hidden_size)
print(f"2 layers: output {tuple(output.shape)}, h_n {tuple(h_n.shape)}")
#> 2 layers: output (2, 5, 3), h_n (2, 2, 3)
# --8<-- [end:shapes]

# --8<-- [start:hello-data]
import torch.nn.functional as F

idx2char = ["e", "h", "l", "o"]  # the vocabulary: index -> character
x_data = [1, 0, 2, 2, 3]  # h e l l o
y_data = [3, 1, 2, 3, 2]  # o h l o l: the target at each step
inputs = F.one_hot(torch.tensor(x_data), num_classes=4).float()  # (seq_len 5, input_size 4)
labels = torch.tensor(y_data)  # (5,) class indices
print(inputs.tolist())
#> [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


def as_text(indices):
    return "".join(idx2char[i] for i in indices)


print(as_text(x_data), "->", as_text(y_data))
#> hello -> ohlol
# --8<-- [end:hello-data]

# --8<-- [start:rnn-cell]
torch.manual_seed(3)  # some seeds get stuck at "ohlll": see the warning below
cell = nn.RNNCell(input_size=4, hidden_size=4)  # hidden_size 4: h_t doubles as the 4 logits
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(cell.parameters(), lr=0.1)

for epoch in range(1, 16):
    h = torch.zeros(1, 4)  # a fresh h_0 for every pass over the sequence
    loss, predicted = 0.0, []
    for x_t, y_t in zip(inputs, labels):  # one time step at a time
        h = cell(x_t.unsqueeze(0), h)  # (1, 4) -> (1, 4)
        loss = loss + loss_fn(h, y_t.unsqueeze(0))
        predicted.append(h.argmax(dim=1).item())
    loss = loss / len(labels)  # the mean loss per time step
    optimizer.zero_grad()
    loss.backward()  # backpropagation through time: through all 5 steps
    optimizer.step()
    print(f"epoch {epoch:2d}: loss {loss.item():.3f}, predicted {as_text(predicted)}")  # ±1 in the last digit
    #> epoch  1: loss 1.291, predicted loooo
    #> epoch  2: loss 1.167, predicted lllll
    #> epoch  3: loss 1.093, predicted ollll
    #> epoch  4: loss 1.022, predicted ollll
    #> epoch  5: loss 0.929, predicted ollll
    #> epoch  6: loss 0.832, predicted ohlll
    #> epoch  7: loss 0.736, predicted ohlll
    #> epoch  8: loss 0.666, predicted ohlol
    #> epoch  9: loss 0.620, predicted ohlol
    #> epoch 10: loss 0.584, predicted ohlol
    #> epoch 11: loss 0.551, predicted ohlol
    #> epoch 12: loss 0.520, predicted ohlol
    #> epoch 13: loss 0.492, predicted ohlol
    #> epoch 14: loss 0.468, predicted ohlol
    #> epoch 15: loss 0.448, predicted ohlol
# --8<-- [end:rnn-cell]

# --8<-- [start:nn-rnn]
torch.manual_seed(3)  # the same seed: the same initial weights as the cell
rnn = nn.RNN(input_size=4, hidden_size=4, batch_first=True)
optimizer = torch.optim.Adam(rnn.parameters(), lr=0.1)

for epoch in range(1, 16):
    output, _ = rnn(inputs.unsqueeze(0))  # (1, 5, 4): all steps at once; h_0 defaults to 0
    logits = output.squeeze(0)  # (5, 4)
    loss = loss_fn(logits, labels)  # the mean over the 5 steps
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 3 == 0:
        print(f"epoch {epoch:2d}: loss {loss.item():.3f}, predicted {as_text(logits.argmax(dim=1).tolist())}")
        #> epoch  3: loss 1.093, predicted ollll
        #> epoch  6: loss 0.832, predicted ohlll
        #> epoch  9: loss 0.620, predicted ohlol
        #> epoch 12: loss 0.520, predicted ohlol
        #> epoch 15: loss 0.448, predicted ohlol

floor = -torch.log_softmax(torch.tensor([1.0, -1.0, -1.0, -1.0]), dim=0)[0]
print(f"lowest possible loss with logits in [-1, 1]: {floor:.3f}")
#> lowest possible loss with logits in [-1, 1]: 0.341
# --8<-- [end:nn-rnn]


# --8<-- [start:embedding]
class CharModel(nn.Module):
    """Character index -> embedding -> 2-layer RNN -> linear layer -> logits of the next character."""

    def __init__(self, num_chars=4, embedding_dim=10, hidden_size=8):
        super().__init__()
        self.embed = nn.Embedding(num_chars, embedding_dim)  # a learned vector per character
        self.rnn = nn.RNN(embedding_dim, hidden_size, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_chars)  # unbounded logits, unlike tanh's [-1, 1]

    def forward(self, x):  # x: (batch, seq_len) character indices
        output, _ = self.rnn(self.embed(x))  # (batch, seq_len, embedding_dim) -> (batch, seq_len, hidden_size)
        return self.fc(output)  # (batch, seq_len, num_chars)


torch.manual_seed(0)
model = CharModel()
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
x_indices = torch.tensor([x_data])  # (1, 5): indices, no one-hot needed
for epoch in range(1, 16):
    logits = model(x_indices).view(-1, 4)  # (5, 4)
    loss = loss_fn(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 3 == 0:
        print(f"epoch {epoch:2d}: loss {loss.item():.3f}, predicted {as_text(logits.argmax(dim=1).tolist())}")
        #> epoch  3: loss 0.499, predicted ohlol
        #> epoch  6: loss 0.064, predicted ohlol
        #> epoch  9: loss 0.008, predicted ohlol
        #> epoch 12: loss 0.002, predicted ohlol
        #> epoch 15: loss 0.001, predicted ohlol
print(f"embedding table {tuple(model.embed.weight.shape)}: row 1 is the vector of 'h'")
#> embedding table (4, 10): row 1 is the vector of 'h'
# --8<-- [end:embedding]

# --8<-- [start:lstm-by-hand]
torch.manual_seed(0)
lstm = nn.LSTMCell(input_size=4, hidden_size=3)
x_t, h, c = torch.randn(1, 4), torch.randn(1, 3), torch.randn(1, 3)
gates = x_t @ lstm.weight_ih.T + lstm.bias_ih + h @ lstm.weight_hh.T + lstm.bias_hh  # (1, 4 * 3)
i, f, g, o = gates.chunk(4, dim=1)  # PyTorch's order: input, forget, cell, output
i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
c_new = f * c + i * g
h_new = o * torch.tanh(c_new)
h_torch, c_torch = lstm(x_t, (h, c))
print(torch.allclose(h_new, h_torch, atol=1e-6), torch.allclose(c_new, c_torch, atol=1e-6))
#> True True
print(f"weight_ih {tuple(lstm.weight_ih.shape)}: four gates' weights stacked")
#> weight_ih (12, 4): four gates' weights stacked
# --8<-- [end:lstm-by-hand]

# --8<-- [start:gradient-distance]
T, hidden = 100, 32
torch.manual_seed(0)
sequences = torch.randn(T, 16, 8)  # 16 random sequences of 100 steps, 8 features


def gradient_by_distance(layer):
    """Norm of d(sum of h_T)/d(x_t) for t = T, T-1, ..., 1, relative to the one at t = T."""
    x = sequences.clone().requires_grad_()
    output, _ = layer(x)
    output[-1].sum().backward()  # a loss that depends on the last hidden state only
    norms = x.grad.norm(dim=(1, 2)).flip(0)  # index k: k steps before the end
    return (norms / norms[0]).tolist()


torch.manual_seed(0)
layers = {"RNN": nn.RNN(8, hidden), "GRU": nn.GRU(8, hidden), "LSTM": nn.LSTM(8, hidden)}
torch.manual_seed(0)
open_lstm = nn.LSTM(8, hidden)
with torch.no_grad():
    open_lstm.bias_ih_l0[hidden : 2 * hidden] = 2.0  # forget-gate biases: f = sigmoid(about 2) = 0.88
    open_lstm.bias_hh_l0[hidden : 2 * hidden] = 0.0
layers["LSTM, forget bias 2"] = open_lstm

gradient_ratios = {name: gradient_by_distance(layer) for name, layer in layers.items()}
for name, ratios in gradient_ratios.items():
    print(f"{name:19s} 10 steps back: {ratios[10]:.1e}, 50 steps back: {ratios[50]:.1e}")
    #> RNN                 10 steps back: 2.2e-03, 50 steps back: 1.4e-14
    #> GRU                 10 steps back: 5.2e-03, 50 steps back: 3.1e-10
    #> LSTM                10 steps back: 7.6e-03, 50 steps back: 8.8e-10
    #> LSTM, forget bias 2 10 steps back: 3.2e-01, 50 steps back: 3.5e-02
# --8<-- [end:gradient-distance]

# --8<-- [start:exercise-parameters]
# Exercise 1: parameter counts of RNN, GRU and LSTM layers, from the formula and from PyTorch.
n_in, H = 10, 20
for gate_blocks, cls in ((1, nn.RNN), (3, nn.GRU), (4, nn.LSTM)):
    formula = gate_blocks * (H * n_in + H * H + 2 * H)  # per block: W_i*, W_h*, b_i*, b_h*
    counted = sum(p.numel() for p in cls(n_in, H).parameters())
    print(f"{cls.__name__}: {counted} parameters")
    #> RNN: 640 parameters
    #> GRU: 1920 parameters
    #> LSTM: 2560 parameters
    assert counted == formula
# --8<-- [end:exercise-parameters]


# --8<-- [start:exercise-gru]
# Exercise 2: the same "hello" model with a GRU (or an LSTM) instead of the plain RNN.
class GRUCharModel(CharModel):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 8, num_layers=2, batch_first=True)  # a drop-in replacement


torch.manual_seed(0)
model = GRUCharModel()
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
for epoch in range(15):
    loss = loss_fn(model(x_indices).view(-1, 4), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
predicted = as_text(model(x_indices).argmax(dim=2)[0].tolist())
print(f"GRU after 15 epochs: predicted {predicted}")
#> GRU after 15 epochs: predicted ohlol
assert predicted == "ohlol"
# --8<-- [end:exercise-gru]

# --8<-- [start:exercise-bidirectional]
# Exercise 3: where h_n's rows sit in the output of a 2-layer bidirectional RNN.
torch.manual_seed(0)
birnn = nn.RNN(input_size=4, hidden_size=3, num_layers=2, bidirectional=True, batch_first=True)
output, h_n = birnn(batch)  # batch: (2, 5, 4)
print(f"output {tuple(output.shape)}, h_n {tuple(h_n.shape)}")
#> output (2, 5, 6), h_n (4, 2, 3)
forward_last, backward_last = h_n[-2], h_n[-1]  # the last layer's two directions
assert torch.equal(output[:, -1, :3], forward_last)  # forward direction: finished at the last step
assert torch.equal(output[:, 0, 3:], backward_last)  # backward direction: finished at the first step
# --8<-- [end:exercise-bidirectional]
