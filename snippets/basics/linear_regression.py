# Linear regression the PyTorch way: nn.Module, a loss, an optimizer, a training loop,
# a Dataset and a DataLoader for mini-batches.
# Run it: python snippets/basics/linear_regression.py

# --8<-- [start:data]
import torch
from torch import nn

torch.manual_seed(0)

x_data = torch.tensor([[1.0], [2.0], [3.0]])  # (N, 1): N = 3 examples, 1 feature each
y_data = torch.tensor([[2.0], [4.0], [6.0]])  # (N, 1)
# --8<-- [end:data]

# --8<-- [start:model]
class LinearModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)  # one input feature, one output: y_hat = x * w + b

    def forward(self, x):  # x: (N, 1)
        return self.linear(x)  # (N, 1)


model = LinearModel()
for name, param in model.named_parameters():
    print(f"{name}: shape {tuple(param.shape)}, initial value {param.item():.4f}")
    #> linear.weight: shape (1, 1), initial value -0.0075
    #> linear.bias: shape (1,), initial value 0.5364
# --8<-- [end:model]

# --8<-- [start:loss-and-optimizer]
loss_fn = nn.MSELoss(reduction="sum")  # sum of squared errors over the batch
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
# --8<-- [end:loss-and-optimizer]

# --8<-- [start:training-loop]
for epoch in range(500):
    y_hat = model(x_data)  # 1. forward: predictions, (N, 1)
    loss = loss_fn(y_hat, y_data)  # 2. loss: a scalar tensor
    optimizer.zero_grad()  # 3. clear the gradients of the previous step
    loss.backward()  # 4. backward: d loss / d parameter into each .grad
    optimizer.step()  # 5. update: parameter -= lr * parameter.grad
    if epoch in (0, 1, 10, 100, 499):
        print(f"epoch {epoch:3d}: loss = {loss.item():.6f}")
        #> epoch   0: loss = 44.360519
        #> epoch   1: loss = 20.077080
        #> epoch  10: loss = 0.540135
        #> epoch 100: loss = 0.143154
        #> epoch 499: loss = 0.000444
# --8<-- [end:training-loop]

# --8<-- [start:predict]
w = model.linear.weight.item()
b = model.linear.bias.item()
print(f"learned w = {w:.4f}, b = {b:.4f}")
#> learned w = 1.9860, b = 0.0319

with torch.no_grad():  # no graph needed to predict
    y_new = model(torch.tensor([[4.0]]))
print(f"prediction for x = 4: {y_new.item():.4f}")
#> prediction for x = 4: 7.9758
# --8<-- [end:predict]

# --8<-- [start:reduction]
y_hat = torch.tensor([[3.0], [4.0], [5.0]])  # some predictions: errors 1, 0, -1
sse = nn.MSELoss(reduction="sum")(y_hat, y_data)
mse = nn.MSELoss(reduction="mean")(y_hat, y_data)  # "mean" is the default
print(f"sum = {sse.item():.4f}, mean = {mse.item():.4f}, ratio = {sse.item() / mse.item():.0f}")
#> sum = 2.0000, mean = 0.6667, ratio = 3
# --8<-- [end:reduction]

# --8<-- [start:noisy-data]
torch.manual_seed(0)
N = 100
x = torch.rand(N, 1) * 3  # (N, 1), uniform in [0, 3)
noise = 0.5 * torch.randn(N, 1)  # Gaussian, standard deviation sigma = 0.5
y = 3 * x + 2 + noise  # (N, 1): the true line is y = 3x + 2

# The exact least-squares answer, for reference (derived on the next page): solve [x, 1] @ (w, b) = y
X_line = torch.cat([x, torch.ones(N, 1)], dim=1)  # (N, 2): a column of ones carries b
w_star, b_star = torch.linalg.lstsq(X_line, y).solution.squeeze().tolist()
print(f"least squares: w* = {w_star:.4f}, b* = {b_star:.4f}")
#> least squares: w* = 2.8857, b* = 2.1661
# --8<-- [end:noisy-data]

