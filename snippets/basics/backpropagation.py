# Computational graphs and the chain rule: why layers need a nonlinearity, backprop
# by hand on a small graph, the same numbers from loss.backward(), and training
# y_hat = x * w with autograd.
# Run it: python snippets/basics/backpropagation.py

# --8<-- [start:collapse]
import torch

torch.manual_seed(0)
x = torch.randn(5)  # 5 inputs
w1, b1, w2, b2 = torch.randn(4)  # two stacked linear "layers" of one unit each
y_hat = w2 * (w1 * x + b1) + b2
w, b = w2 * w1, w2 * b1 + b2  # ... are one linear layer
print(f"w = {w:.4f}, b = {b:.4f}, same outputs: {torch.allclose(y_hat, x * w + b, atol=1e-6)}")
#> w = -1.1721, b = -0.3812, same outputs: True

# The same with matrices: 3 inputs -> 4 hidden units -> 2 outputs
W1, B1 = torch.randn(4, 3), torch.randn(4)
W2, B2 = torch.randn(2, 4), torch.randn(2)
X = torch.randn(5, 3)  # (N, 3)
two_layers = (X @ W1.T + B1) @ W2.T + B2  # (N, 2)
one_layer = X @ (W2 @ W1).T + (W2 @ B1 + B2)  # W = W2 W1 is (2, 3), B = W2 B1 + B2 is (2,)
print(torch.allclose(two_layers, one_layer, atol=1e-5))
#> True
# --8<-- [end:collapse]

# --8<-- [start:activations]
import torch.nn.functional as F

z = torch.linspace(-4, 4, 81, requires_grad=True)
formulas = {  # the function and the derivative we derived for it
    "sigmoid": (torch.sigmoid, lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z))),
    "relu": (torch.relu, lambda z: (z > 0).float()),
    "softplus": (F.softplus, torch.sigmoid),
}
for name, (f, derivative) in formulas.items():
    z.grad = None
    f(z).sum().backward()  # each output depends on one input, so z.grad holds f'(z) elementwise
    assert torch.allclose(z.grad, derivative(z.detach()), atol=1e-6)
    print(f"{name:8s} f(1) = {f(torch.tensor(1.0)):.4f}, f'(1) = {derivative(torch.tensor(1.0)):.4f}")
    #> sigmoid  f(1) = 0.7311, f'(1) = 0.1966
    #> relu     f(1) = 1.0000, f'(1) = 1.0000
    #> softplus f(1) = 1.3133, f'(1) = 0.7311
# --8<-- [end:activations]

# --8<-- [start:abs-with-relu]
x = torch.linspace(-2, 2, 9)
W1 = torch.tensor([[1.0], [-1.0]])  # (2, 1): two hidden units, one sees x, one sees -x
W2 = torch.tensor([[1.0, 1.0]])  # (1, 2): add them up
net = (torch.relu(x.unsqueeze(1) @ W1.T) @ W2.T).squeeze(1)  # relu(x) + relu(-x)
print(torch.equal(net, x.abs()))
#> True

# The best straight line through the same points, by least squares
design = torch.stack([x, torch.ones_like(x)], dim=1)  # (9, 2): columns x and 1
line = torch.linalg.lstsq(design, x.abs().unsqueeze(1)).solution.squeeze(1)
print(f"best line: w = {line[0]:.3f}, b = {line[1]:.3f}, "
      f"MSE = {((design @ line - x.abs()) ** 2).mean():.3f}")
#> best line: w = 0.000, b = 1.111, MSE = 0.432
# --8<-- [end:abs-with-relu]

# --8<-- [start:by-hand]
x, y = 2.0, 4.0  # one example
w, b = 1.0, 0.5  # the parameters

# Forward pass: compute every node and keep its value.
u = x * w  # 2.0
y_hat = u + b  # 2.5
s = y_hat - y  # -1.5
loss = s**2  # 2.25

