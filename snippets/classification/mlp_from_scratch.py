# A two-layer MLP with hand-written backpropagation in NumPy, checked against
# autograd, then the same kind of model as an nn.Module trained on MNIST with
# NLLLoss and SGD(weight_decay, momentum).
# Run it: python snippets/classification/mlp_from_scratch.py

# --8<-- [start:numpy-setup]
import numpy as np

rng = np.random.default_rng(0)
N, D_in, H, D_out = 64, 10, 100, 1  # samples, input features, hidden units, outputs
X = rng.standard_normal((N, D_in))  # (N, D_in)
v = rng.standard_normal((D_in, D_out))
y = np.sin(2 * X @ v / np.sqrt(D_in)) + 0.1 * rng.standard_normal((N, D_out))  # (N, D_out)

wstd = 0.1
W1 = rng.standard_normal((H, D_in)) * wstd  # (H, D_in)
b1 = rng.standard_normal(H) * wstd + 0.1  # (H,)
W2 = rng.standard_normal((D_out, H)) * wstd  # (D_out, H)
b2 = rng.standard_normal(D_out) * wstd + 0.1  # (D_out,)
reg_lambda, learning_rate = 0.01, 0.05
# --8<-- [end:numpy-setup]


# --8<-- [start:numpy-backprop]
def loss_and_gradients(W1, b1, W2, b2):
    """The loss (with the L2 term) and its gradients by the chain rule, layer by layer, backwards."""
    # Forward pass
    Z = X @ W1.T + b1  # (N, H)
    A = np.maximum(Z, 0)  # (N, H)
    Y_hat = A @ W2.T + b2  # (N, D_out)
    loss = 0.5 * np.sum((Y_hat - y) ** 2) / N + 0.5 * reg_lambda * (np.sum(W1**2) + np.sum(W2**2))

    # Backward pass: output layer
    d_Y_hat = (Y_hat - y) / N  # (N, D_out)
    d_W2 = d_Y_hat.T @ A + reg_lambda * W2  # (D_out, H)
    d_b2 = d_Y_hat.sum(axis=0)  # (D_out,)
    d_A = d_Y_hat @ W2  # (N, H)

    # Backward pass: hidden layer
    d_Z = d_A * (Z > 0).astype(float)  # (N, H): ReLU passes the gradient where Z > 0
    d_W1 = d_Z.T @ X + reg_lambda * W1  # (H, D_in)
    d_b1 = d_Z.sum(axis=0)  # (H,)
    return loss, (d_W1, d_b1, d_W2, d_b2)
# --8<-- [end:numpy-backprop]


# --8<-- [start:autograd-check]
import torch

params = [torch.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]  # float64 copies
tW1, tb1, tW2, tb2 = params
X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
Y_hat_t = torch.relu(X_t @ tW1.T + tb1) @ tW2.T + tb2
loss_t = 0.5 * ((Y_hat_t - y_t) ** 2).sum() / N + 0.5 * reg_lambda * ((tW1**2).sum() + (tW2**2).sum())
loss_t.backward()

loss, grads = loss_and_gradients(W1, b1, W2, b2)
print(f"loss: by hand {loss:.6f}, autograd {loss_t.item():.6f}")
#> loss: by hand 0.319685, autograd 0.319685
for name, grad, p in zip(["W1", "b1", "W2", "b2"], grads, params):
    assert torch.allclose(torch.from_numpy(grad), p.grad, rtol=1e-10, atol=1e-12), name
print("all four gradients match autograd (float64, rtol 1e-10)")
#> all four gradients match autograd (float64, rtol 1e-10)
# --8<-- [end:autograd-check]

# --8<-- [start:numpy-training]
numpy_losses = []
for epoch in range(500):
    loss, (d_W1, d_b1, d_W2, d_b2) = loss_and_gradients(W1, b1, W2, b2)
    numpy_losses.append(loss)
    W1 -= learning_rate * d_W1  # plain gradient descent on all N samples
    b1 -= learning_rate * d_b1
    W2 -= learning_rate * d_W2
    b2 -= learning_rate * d_b2
print(f"loss: epoch 0 {numpy_losses[0]:.4f}, epoch 100 {numpy_losses[100]:.4f}, "
      f"epoch 499 {numpy_losses[-1]:.4f}")
#> loss: epoch 0 0.3197, epoch 100 0.1802, epoch 499 0.1005
# --8<-- [end:numpy-training]


# --8<-- [start:module]
from torch import nn


class MLP(nn.Module):
    """Linear + ReLU for each hidden layer, a final Linear, then log-softmax."""

    def __init__(self, in_dim, hidden_dims, out_dim):
        super().__init__()
        dims = [in_dim, *hidden_dims]
        layers = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(d_in, d_out), nn.ReLU()]
        layers.append(nn.Linear(dims[-1], out_dim))  # the output layer: no ReLU after it
        self.layers = nn.Sequential(*layers)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        logits = self.layers(x.flatten(start_dim=1))  # (B, out_dim)
        return self.log_softmax(logits)  # log-probabilities, what NLLLoss expects


torch.manual_seed(0)
model = MLP(784, hidden_dims=[128, 64], out_dim=10)
print(model)
#> MLP(
#>   (layers): Sequential(
#>     (0): Linear(in_features=784, out_features=128, bias=True)
#>     (1): ReLU()
#>     (2): Linear(in_features=128, out_features=64, bias=True)
#>     (3): ReLU()
#>     (4): Linear(in_features=64, out_features=10, bias=True)
#>   )
#>   (log_softmax): LogSoftmax(dim=1)
#> )
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
#> 109,386 parameters
# --8<-- [end:module]