# --8<-- [start:full-batch]
def zero_model():
    """nn.Linear(1, 1) with w = b = 0, so every run starts from the same place."""
    model = nn.Linear(1, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    return model


def params(model):
    return model.weight.item(), model.bias.item()


epochs, lr = 50, 0.1
model = zero_model()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
loss_fn = nn.MSELoss()  # reduction="mean"
full_batch_history = [params(model)]  # (w, b) after each epoch, the start first
for epoch in range(epochs):
    loss = loss_fn(model(x), y)  # all N examples: one update per epoch
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    full_batch_history.append(params(model))
for epoch in (1, 5, 50):
    w, b = full_batch_history[epoch]
    print(f"full batch, epoch {epoch:2d}: w = {w:.3f}, b = {b:.3f}")
    #> full batch, epoch  1: w = 2.320, b = 1.279
    #> full batch, epoch  5: w = 3.087, b = 1.785
    #> full batch, epoch 50: w = 2.916, b = 2.110
# --8<-- [end:full-batch]

# --8<-- [start:dataset]
from torch.utils.data import DataLoader, Dataset


class NoisyLine(Dataset):
    """N (x, y) pairs. A Dataset only answers: how many, and which is number i?"""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]  # shapes (1,), (1,)


dataset = NoisyLine(x, y)
loader = DataLoader(dataset, batch_size=10, shuffle=True)  # reshuffled every epoch
x_batch, y_batch = next(iter(loader))
print(f"{len(dataset)} examples, {len(loader)} batches per epoch")
#> 100 examples, 10 batches per epoch
print(f"one batch: x {tuple(x_batch.shape)}, y {tuple(y_batch.shape)}")
#> one batch: x (10, 1), y (10, 1)
# --8<-- [end:dataset]

# --8<-- [start:mini-batch]
model = zero_model()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
mini_batch_history = [params(model)]
for epoch in range(epochs):
    for x_batch, y_batch in loader:  # 10 updates per epoch
        loss = loss_fn(model(x_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    mini_batch_history.append(params(model))
for epoch in (1, 5, 50):
    w, b = mini_batch_history[epoch]
    print(f"mini-batch, epoch {epoch:2d}: w = {w:.3f}, b = {b:.3f}")
    #> mini-batch, epoch  1: w = 3.045, b = 1.786
    #> mini-batch, epoch  5: w = 2.946, b = 2.103
    #> mini-batch, epoch 50: w = 2.818, b = 2.118
# --8<-- [end:mini-batch]


# --8<-- [start:exercise-sum-vs-mean]
# Exercise 1: reduction="sum" with lr / N takes exactly the steps of reduction="mean" with lr.
def train(reduction, lr, epochs=20):
    model = zero_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(epochs):
        loss = nn.MSELoss(reduction=reduction)(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return torch.tensor(params(model))


with_mean, with_sum = train("mean", lr), train("sum", lr / N)
print(f"mean, lr = {lr}: w = {with_mean[0]:.6f}, b = {with_mean[1]:.6f}")
#> mean, lr = 0.1: w = 2.994076, b = 1.965513
print(f"sum, lr = {lr / N}: w = {with_sum[0]:.6f}, b = {with_sum[1]:.6f}")
#> sum, lr = 0.001: w = 2.994076, b = 1.965513
assert torch.allclose(with_mean, with_sum, rtol=1e-5)
# --8<-- [end:exercise-sum-vs-mean]

# --8<-- [start:exercise-tensor-dataset]
# Exercise 2: TensorDataset instead of NoisyLine; the same generator seed gives the same batches.
from torch.utils.data import TensorDataset

ours = DataLoader(NoisyLine(x, y), batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(1))
ready_made = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(1))
same = all(torch.equal(xa, xb) and torch.equal(ya, yb) for (xa, ya), (xb, yb) in zip(ours, ready_made))
print(f"{len(ready_made)} batches, identical: {same}")
#> 10 batches, identical: True
assert same
# --8<-- [end:exercise-tensor-dataset]

# --8<-- [start:exercise-one-batch]
# Exercise 3: batch_size=N makes the DataLoader loop full-batch gradient descent.
model = zero_model()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
whole = DataLoader(dataset, batch_size=N, shuffle=True)  # one batch per epoch: all N, shuffled
for epoch in range(epochs):
    for x_batch, y_batch in whole:
        loss = loss_fn(model(x_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
print(f"{len(whole)} batch per epoch; after {epochs} epochs w = {params(model)[0]:.3f}, b = {params(model)[1]:.3f}")
#> 1 batch per epoch; after 50 epochs w = 2.916, b = 2.110
assert torch.allclose(torch.tensor(params(model)), torch.tensor(full_batch_history[-1]), atol=1e-5)
# --8<-- [end:exercise-one-batch]
