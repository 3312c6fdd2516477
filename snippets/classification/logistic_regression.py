# Logistic regression: a probability from a sigmoid, trained with binary cross-entropy.
# Run it: python snippets/classification/logistic_regression.py

# --8<-- [start:data]
import torch
from torch import nn

x_data = torch.tensor([[1.0], [2.0], [3.0]])  # hours studied, (N, 1)
y_data = torch.tensor([[0.0], [0.0], [1.0]])  # 1 = passed, 0 = failed, (N, 1)
# --8<-- [end:data]

# --8<-- [start:sigmoid]
z = torch.tensor([-10.0, -2.0, 0.0, 2.0, 10.0])
print(", ".join(f"{p:.4g}" for p in torch.sigmoid(z).tolist()))
#> 4.54e-05, 0.1192, 0.5, 0.8808, 1
assert torch.allclose(torch.sigmoid(z), 1 / (1 + torch.exp(-z)))  # the formula
assert torch.allclose(torch.sigmoid(-z), 1 - torch.sigmoid(z), atol=1e-6)  # the symmetry
# --8<-- [end:sigmoid]


# --8<-- [start:bce-by-hand]
def bce(y_hat, y):
    """Binary cross-entropy, straight from the formula (unsafe: see below)."""
    return -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat)).mean()


y_hat = torch.tensor([[0.2], [0.4], [0.9]])  # a guess for the three students
print(f"by hand {bce(y_hat, y_data):.4f}, nn.BCELoss {nn.BCELoss()(y_hat, y_data):.4f}")
#> by hand 0.2798, nn.BCELoss 0.2798
# --8<-- [end:bce-by-hand]


# --8<-- [start:model]
class LogisticRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)  # z = x w + b

    def forward(self, x):
        return torch.sigmoid(self.linear(x))  # y_hat = sigma(z), a probability


torch.manual_seed(0)
model = LogisticRegression()
loss_fn = nn.BCELoss()  # mean binary cross-entropy over the batch
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
# --8<-- [end:model]