# --8<-- [start:mnist-data]
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
train_full = datasets.MNIST(root="data", train=True, download=True, transform=transform)
test_set = datasets.MNIST(root="data", train=False, download=True, transform=transform)
subset = torch.randperm(len(train_full), generator=torch.Generator().manual_seed(0))[:10_000]
train_set = Subset(train_full, subset.tolist())  # 10,000 random training images, the same each run
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=1000)
# --8<-- [end:mnist-data]

# --8<-- [start:last-relu-bug]
import torch.nn.functional as F

torch.manual_seed(0)
buggy = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                      nn.Linear(64, 10), nn.ReLU())  # the bug: a ReLU after the output layer
images, labels = next(iter(test_loader))  # 1000 test images
logits = buggy[:-1](images.flatten(start_dim=1))  # (1000, 10), before the last ReLU
logits.retain_grad()  # keep the gradient of this intermediate tensor
scores = buggy[-1](logits)  # the last ReLU: negative logits become 0
F.nll_loss(F.log_softmax(scores, dim=1), labels).backward()
dead = logits < 0
print(f"{dead.float().mean():.0%} of the logits are negative, clamped to 0")
#> 47% of the logits are negative, clamped to 0
print(f"largest gradient that reaches them: {logits.grad[dead].abs().max().item()}")
#> largest gradient that reaches them: 0.0
print(f"images whose true digit is clamped: {dead[torch.arange(1000), labels].float().mean():.0%}")
#> images whose true digit is clamped: 47%
# --8<-- [end:last-relu-bug]

# --8<-- [start:mnist-training]
model = model.to(device)
loss_fn = nn.NLLLoss()  # mean of -log p[label] over the batch; the model outputs log p
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)


def test_accuracy(model):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images.to(device)).argmax(dim=1).cpu() == labels).sum().item()
    return correct / len(test_set)


torch.manual_seed(0)
mnist_test_accuracy = []
for epoch in range(1, 6):
    model.train()
    total = 0.0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    mnist_test_accuracy.append(test_accuracy(model))
    train_loss, accuracy = total / len(train_set), mnist_test_accuracy[-1]
    print(f"epoch {epoch}: training loss {train_loss:.2f}, test accuracy {accuracy:.1%}")  # ±9 in the last digit
    #> epoch 1: training loss 0.61, test accuracy 90.9%
    #> epoch 2: training loss 0.22, test accuracy 94.1%
    #> epoch 3: training loss 0.14, test accuracy 93.7%
    #> epoch 4: training loss 0.12, test accuracy 94.7%
    #> epoch 5: training loss 0.09, test accuracy 95.2%
# --8<-- [end:mnist-training]


# --8<-- [start:exercise-tanh]
# Exercise 1: a tanh hidden layer. Only the local derivative changes: 1 - tanh(Z)^2.
def tanh_loss_and_gradients(W1, b1, W2, b2):
    Z = X @ W1.T + b1
    A = np.tanh(Z)
    Y_hat = A @ W2.T + b2
    loss = 0.5 * np.sum((Y_hat - y) ** 2) / N + 0.5 * reg_lambda * (np.sum(W1**2) + np.sum(W2**2))
    d_Y_hat = (Y_hat - y) / N
    d_W2, d_b2 = d_Y_hat.T @ A + reg_lambda * W2, d_Y_hat.sum(axis=0)
    d_Z = (d_Y_hat @ W2) * (1 - A**2)
    d_W1, d_b1 = d_Z.T @ X + reg_lambda * W1, d_Z.sum(axis=0)
    return loss, (d_W1, d_b1, d_W2, d_b2)


params = [torch.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
tW1, tb1, tW2, tb2 = params
Y_hat_t = torch.tanh(X_t @ tW1.T + tb1) @ tW2.T + tb2
(0.5 * ((Y_hat_t - y_t) ** 2).sum() / N + 0.5 * reg_lambda * ((tW1**2).sum() + (tW2**2).sum())).backward()
_, grads = tanh_loss_and_gradients(W1, b1, W2, b2)
match = all(torch.allclose(torch.from_numpy(g), p.grad, rtol=1e-10, atol=1e-12) for g, p in zip(grads, params))
print(match)
#> True
assert match
# --8<-- [end:exercise-tanh]

# --8<-- [start:exercise-weight-decay]
# Exercise 2: weight_decay=lam gives the same step as adding (lam / 2) * sum(theta^2) to the loss.
torch.manual_seed(0)
layer_a = nn.Linear(3, 2)
layer_b = nn.Linear(3, 2)
layer_b.load_state_dict(layer_a.state_dict())  # identical starting weights
x_wd, y_wd = torch.randn(8, 3), torch.randn(8, 2)
lam = 0.1

opt_a = torch.optim.SGD(layer_a.parameters(), lr=0.1, weight_decay=lam)
F.mse_loss(layer_a(x_wd), y_wd).backward()
opt_a.step()

opt_b = torch.optim.SGD(layer_b.parameters(), lr=0.1)
penalty = 0.5 * lam * sum((p**2).sum() for p in layer_b.parameters())
(F.mse_loss(layer_b(x_wd), y_wd) + penalty).backward()
opt_b.step()
print(all(torch.allclose(a, b) for a, b in zip(layer_a.parameters(), layer_b.parameters())))
#> True
assert all(torch.allclose(a, b) for a, b in zip(layer_a.parameters(), layer_b.parameters()))
# --8<-- [end:exercise-weight-decay]