# Backward pass: from d loss / d loss = 1, multiply by each node's local derivative.
dloss_ds = 2 * s  # d(s^2)/ds = 2s
dloss_dyhat = dloss_ds * 1.0  # d(y_hat - y)/d y_hat = 1
dloss_db = dloss_dyhat * 1.0  # d(u + b)/db = 1
dloss_du = dloss_dyhat * 1.0  # d(u + b)/du = 1
dloss_dw = dloss_du * x  # d(x * w)/dw = x
print(f"loss = {loss}, dloss/dw = {dloss_dw}, dloss/db = {dloss_db}")
#> loss = 2.25, dloss/dw = -6.0, dloss/db = -3.0

graph_values = {"x": x, "w": w, "b": b, "y": y, "u": u, "y_hat": y_hat, "s": s, "loss": loss}
graph_grads = {"w": dloss_dw, "b": dloss_db, "u": dloss_du, "y_hat": dloss_dyhat, "s": dloss_ds, "loss": 1.0}
# --8<-- [end:by-hand]

# --8<-- [start:by-autograd]
w = torch.tensor(1.0, requires_grad=True)  # leaves we want gradients for
b = torch.tensor(0.5, requires_grad=True)
loss = (x * w + b - y) ** 2  # the forward pass records the graph as it computes
loss.backward()  # the backward pass fills w.grad and b.grad
print(f"loss = {loss.item()}, w.grad = {w.grad.item()}, b.grad = {b.grad.item()}")
#> loss = 2.25, w.grad = -6.0, b.grad = -3.0
assert torch.allclose(w.grad, torch.tensor(dloss_dw))  # default tolerance: rtol 1e-5, atol 1e-8
assert torch.allclose(b.grad, torch.tensor(dloss_db))

node, chain = loss.grad_fn, []  # walk the recorded graph from the loss back to w
while node is not None:
    chain.append(type(node).__name__)
    node = node.next_functions[0][0] if node.next_functions else None  # first input's node
print(" <- ".join(chain))
#> PowBackward0 <- SubBackward0 <- AddBackward0 <- MulBackward0 <- AccumulateGrad
# --8<-- [end:by-autograd]

# --8<-- [start:training]
x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]
w = torch.tensor([1.0], requires_grad=True)  # the initial guess
lr = 0.01


def forward(x):
    return x * w


def loss(x, y):
    y_hat = forward(x)
    return (y_hat - y) ** 2


print(f"prediction for x = 4 before training: {forward(4.0).item():.4f}")
#> prediction for x = 4 before training: 4.0000
w_history = [w.item()]  # w after each update
for epoch in range(1, 11):
    for x, y in zip(x_data, y_data):
        sample_loss = loss(x, y)
        sample_loss.backward()  # adds d loss / d w to w.grad
        with torch.no_grad():  # the update itself must not become part of the graph
            w -= lr * w.grad
        w.grad.zero_()  # clear it for the next sample
        w_history.append(w.item())
    if epoch in (1, 2, 5, 10):
        print(f"epoch {epoch:2d}: w = {w.item():.4f}, last loss = {sample_loss.item():.6f}")
        #> epoch  1: w = 1.2607, last loss = 7.315944
        #> epoch  2: w = 1.4534, last loss = 3.998764
        #> epoch  5: w = 1.7791, last loss = 0.652969
        #> epoch 10: w = 1.9512, last loss = 0.031854
print(f"prediction for x = 4 after training: {forward(4.0).item():.4f}")
#> prediction for x = 4 after training: 7.8049
# --8<-- [end:training]

# --8<-- [start:accumulates]
w = torch.tensor([1.0], requires_grad=True)
for call in range(3):
    loss(2.0, 4.0).backward()  # the same sample three times, never zeroed
    print(f"after backward #{call + 1}: w.grad = {w.grad.item()}")
    #> after backward #1: w.grad = -8.0
    #> after backward #2: w.grad = -16.0
    #> after backward #3: w.grad = -24.0

w = torch.tensor([1.0], requires_grad=True)
no_zero_w_history = [w.item()]
for epoch in range(1, 11):
    for x, y in zip(x_data, y_data):
        loss(x, y).backward()
        with torch.no_grad():
            w -= lr * w.grad  # w.grad is now the sum of every gradient so far
        no_zero_w_history.append(w.item())
    if epoch in (3, 7, 10):
        print(f"without zero_(), epoch {epoch:2d}: w = {w.item():.4f}")
        #> without zero_(), epoch  3: w = 2.9258
        #> without zero_(), epoch  7: w = 1.0159
        #> without zero_(), epoch 10: w = 2.9850
