# Gradient descent by hand for y_hat = x * w: batch, stochastic and mini-batch.
# Run it: python snippets/basics/gradient_descent.py

# --8<-- [start:data-model]
x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]


def forward(x, w):
    return x * w


def cost(w, xs=x_data, ys=y_data):
    """Mean squared error over (xs, ys)."""
    return sum((forward(x, w) - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
# --8<-- [end:data-model]


# --8<-- [start:gradient]
def gradient(w, xs=x_data, ys=y_data):
    """d cost / d w = (1/N) * sum of 2 * x * (x * w - y)."""
    return sum(2 * x * (x * w - y) for x, y in zip(xs, ys)) / len(xs)


# Check the formula against a finite difference: (cost(w + h) - cost(w - h)) / 2h
h = 1e-6
numeric = (cost(1.0 + h) - cost(1.0 - h)) / (2 * h)
print(f"formula {gradient(1.0):.4f}, finite difference {numeric:.4f}")
#> formula -9.3333, finite difference -9.3333
# --8<-- [end:gradient]

# --8<-- [start:autograd-check]
import torch

x = torch.tensor(x_data)
y = torch.tensor(y_data)
w = torch.tensor(1.0, requires_grad=True)
((x * w - y) ** 2).mean().backward()  # PyTorch differentiates the cost for us
print(f"autograd {w.grad.item():.4f}")
#> autograd -9.3333
assert torch.allclose(w.grad, torch.tensor(gradient(1.0)))
# --8<-- [end:autograd-check]

# --8<-- [start:batch-gd]
w = 1.0  # initial guess
lr = 0.05  # learning rate, alpha
print(f"prediction for x = 4 before training: {forward(4.0, w):.2f}")
#> prediction for x = 4 before training: 4.00

history = [cost(w)]  # cost before each epoch, and after the last one
for epoch in range(1, 11):
    w = w - lr * gradient(w)  # one update per pass over all the data
    history.append(cost(w))
    if epoch in (1, 2, 3, 5, 10):
        print(f"epoch {epoch:2d}: w = {w:.4f}, cost = {history[-1]:.6f}")
        #> epoch  1: w = 1.4667, cost = 1.327407
        #> epoch  2: w = 1.7156, cost = 0.377574
        #> epoch  3: w = 1.8483, cost = 0.107399
        #> epoch  5: w = 1.9568, cost = 0.008689
        #> epoch 10: w = 1.9981, cost = 0.000016

print(f"prediction for x = 4 after training: {forward(4.0, w):.2f}")
#> prediction for x = 4 after training: 7.99
# --8<-- [end:batch-gd]


# --8<-- [start:learning-rates]
def train(lr, epochs=20, w=1.0):
    """Batch gradient descent; returns w after each epoch (w_0 first)."""
    ws = [w]
    for _ in range(epochs):
        w = w - lr * gradient(w)
        ws.append(w)
    return ws


lr_runs = {lr: train(lr) for lr in (0.005, 0.05, 0.22)}
for lr, ws in lr_runs.items():
    print(f"lr = {lr:<5}  w after 20 epochs = {ws[-1]:8.4f}   cost = {cost(ws[-1]):.4g}")
    #> lr = 0.005  w after 20 epochs =   1.6155   cost = 0.6899
    #> lr = 0.05   w after 20 epochs =   2.0000   cost = 5.61e-11
    #> lr = 0.22   w after 20 epochs =  -0.8269   cost = 37.29
# --8<-- [end:learning-rates]

# --8<-- [start:overflow]
import math

w = 1.0  # lr = 0.5 is far above 2 / c: every step multiplies the error by 1 - 0.5 * 28/3 = -3.67
try:
    for epoch in range(1, 1001):
        w = w - 0.5 * gradient(w)
        cost(w)  # ** on a Python float that is too large raises instead of returning inf
except OverflowError as err:
    print(f"Python floats: {type(err).__name__} at epoch {epoch}, w = {w:.2e}")
    #> Python floats: OverflowError at epoch 273, w = 1.11e+154

w = torch.tensor(1.0)  # x and y are the float32 tensors of the autograd check
tensor_costs = []
for epoch in range(1, 101):
    w = w - 0.5 * (2 * x * (x * w - y)).mean()  # the same update, on tensors
    tensor_costs.append(((x * w - y) ** 2).mean().item())  # no error: inf, later nan
first_inf = next(i for i, c in enumerate(tensor_costs, start=1) if math.isinf(c))
first_nan = next(i for i, c in enumerate(tensor_costs, start=1) if math.isnan(c))
print(f"tensors: cost = inf from epoch {first_inf}, nan from epoch {first_nan}; w = {w.item()}")
#> tensors: cost = inf from epoch 34, nan from epoch 68; w = nan
# --8<-- [end:overflow]

# --8<-- [start:local-minima]
# A model whose cost is not a parabola: y_hat = sin(w * x), on data made with w = 2.
y_sin = [math.sin(2 * x) for x in x_data]


def sin_cost(w):
    return sum((math.sin(w * x) - y) ** 2 for x, y in zip(x_data, y_sin)) / len(x_data)


def sin_gradient(w):
    """Chain rule: d/dw (sin(w x) - y)^2 = 2 (sin(w x) - y) * cos(w x) * x, averaged."""
    return sum(2 * (math.sin(w * x) - y) * math.cos(w * x) * x for x, y in zip(x_data, y_sin)) / len(x_data)


sin_paths = {}  # start -> every w visited
for w0 in [i / 2 for i in range(10)]:  # w_0 = 0.0, 0.5, ..., 4.5
    w, path = w0, [w0]
    for step in range(100):
        w = w - 0.05 * sin_gradient(w)
        path.append(w)
    sin_paths[w0] = path

ends = {}  # where descent stopped (rounded) -> the starts that got there
for w0, path in sin_paths.items():
    ends.setdefault(round(path[-1], 2), []).append(w0)
for w_end, w0s in sorted(ends.items()):
    print(f"starts {w0s}: w = {w_end:5.2f}, cost = {sin_cost(w_end):.3f}")
    #> starts [0.0, 0.5]: w = -0.10, cost = 0.443
    #> starts [1.0, 1.5, 2.0, 2.5]: w =  2.00, cost = 0.000
    #> starts [3.0, 3.5]: w =  3.02, cost = 0.431
    #> starts [4.0, 4.5]: w =  4.15, cost = 1.953
# --8<-- [end:local-minima]

# --8<-- [start:sgd]
import random

random.seed(0)
w, lr = 1.0, 0.02
sgd_costs = [cost(w)]  # cost after each update
for epoch in range(10):
    order = list(range(len(x_data)))
    random.shuffle(order)  # visit the samples in a new order each epoch
    for i in order:
        w = w - lr * gradient(w, [x_data[i]], [y_data[i]])  # one sample per update
        sgd_costs.append(cost(w))
print(f"SGD: {len(sgd_costs) - 1} updates, w = {w:.4f}, cost = {sgd_costs[-1]:.2e}")
#> SGD: 30 updates, w = 1.9987, cost = 8.39e-06
# --8<-- [end:sgd]

# --8<-- [start:mini-batch]
random.seed(0)
w, lr, batch_size = 1.0, 0.03, 2
minibatch_costs = [cost(w)]
for epoch in range(10):
    order = list(range(len(x_data)))
    random.shuffle(order)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]  # the last batch may be smaller
        xs = [x_data[i] for i in batch]
        ys = [y_data[i] for i in batch]
        w = w - lr * gradient(w, xs, ys)
        minibatch_costs.append(cost(w))
print(f"mini-batch: {len(minibatch_costs) - 1} updates, w = {w:.4f}, cost = {minibatch_costs[-1]:.2e}")
#> mini-batch: 20 updates, w = 1.9994, cost = 1.77e-06
# --8<-- [end:mini-batch]


# --8<-- [start:exercise-bias]
# Exercise 1: learn y_hat = x * w + b on data from y = 2x + 1.
ys = [2 * x + 1 for x in x_data]
w, b, lr = 0.0, 0.0, 0.05
for epoch in range(2000):
    errors = [x * w + b - y for x, y in zip(x_data, ys)]
    grad_w = sum(2 * x * e for x, e in zip(x_data, errors)) / len(ys)
    grad_b = sum(2 * e for e in errors) / len(ys)
    w, b = w - lr * grad_w, b - lr * grad_b
print(f"w = {w:.3f}, b = {b:.3f}")
#> w = 2.000, b = 1.000
assert abs(w - 2) < 1e-3 and abs(b - 1) < 1e-3
# --8<-- [end:exercise-bias]

# --8<-- [start:exercise-largest-lr]
# Exercise 2: the largest stable learning rate is 2 / c, with the curvature c = (2/N) * sum(x^2).
c = 2 * sum(x * x for x in x_data) / len(x_data)
print(f"c = {c:.3f}, so lr must stay below {2 / c:.4f}")
#> c = 9.333, so lr must stay below 0.2143
for lr in (0.21, 0.22):
    w_end = train(lr, epochs=200)[-1]
    print(f"lr = {lr}: |w - 2| after 200 epochs = {abs(w_end - 2):.3g}")
    #> lr = 0.21: |w - 2| after 200 epochs = 0.000285
    #> lr = 0.22: |w - 2| after 200 epochs = 3.26e+04
assert abs(train(0.21, epochs=200)[-1] - 2) < 1e-3
assert abs(train(0.22, epochs=200)[-1] - 2) > 1.0
# --8<-- [end:exercise-largest-lr]

# --8<-- [start:exercise-scaling]
# Exercise 3: measure x in tenths of an hour (x = 10, 20, 30; y unchanged).
xs10 = [10 * x for x in x_data]


def train_scaled(lr, epochs=50):
    w = 1.0
    for _ in range(epochs):
        w = w - lr * gradient(w, xs10, y_data)
    return w


print(f"lr = 0.05:  w = {train_scaled(0.05):.3g}")  # c is now 100x larger: it diverges
#> lr = 0.05:  w = 7.64e+82
print(f"lr = 0.002: w = {train_scaled(0.002):.4f}")  # below 2 / c = 0.00214
#> lr = 0.002: w = 0.2006
assert abs(train_scaled(0.002) - 0.2) < 1e-3
# --8<-- [end:exercise-scaling]