# --8<-- [start:train]
for epoch in range(1, 1001):
    y_hat = model(x_data)
    loss = loss_fn(y_hat, y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch in (1, 10, 100, 1000):
        w, b = model.linear.weight.item(), model.linear.bias.item()
        print(f"epoch {epoch:4d}: loss = {loss.item():.4f}, w = {w:.3f}, b = {b:.3f}")
        #> epoch    1: loss = 0.8162, w = -0.134, b = 0.389
        #> epoch   10: loss = 0.6594, w = 0.072, b = -0.283
        #> epoch  100: loss = 0.2811, w = 1.617, b = -3.899
        #> epoch 1000: loss = 0.0549, w = 4.954, b = -12.199
w_pass, b_pass = w, b  # the figure of P(pass) reads these
# --8<-- [end:train]

# --8<-- [start:predict]
hours = torch.tensor([[1.0], [2.0], [2.5], [3.0], [7.0]])
with torch.no_grad():
    p_pass = model(hours)  # (5, 1)
for h, p in zip(hours.flatten().tolist(), p_pass.flatten().tolist()):
    print(f"{h:3.1f} hours: P(pass) = {p:.3f} -> {'pass' if p > 0.5 else 'fail'}")
    #> 1.0 hours: P(pass) = 0.001 -> fail
    #> 2.0 hours: P(pass) = 0.092 -> fail
    #> 2.5 hours: P(pass) = 0.546 -> pass
    #> 3.0 hours: P(pass) = 0.935 -> pass
    #> 7.0 hours: P(pass) = 1.000 -> pass
print(f"decision boundary x = -b/w = {-b_pass / w_pass:.3f} hours")
#> decision boundary x = -b/w = 2.462 hours
# --8<-- [end:predict]

# --8<-- [start:noisy-data]
torch.manual_seed(0)
n = 100  # samples per class
x_noisy = torch.cat([-3 + 2 * torch.randn(n, 1), 5 + 2 * torch.randn(n, 1)])  # (200, 1)
y_noisy = torch.cat([torch.zeros(n, 1), torch.ones(n, 1)])  # class 0, then class 1
# --8<-- [end:noisy-data]

# --8<-- [start:noisy-train]
torch.manual_seed(0)
noisy_model = LogisticRegression()
optimizer = torch.optim.SGD(noisy_model.parameters(), lr=1.0)
for epoch in range(1000):
    loss = loss_fn(noisy_model(x_noisy), y_noisy)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

w_noisy, b_noisy = noisy_model.linear.weight.item(), noisy_model.linear.bias.item()
print(f"loss = {loss.item():.4f}, w = {w_noisy:.3f}, b = {b_noisy:.3f}")
#> loss = 0.0727, w = 1.566, b = -2.067
print(f"boundary x = -b/w = {-b_noisy / w_noisy:.3f}")
#> boundary x = -b/w = 1.320
with torch.no_grad():
    train_accuracy = ((noisy_model(x_noisy) > 0.5).float() == y_noisy).float().mean().item()
print(f"training accuracy {train_accuracy:.1%}")
#> training accuracy 97.5%
# --8<-- [end:noisy-train]

# --8<-- [start:noisy-test]
generator = torch.Generator().manual_seed(1)  # a separate stream: new points
x_test = torch.cat([-3 + 2 * torch.randn(5000, 1, generator=generator),
                    5 + 2 * torch.randn(5000, 1, generator=generator)])  # (10000, 1)
y_test = torch.cat([torch.zeros(5000, 1), torch.ones(5000, 1)])
with torch.no_grad():
    test_accuracy = ((noisy_model(x_test) > 0.5).float() == y_test).float().mean().item()
bayes_accuracy = ((x_test > 1.0).float() == y_test).float().mean().item()  # true boundary
print(f"test accuracy {test_accuracy:.1%}; the true boundary gets {bayes_accuracy:.1%}")
#> test accuracy 97.8%; the true boundary gets 97.9%
# --8<-- [end:noisy-test]

# --8<-- [start:nan]
z = torch.tensor([[20.0], [20.0], [-3.0]])  # logits: confident, confident, unsure
y = torch.tensor([[1.0], [0.0], [0.0]])  # right, badly wrong, right
y_hat = torch.sigmoid(z)
print(f"sigmoid(20) == 1.0 in float32: {y_hat[0].item() == 1.0}")
#> sigmoid(20) == 1.0 in float32: True
per_example = -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat))
print("by hand, per example:", [round(v, 4) for v in per_example.flatten().tolist()])
#> by hand, per example: [nan, inf, 0.0486]
print(f"by hand, mean: {bce(y_hat, y).item()}")
#> by hand, mean: nan
# --8<-- [end:nan]

# --8<-- [start:bce-loss-clamps]
per_example = nn.BCELoss(reduction="none")(y_hat, y)
print("nn.BCELoss, per example:", [round(v, 4) for v in per_example.flatten().tolist()])
#> nn.BCELoss, per example: [-0.0, 100.0, 0.0486]

z_leaf = z.clone().requires_grad_()
nn.BCELoss()(torch.sigmoid(z_leaf), y).backward()
print("gradient d loss / d z:", [round(g, 4) for g in z_leaf.grad.flatten().tolist()])
#> gradient d loss / d z: [0.0, 0.0, 0.0158]
# --8<-- [end:bce-loss-clamps]

# --8<-- [start:with-logits]
per_example = nn.BCEWithLogitsLoss(reduction="none")(z, y)
print("BCEWithLogitsLoss, per example:", [round(v, 4) for v in per_example.flatten().tolist()])
#> BCEWithLogitsLoss, per example: [0.0, 20.0, 0.0486]

z_leaf = z.clone().requires_grad_()
nn.BCEWithLogitsLoss()(z_leaf, y).backward()
print("gradient d loss / d z:", [round(g, 4) for g in z_leaf.grad.flatten().tolist()])
#> gradient d loss / d z: [0.0, 0.3333, 0.0158]
assert torch.allclose(z_leaf.grad, (torch.sigmoid(z) - y) / len(y))  # (y_hat - y) / N


