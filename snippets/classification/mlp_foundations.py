# Foundations of the multi-layer perceptron: the perceptron and its limits, linear
# decision boundaries, why depth needs a nonlinear activation, activation functions
# and their gradients, and universal approximation.
# Run it: python snippets/classification/mlp_foundations.py

# --8<-- [start:perceptron]
import torch


def perceptron(x, w, b):
    """Rosenblatt's perceptron: output 1 if w . x + b >= 0, else 0."""
    return (x @ w + b >= 0).float()


inputs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
print("AND:", perceptron(inputs, torch.tensor([1.0, 1.0]), -1.5).tolist())
#> AND: [0.0, 0.0, 0.0, 1.0]
print("OR: ", perceptron(inputs, torch.tensor([1.0, 1.0]), -0.5).tolist())
#> OR:  [0.0, 1.0, 1.0, 1.0]

# XOR: try 68,921 weight settings at once, w1, w2, b each from -2 to 2 in steps of 0.1
steps = torch.linspace(-2, 2, 41)
w1, w2, b = torch.cartesian_prod(steps, steps, steps).T  # three (68921,) tensors
outputs = (inputs[:, :1] * w1 + inputs[:, 1:] * w2 + b >= 0).float()  # (4, 68921)
xor = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
print(f"settings that compute XOR: {(outputs == xor).all(dim=0).sum()} of {len(b)}")
#> settings that compute XOR: 0 of 68921
# --8<-- [end:perceptron]

# --8<-- [start:circles]
from torch import nn

torch.manual_seed(0)
n = 200  # points per class
angle = 2 * torch.pi * torch.rand(2 * n)
radius = torch.cat([0.5 + 0.1 * torch.randn(n), 1.0 + 0.1 * torch.randn(n)])  # inner, outer ring
points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)  # (400, 2)
classes = torch.cat([torch.ones(n), torch.zeros(n)]).unsqueeze(1)  # (400, 1): inner ring = 1


def fit(model, steps=2000, lr=0.1):
    """Full-batch SGD with momentum on the rings; returns the training accuracy."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        loss = loss_fn(model(points), classes)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return ((model(points) > 0).float() == classes).float().mean().item()


logistic_regression = nn.Linear(2, 1)  # a logit z = w . x + b; sigmoid(z) > 0.5 where z > 0
mlp = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
print(f"logistic regression: {fit(logistic_regression):.1%}, MLP: {fit(mlp):.1%} of points right")
#> logistic regression: 51.0%, MLP: 99.5% of points right
no_activation = nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 1))  # two layers, nothing between them
print(f"the same two layers without the ReLU: {fit(no_activation):.1%}")
#> the same two layers without the ReLU: 51.0%
# --8<-- [end:circles]

# --8<-- [start:boundary-grid]
grid_steps = torch.linspace(-1.6, 1.6, 161)
grid = torch.cartesian_prod(grid_steps, grid_steps)  # (25921, 2) points covering the plane
with torch.no_grad():
    p_logistic = torch.sigmoid(logistic_regression(grid)).reshape(161, 161)  # [i, j] = (x_i, y_j)
    p_mlp = torch.sigmoid(mlp(grid)).reshape(161, 161)
# --8<-- [end:boundary-grid]

# --8<-- [start:activations]
import math

import torch.nn.functional as F


def Phi(z):  # the standard normal CDF; GELU(z) = z * Phi(z)
    return 0.5 * (1 + torch.erf(z / math.sqrt(2)))


def normal_density(z):  # Phi'(z), the standard normal density
    return torch.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)


z = torch.linspace(-4, 4, 801, dtype=torch.float64, requires_grad=True)
activations = {  # each with its derivative, written out by hand
    "relu": (torch.relu, lambda z: (z > 0).double()),
    "sigmoid": (torch.sigmoid, lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z))),
    "tanh": (torch.tanh, lambda z: 1 - torch.tanh(z) ** 2),
    "softplus": (F.softplus, torch.sigmoid),
    "gelu": (F.gelu, lambda z: Phi(z) + z * normal_density(z)),
}
for name, (phi, derivative) in activations.items():
    (autograd_derivative,) = torch.autograd.grad(phi(z).sum(), z)  # d phi(z_i) / d z_i for every i
    assert torch.allclose(autograd_derivative, derivative(z.detach()), rtol=1e-9, atol=1e-12)
    d0, d3 = derivative(torch.tensor([0.0, 3.0], dtype=torch.float64)).tolist()
    print(f"{name:8s} phi'(0) = {d0:.4f}   phi'(3) = {d3:.4f}")
    #> relu     phi'(0) = 0.0000   phi'(3) = 1.0000
    #> sigmoid  phi'(0) = 0.2500   phi'(3) = 0.0452
    #> tanh     phi'(0) = 1.0000   phi'(3) = 0.0099
    #> softplus phi'(0) = 0.5000   phi'(3) = 0.9526
    #> gelu     phi'(0) = 0.5000   phi'(3) = 1.0119
# --8<-- [end:activations]

# --8<-- [start:universal-approximation]
x_1d = torch.linspace(-1, 1, 300).unsqueeze(1)  # (300, 1)
y_1d = torch.sin(3 * torch.pi * x_1d)  # the function to approximate: three periods of a sine

uat_fits = {}  # hidden units -> the network's output on x_1d
for hidden in (2, 8, 64):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, hidden), nn.Sigmoid(), nn.Linear(hidden, 1))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    for step in range(3000):
        loss = ((net(x_1d) - y_1d) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        uat_fits[hidden] = net(x_1d)
    max_error = (uat_fits[hidden] - y_1d).abs().max()
    print(f"{hidden:2d} hidden units: mean squared error {loss.item():.3f}, largest error {max_error:.1f}")
    #>  2 hidden units: mean squared error 0.361, largest error 1.0
    #>  8 hidden units: mean squared error 0.024, largest error 0.7
    #> 64 hidden units: mean squared error 0.002, largest error 0.2
# --8<-- [end:universal-approximation]

# --8<-- [start:exercise-no-activation]
# Exercise 1: without activations, two Linear layers are one Linear layer.
torch.manual_seed(0)
first, second = nn.Linear(5, 8), nn.Linear(8, 3)
W = second.weight @ first.weight  # (3, 5)
b = second.weight @ first.bias + second.bias  # (3,)
x_test = torch.randn(4, 5)
print(torch.allclose(second(first(x_test)), x_test @ W.T + b, atol=1e-6))
#> True
assert torch.allclose(second(first(x_test)), x_test @ W.T + b, atol=1e-6)
# --8<-- [end:exercise-no-activation]


# --8<-- [start:exercise-xor]
# Exercise 2: two hidden ReLU units compute XOR, which no perceptron can.
W1 = torch.tensor([[1.0, 1.0], [1.0, 1.0]])  # both hidden units see x1 + x2
b1 = torch.tensor([0.0, -1.0])  # ... the second one only above 1
W2 = torch.tensor([1.0, -2.0])
hidden = torch.relu(inputs @ W1.T + b1)  # (4, 2): rows (0, 0), (1, 0), (1, 0), (2, 1)
xor_by_mlp = hidden @ W2  # 0, 1, 1, 2 - 2 * 1 = 0
print(xor_by_mlp.tolist())
#> [0.0, 1.0, 1.0, 0.0]
assert torch.equal(xor_by_mlp, xor.flatten())
# --8<-- [end:exercise-xor]