# --8<-- [end:accumulates]


# --8<-- [start:exercise-sigmoid]
# Exercise 1: one sigmoid unit, y_hat = sigmoid(x * w + b), loss = (y_hat - y)^2.
import math

x, y, w, b = 1.5, 1.0, -0.5, 0.25
z = x * w + b  # -0.5
y_hat = 1 / (1 + math.exp(-z))
dloss_dyhat = 2 * (y_hat - y)
dloss_dz = dloss_dyhat * y_hat * (1 - y_hat)  # sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
by_hand = (dloss_dz * x, dloss_dz)  # (d loss/dw, d loss/db)

w_t = torch.tensor(w, requires_grad=True)
b_t = torch.tensor(b, requires_grad=True)
((torch.sigmoid(x * w_t + b_t) - y) ** 2).backward()
print(f"by hand: {by_hand[0]:.5f}, {by_hand[1]:.5f}; autograd: {w_t.grad:.5f}, {b_t.grad:.5f}")
#> by hand: -0.43884, -0.29256; autograd: -0.43884, -0.29256
assert torch.allclose(torch.stack([w_t.grad, b_t.grad]), torch.tensor(by_hand), atol=1e-6)
# --8<-- [end:exercise-sigmoid]

# --8<-- [start:exercise-two-paths]
# Exercise 2: w reaches f = x * w + w**2 along two paths; their contributions add.
x = 3.0
w = torch.tensor(2.0, requires_grad=True)
f = x * w + w**2
f.backward()
print(f"autograd {w.grad.item()}, by hand x + 2w = {x + 2 * 2.0}")
#> autograd 7.0, by hand x + 2w = 7.0
assert torch.allclose(w.grad, torch.tensor(x + 2 * 2.0))
# --8<-- [end:exercise-two-paths]

# --8<-- [start:exercise-quadratic]
# Exercise 3: y_hat = x^2 * w2 + x * w1 + b. Gradients by hand, checked, then training.
w2 = torch.tensor(1.0, requires_grad=True)
w1 = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
x, y = 2.0, 4.0
e = x**2 * w2 + x * w1 + b - y  # the error, 3.0
((x**2 * w2 + x * w1 + b - y) ** 2).backward()
by_hand = torch.tensor([2 * e.item() * x**2, 2 * e.item() * x, 2 * e.item()])
print(f"by hand {by_hand.tolist()}, autograd {[p.grad.item() for p in (w2, w1, b)]}")
#> by hand [24.0, 12.0, 6.0], autograd [24.0, 12.0, 6.0]
assert torch.allclose(torch.stack([w2.grad, w1.grad, b.grad]), by_hand)

params = [w2, w1, b]
for p in params:
    p.grad = None  # start training from clean gradients
for epoch in range(2000):
    for x, y in zip(x_data, y_data):
        ((x**2 * w2 + x * w1 + b - y) ** 2).backward()
        with torch.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad.zero_()
with torch.no_grad():
    prediction = 16 * w2 + 4 * w1 + b
print(f"w2 = {w2.item():.3f}, w1 = {w1.item():.3f}, b = {b.item():.3f}, prediction for x = 4: {prediction.item():.3f}")
#> w2 = 0.082, w1 = 1.634, b = 0.340, prediction for x = 4: 8.185
assert abs(prediction.item() - 8) < 0.25 and abs(w2.item()) < 0.1

features = torch.tensor([[x**2, x, 1.0] for x in x_data], dtype=torch.float64)  # inputs of w2, w1, b
curvatures, directions = torch.linalg.eigh(2 / 3 * features.T @ features)  # Hessian of the mean loss
flat = directions[:, 0] / directions[0, 0]  # the flattest direction, scaled to w2 = 1
print(f"condition number {curvatures[-1] / curvatures[0]:.0f}, flat direction (w2, w1, b) = "
      f"({flat[0]:.2f}, {flat[1]:.2f}, {flat[2]:.2f})")
#> condition number 5030, flat direction (w2, w1, b) = (1.00, -4.13, 3.62)
# --8<-- [end:exercise-quadratic]