def bce_with_logits(z, y):
    """max(z, 0) - z y + log(1 + exp(-|z|)): no exp overflows, no log of 0."""
    return (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


print(f"by hand {bce_with_logits(z, y):.4f}, BCEWithLogitsLoss {nn.BCEWithLogitsLoss()(z, y):.4f}")
#> by hand 6.6829, BCEWithLogitsLoss 6.6829
assert torch.allclose(bce_with_logits(z, y), nn.BCEWithLogitsLoss()(z, y), rtol=1e-6)
# --8<-- [end:with-logits]

# --8<-- [start:logit-model]
torch.manual_seed(0)
logit_model = nn.Linear(1, 1)  # outputs z; no sigmoid inside the model
optimizer = torch.optim.SGD(logit_model.parameters(), lr=1.0)
loss_fn = nn.BCEWithLogitsLoss()
for epoch in range(1000):
    loss = loss_fn(logit_model(x_noisy), y_noisy)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    p_class1 = torch.sigmoid(logit_model(torch.tensor([[0.0], [1.0], [2.0]])))
print(f"w = {logit_model.weight.item():.3f}, b = {logit_model.bias.item():.3f}")
#> w = 1.566, b = -2.067
print("P(class 1) at x = 0, 1, 2:", [round(p, 3) for p in p_class1.flatten().tolist()])
#> P(class 1) at x = 0, 1, 2: [0.112, 0.377, 0.744]
# --8<-- [end:logit-model]

# --8<-- [start:exercise-ninety]
# Exercise 1: how long must a student study for P(pass) = 0.9?
# sigma(x w + b) = 0.9  <=>  x w + b = logit(0.9) = log(0.9 / 0.1)
hours_90 = (torch.logit(torch.tensor(0.9)).item() - b_pass) / w_pass
print(f"{hours_90:.3f} hours")
#> 2.906 hours
with torch.no_grad():
    assert abs(model(torch.tensor([[hours_90]])).item() - 0.9) < 1e-4
# --8<-- [end:exercise-ninety]

# --8<-- [start:exercise-mse]
# Exercise 2: a confidently wrong prediction, z = -5 for a student who passed (y = 1).
z_wrong = torch.tensor([-5.0], requires_grad=True)
nn.BCEWithLogitsLoss()(z_wrong, torch.tensor([1.0])).backward()
grad_bce = z_wrong.grad.item()

z_wrong = torch.tensor([-5.0], requires_grad=True)
nn.MSELoss()(torch.sigmoid(z_wrong), torch.tensor([1.0])).backward()
grad_mse = z_wrong.grad.item()
print(f"d loss / d z:  BCE {grad_bce:.4f},  MSE {grad_mse:.4f}")
#> d loss / d z:  BCE -0.9933,  MSE -0.0132
assert abs(grad_mse) < abs(grad_bce) / 50  # the squared error barely pushes
# --8<-- [end:exercise-mse]

# --8<-- [start:exercise-gradient]
# Exercise 3: dL/dw = mean((y_hat - y) x) and dL/db = mean(y_hat - y), against autograd.
torch.manual_seed(0)
check_model = LogisticRegression()
nn.BCELoss()(check_model(x_data), y_data).backward()
with torch.no_grad():
    error = check_model(x_data) - y_data  # y_hat - y, (N, 1)
    grad_w, grad_b = (error * x_data).mean(), error.mean()
print(f"by hand: dL/dw = {grad_w:.4f}, dL/db = {grad_b:.4f}")
#> by hand: dL/dw = 0.2538, dL/db = 0.2942
weight, bias = check_model.linear.weight, check_model.linear.bias
print(f"autograd: dL/dw = {weight.grad.item():.4f}, dL/db = {bias.grad.item():.4f}")
#> autograd: dL/dw = 0.2538, dL/db = 0.2942
assert torch.allclose(grad_w, weight.grad.squeeze(), atol=1e-6)
assert torch.allclose(grad_b, bias.grad.squeeze(), atol=1e-6)
# --8<-- [end:exercise-gradient]
