# Why MSE, and conditioning: the normal equations, MSE as the Gaussian likelihood, losses
# |e|^m and outliers, the Hessian that makes the bias slow, and what divergence looks like.
# Run it: python snippets/basics/mse_and_conditioning.py

# --8<-- [start:setup]
import math

import torch
from torch import nn

torch.manual_seed(0)
N = 100
x = torch.rand(N, 1) * 3  # (N, 1), uniform in [0, 3): the noisy line of the previous page
noise = 0.5 * torch.randn(N, 1)  # Gaussian, standard deviation sigma = 0.5
y = 3 * x + 2 + noise  # (N, 1)
loss_fn = nn.MSELoss()  # reduction="mean"


def zero_model():
    """nn.Linear(1, 1) with w = b = 0, so every run starts from the same place."""
    model = nn.Linear(1, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    return model


def params(model):
    return model.weight.item(), model.bias.item()


X_line = torch.cat([x, torch.ones(N, 1)], dim=1)  # (N, 2): a column of ones carries b
w_star, b_star = torch.linalg.lstsq(X_line, y).solution.squeeze().tolist()  # derived below
print(f"least squares: w* = {w_star:.4f}, b* = {b_star:.4f}")
#> least squares: w* = 2.8857, b* = 2.1661
# --8<-- [end:setup]

# --8<-- [start:matrix-form]
x_poly = torch.rand(N, 1) * 4 - 2  # (N, 1), uniform in [-2, 2)
poly_noise = 0.3 * torch.randn(N, 1)  # Gaussian, standard deviation 0.3
y_poly = 0.5 * x_poly**3 - 2 * x_poly + 1 + poly_noise  # a cubic, plus noise
X = torch.cat([x_poly, x_poly**2, x_poly**3], dim=1)  # (N, 3): features x, x^2, x^3

cubic = nn.Linear(3, 1)  # y_hat = X @ w + b: nonlinear in x, linear in w and b
y_hat = cubic(X)  # (N, 1)
assert torch.allclose(y_hat, X @ cubic.weight.T + cubic.bias)  # weight is (1, 3): (out, in)

# The gradient in matrix form, (2/N) X^T (y_hat - y), against autograd
loss_fn(y_hat, y_poly).backward()
error = (y_hat - y_poly).detach()  # (N, 1)
grad_w = 2 / N * X.T @ error  # (3, 1)
grad_b = 2 / N * error.sum()
assert torch.allclose(cubic.weight.grad, grad_w.T, atol=1e-6)
assert torch.allclose(cubic.bias.grad, grad_b.reshape(1), atol=1e-6)

# Setting both to zero gives the normal equations; lstsq solves them stably
X_aug = torch.cat([X, torch.ones(N, 1)], dim=1)  # (N, 4): a column of ones carries b
theta = torch.linalg.lstsq(X_aug, y_poly).solution.squeeze()  # (4,): w1, w2, w3, b
print("normal equations: w = (" + ", ".join(f"{v:.3f}" for v in theta[:3]) + f"), b = {theta[3]:.3f}")
#> normal equations: w = (-2.003, -0.071, 0.500), b = 1.151
# --8<-- [end:matrix-form]

# --8<-- [start:polynomial-features]
optimizer = torch.optim.SGD(cubic.parameters(), lr=0.05)
for step in range(2000):
    loss = loss_fn(cubic(X), y_poly)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
learned = torch.cat([cubic.weight.detach().squeeze(), cubic.bias.detach()])
print("gradient descent: w = (" + ", ".join(f"{v:.3f}" for v in learned[:3]) + f"), b = {learned[3]:.3f}")
#> gradient descent: w = (-2.003, -0.071, 0.500), b = 1.151
assert torch.allclose(learned, theta, atol=1e-3)

line = torch.linalg.lstsq(torch.cat([x_poly, torch.ones(N, 1)], dim=1), y_poly).solution
mse_line = loss_fn(torch.cat([x_poly, torch.ones(N, 1)], dim=1) @ line, y_poly).item()
print(f"MSE of the best straight line {mse_line:.3f}, of the cubic {loss.item():.3f}, "
      f"of the noise alone {(poly_noise**2).mean():.3f}")
#> MSE of the best straight line 0.455, of the cubic 0.132, of the noise alone 0.142
cubic_coefficients = theta.tolist()  # for the figure
line_coefficients = line.squeeze().tolist()
# --8<-- [end:polynomial-features]

# --8<-- [start:gaussian-likelihood]
sigma = 0.5
y_hat = w_star * x + b_star  # the least-squares line on the noisy data, (N, 1)
nll = -torch.distributions.Normal(y_hat, sigma).log_prob(y).sum()  # -log p(y | x, w, b)
sse = ((y - y_hat) ** 2).sum()
constant = N / 2 * math.log(2 * math.pi * sigma**2)
assert torch.allclose(nll, constant + sse / (2 * sigma**2))
print(f"-log likelihood {nll.item():.3f} = {constant:.3f} + SSE / (2 sigma^2)")
#> -log likelihood 62.138 = 22.579 + SSE / (2 sigma^2)
sigma_hat = (sse / N).sqrt().item()  # the maximum-likelihood noise level
print(f"estimated noise sigma = {sigma_hat:.3f} (true 0.5)")
#> estimated noise sigma = 0.445 (true 0.5)
# --8<-- [end:gaussian-likelihood]


# --8<-- [start:loss-powers]
y_outliers = y.clone()
glitches = x.squeeze().topk(5).indices  # the five largest x ...
y_outliers[glitches] -= 10  # ... read 10 too low


def fit(loss_fn, lr, steps=1000):
    """Full-batch gradient descent on loss_fn(y_hat, y_outliers); lr falls linearly to 0."""
    model = zero_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(steps):
        optimizer.param_groups[0]["lr"] = lr * (1 - step / steps)  # smaller and smaller steps
        loss = loss_fn(model(x), y_outliers)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return params(model)


def power_loss(m):
    """mean |y - y_hat|^m: m = 2 is the MSE, m = 1 the mean absolute error."""
    return lambda y_hat, y: (y - y_hat).abs().pow(m).mean()


power_fits = {
    1: fit(power_loss(1), lr=0.3),
    2: fit(power_loss(2), lr=0.1),
    4: fit(power_loss(4), lr=0.0015, steps=3000),  # far steeper: small steps, more of them
}
for m, (w, b) in power_fits.items():
    print(f"m = {m}: w = {w:.3f}, b = {b:.3f}")
    #> m = 1: w = 2.793, b = 2.275
    #> m = 2: w = 1.965, b = 3.016
    #> m = 4: w = 0.556, b = 4.685
w_ls, b_ls = torch.linalg.lstsq(X_line, y_outliers).solution.squeeze().tolist()
# m = 2 is least squares
assert abs(power_fits[2][0] - w_ls) < 1e-3 and abs(power_fits[2][1] - b_ls) < 1e-3
# --8<-- [end:loss-powers]

# --8<-- [start:slope-vs-bias]
epochs, lr = 50, 0.1  # the full-batch run of the previous page
model = zero_model()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
full_batch_history = [params(model)]  # (w, b) after each epoch, the start first
for epoch in range(epochs):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    full_batch_history.append(params(model))

hessian = 2 / N * X_line.T @ X_line  # (2, 2): [[2 mean x^2, 2 mean x], [2 mean x, 2]]
print(f"curvature along w {hessian[0, 0]:.3f}, along b {hessian[1, 1]:.3f}")
#> curvature along w 5.840, along b 2.000
eigenvalues, eigenvectors = torch.linalg.eigh(hessian)  # ascending
slow = eigenvectors[:, 0]
print(f"eigenvalues {eigenvalues[0]:.3f} and {eigenvalues[1]:.3f}")
#> eigenvalues 0.416 and 7.423
print(f"slow direction (w, b) = ({slow[0]:.3f}, {slow[1]:.3f})")
#> slow direction (w, b) = (0.475, -0.880)
print(f"lr = {lr}: per epoch the errors are multiplied by {1 - lr * eigenvalues[0]:.3f} (slow)"
      f" and {1 - lr * eigenvalues[1]:.3f} (fast)")
#> lr = 0.1: per epoch the errors are multiplied by 0.958 (slow) and 0.258 (fast)
for epoch in (1, 3, 10, 30, 50):
    w, b = full_batch_history[epoch]
    w_err, b_err = abs(w - w_star), abs(b - b_star)
    print(f"epoch {epoch:2d}: |w - w*| = {w_err:.3f}, |b - b*| = {b_err:.3f}, b/w {b_err / w_err:.2f}")
    #> epoch  1: |w - w*| = 0.566, |b - b*| = 0.887, b/w 1.57
    #> epoch  3: |w - w*| = 0.170, |b - b*| = 0.442, b/w 2.61
    #> epoch 10: |w - w*| = 0.166, |b - b*| = 0.307, b/w 1.85
    #> epoch 30: |w - w*| = 0.071, |b - b*| = 0.131, b/w 1.85
    #> epoch 50: |w - w*| = 0.030, |b - b*| = 0.056, b/w 1.85
# --8<-- [end:slope-vs-bias]

# --8<-- [start:divergence]
lr_max = 2 / eigenvalues[1].item()
print(f"full-batch GD converges only for lr < 2 / {eigenvalues[1]:.3f} = {lr_max:.3f}")
#> full-batch GD converges only for lr < 2 / 7.423 = 0.269


def train_losses(lr, reduction="mean", epochs=60):
    model = zero_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss(reduction=reduction)
    losses = []
    for epoch in range(epochs):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


divergence_runs = {
    "lr = 0.9 lr_max": train_losses(0.9 * lr_max),
    "lr = 1.1 lr_max": train_losses(1.1 * lr_max),
    "sum, lr = 0.01": train_losses(0.01, reduction="sum"),  # the 3-point settings
}
for label, losses in divergence_runs.items():
    print(f"{label:16}", " ".join(f"{v:.2g}" for v in losses[:60:6]))  # every 6th epoch
    #> lr = 0.9 lr_max  48 3.5 0.43 0.21 0.2 0.2 0.2 0.2 0.2 0.2
    #> lr = 1.1 lr_max  48 4.2e+02 3.8e+03 3.4e+04 3e+05 2.7e+06 2.4e+07 2.1e+08 1.9e+09 1.7e+10
    #> sum, lr = 0.01   4.8e+03 2.3e+13 1.1e+23 5.7e+32 inf inf inf inf nan nan
losses = divergence_runs["sum, lr = 0.01"]
first_inf = next(i for i, v in enumerate(losses) if math.isinf(v))
first_nan = next(i for i, v in enumerate(losses) if math.isnan(v))
print(f"the loss overflows to inf at epoch {first_inf} and becomes nan at epoch {first_nan}")
#> the loss overflows to inf at epoch 22 and becomes nan at epoch 46
# --8<-- [end:divergence]

# --8<-- [start:exercise-centering]
# Exercise 1: centre the inputs. The Hessian becomes diagonal, so w and b stop interfering.
x_centred = x - x.mean()
X_centred = torch.cat([x_centred, torch.ones(N, 1)], dim=1)
hessian_centred = 2 / N * X_centred.T @ X_centred
print("Hessian after centring:", [[round(v, 3) for v in row] for row in hessian_centred.tolist()])
#> Hessian after centring: [[1.546, 0.0], [0.0, 2.0]]

model = zero_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)  # below 2 / 2.0: centring allows it
for epoch in range(10):
    loss = loss_fn(model(x_centred), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch + 1 in (1, 10):
        w, b = params(model)
        b_err = abs(b - y.mean().item())
        print(f"epoch {epoch + 1}: |w - w*| = {abs(w - w_star):.4f}, |b - mean(y)| = {b_err:.4f}")
        #> epoch 1: |w - w*| = 0.6554, |b - mean(y)| = 0.0000
        #> epoch 10: |w - w*| = 0.0000, |b - mean(y)| = 0.0000
assert abs(w - w_star) < 1e-3 and abs(b - y.mean().item()) < 1e-3  # b is now the mean of y
# --8<-- [end:exercise-centering]

# --8<-- [start:exercise-huber]
# Exercise 2: the Huber loss is quadratic for |error| < delta and linear beyond.
w_huber, b_huber = fit(nn.HuberLoss(delta=1.0), lr=0.3)
print(f"Huber: w = {w_huber:.3f}, b = {b_huber:.3f}")
#> Huber: w = 2.757, b = 2.287
assert abs(w_huber - 3) < abs(power_fits[2][0] - 3)  # dragged less than the MSE fit ...
assert abs(w_huber - power_fits[1][0]) < 0.1  # ... and close to the m = 1 fit
# --8<-- [end:exercise-huber]
