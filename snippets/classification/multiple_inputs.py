# Classification with eight inputs: the diabetes data, a deep model, width vs depth.
# Run it: python snippets/classification/multiple_inputs.py

# --8<-- [start:load]
import numpy as np
import torch
from torch import nn
from torchvision.datasets.utils import download_url

download_url(  # skipped when data/diabetes.csv.gz is already there with this checksum
    "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/diabetes.csv.gz",
    root="data", filename="diabetes.csv.gz", md5="b7f372850118dfaf306e2f334e6a718f",
)
xy = np.loadtxt("data/diabetes.csv.gz", delimiter=",", dtype=np.float32)  # (759, 9)
x_all = torch.from_numpy(xy[:, :-1])  # (759, 8): eight features per patient
y_all = torch.from_numpy(xy[:, [-1]])  # (759, 1): the label, kept as a column
print(f"x {tuple(x_all.shape)}, y {tuple(y_all.shape)}, dtype {x_all.dtype}")
#> x (759, 8), y (759, 1), dtype torch.float32
print(f"features range from {x_all.min():.1f} to {x_all.max():.1f}")
#> features range from -1.0 to 1.0
# --8<-- [end:load]

# --8<-- [start:labels]
GLUCOSE = 1  # column 1 is the plasma glucose concentration
for label in (0.0, 1.0):
    rows = y_all[:, 0] == label
    glucose = x_all[rows, GLUCOSE].mean()
    print(f"label {label:.0f}: {rows.sum().item()} rows, mean glucose {glucose:+.3f}")
    #> label 0: 263 rows, mean glucose +0.424
    #> label 1: 496 rows, mean glucose +0.110
# --8<-- [end:labels]

# --8<-- [start:matrix-form]
torch.manual_seed(0)
linear = nn.Linear(8, 1)
print(f"weight {tuple(linear.weight.shape)}, bias {tuple(linear.bias.shape)}")
#> weight (1, 8), bias (1,)
z = linear(x_all)  # (759, 8) @ (8, 1) + (1,) -> (759, 1)
print(f"z {tuple(z.shape)}")
#> z (759, 1)
assert torch.allclose(z, x_all @ linear.weight.T + linear.bias)
# --8<-- [end:matrix-form]

# --8<-- [start:split]
torch.manual_seed(0)
order = torch.randperm(len(x_all))  # shuffle once, then cut
n_test = len(x_all) // 5  # 20 % held out
x_test, y_test = x_all[order[:n_test]], y_all[order[:n_test]]
x_train, y_train = x_all[order[n_test:]], y_all[order[n_test:]]
print(f"train {len(x_train)}, test {len(x_test)}")
#> train 608, test 151

majority = float(y_train.mean() > 0.5)  # the more common label in the training set
baseline = (y_test == majority).float().mean().item()
print(f"always answering {majority:.0f}: test accuracy {baseline:.1%}")
#> always answering 1: test accuracy 64.9%
# --8<-- [end:split]


# --8<-- [start:model]
class DiabetesNet(nn.Module):
    """8 -> 6 -> 4 -> 1; returns the logit z, not a probability."""

    def __init__(self, activation=nn.Sigmoid):
        super().__init__()
        self.l1 = nn.Linear(8, 6)
        self.l2 = nn.Linear(6, 4)
        self.l3 = nn.Linear(4, 1)
        self.act = activation()

    def forward(self, x):  # x: (N, 8)
        h1 = self.act(self.l1(x))  # (N, 6)
        h2 = self.act(self.l2(h1))  # (N, 4)
        return self.l3(h2)  # (N, 1)


torch.manual_seed(0)
model = DiabetesNet()
print(f"{sum(p.numel() for p in model.parameters())} parameters")
#> 87 parameters
# --8<-- [end:model]


# --8<-- [start:train]
def accuracy(model, x, y):
    with torch.no_grad():
        return ((model(x) > 0).float() == y).float().mean().item()  # z > 0 <=> y_hat > 0.5


def train(model, epochs=300, lr=0.02):
    """Full-batch Adam on the training set; returns the train and test loss per epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    train_losses, test_losses = [], []
    for epoch in range(epochs):
        loss = loss_fn(model(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
        with torch.no_grad():
            test_losses.append(loss_fn(model(x_test), y_test).item())
    return train_losses, test_losses


train_losses, test_losses = train(model)
print(f"loss: first epoch {train_losses[0]:.4f}, last {train_losses[-1]:.4f}")
#> loss: first epoch 0.7282, last 0.4225
train_acc, test_acc = accuracy(model, x_train, y_train), accuracy(model, x_test, y_test)
print(f"accuracy: train {train_acc:.1%}, test {test_acc:.1%}")
#> accuracy: train 80.8%, test 77.5%
# --8<-- [end:train]

# --8<-- [start:stuck]
torch.manual_seed(0)
slow_model = DiabetesNet()
optimizer = torch.optim.SGD(slow_model.parameters(), lr=0.1)
for epoch in range(100):
    loss = nn.BCEWithLogitsLoss()(slow_model(x_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    share_of_ones = (slow_model(x_test) > 0).float().mean().item()
print(f"test accuracy {accuracy(slow_model, x_test, y_test):.1%}, answers 1 for {share_of_ones:.0%}")
#> test accuracy 64.9%, answers 1 for 100%
# --8<-- [end:stuck]


# --8<-- [start:wide-and-deep]
def mlp(*sizes, activation=nn.ReLU):
    """mlp(8, 64, 1) = Linear(8, 64), ReLU, Linear(64, 1)."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), activation()]
    return nn.Sequential(*layers[:-1])  # no activation after the last layer: logits


architectures = {
    "8-1 (logistic regression)": lambda: mlp(8, 1),
    "8-6-4-1, sigmoid": lambda: mlp(8, 6, 4, 1, activation=nn.Sigmoid),
    "8-6-4-1, ReLU": lambda: mlp(8, 6, 4, 1),
    "8-64-1 (wide)": lambda: mlp(8, 64, 1),
    "8-16-16-16-1 (deep)": lambda: mlp(8, 16, 16, 16, 1),
    "8-64-64-1 (wide and deep)": lambda: mlp(8, 64, 64, 1),
}
loss_curves = {}  # (train, test) losses of each model's first run
print(f"{'model':<26} {'params':>6} {'train':>7} {'test':>7}")
#> model                      params   train    test
for name, build in architectures.items():
    train_acc, test_acc = [], []
    for seed in range(3):
        torch.manual_seed(seed)
        net = build()
        curves = train(net)
        if seed == 0:
            loss_curves[name] = curves
        train_acc.append(accuracy(net, x_train, y_train))
        test_acc.append(accuracy(net, x_test, y_test))
    n_params = sum(p.numel() for p in net.parameters())
    print(f"{name:<26} {n_params:>6} {np.mean(train_acc):>7.1%} {np.mean(test_acc):>7.1%}")  # ±6 in the last digit
    #> 8-1 (logistic regression)       9   77.5%   78.1%
    #> 8-6-4-1, sigmoid               87   80.9%   77.3%
    #> 8-6-4-1, ReLU                  87   80.3%   76.4%
    #> 8-64-1 (wide)                 641   89.4%   75.1%
    #> 8-16-16-16-1 (deep)           705   86.7%   75.5%
    #> 8-64-64-1 (wide and deep)    4801   98.7%   74.6%
# --8<-- [end:wide-and-deep]

# --8<-- [start:exercise-params]
# Exercise 1: count the parameters of 8 -> 6 -> 4 -> 1 by hand.
by_hand = (8 * 6 + 6) + (6 * 4 + 4) + (4 * 1 + 1)  # weights + biases of each layer
print(by_hand)
#> 87
assert by_hand == sum(p.numel() for p in DiabetesNet().parameters())
# --8<-- [end:exercise-params]

# --8<-- [start:exercise-recall]
# Exercise 2: how many of the diabetic patients (label 0) in the test set does `model` find?
with torch.no_grad():
    predicted = (model(x_test) > 0).float()
diabetic = y_test == 0
found = ((predicted == 0) & diabetic).sum().item()
n_diabetic = diabetic.sum().item()
print(f"{found} of {n_diabetic} diabetic patients found ({found / n_diabetic:.0%})")
#> 38 of 53 diabetic patients found (72%)
healthy_ok = ((predicted == 1) & ~diabetic).sum().item()
n_healthy = (~diabetic).sum().item()
print(f"{healthy_ok} of {n_healthy} others recognised ({healthy_ok / n_healthy:.0%})")
#> 79 of 98 others recognised (81%)
assert found + healthy_ok == round(accuracy(model, x_test, y_test) * len(y_test))
# --8<-- [end:exercise-recall]

# --8<-- [start:exercise-weights]
# Exercise 3: which feature does logistic regression weigh most?
torch.manual_seed(0)
logistic = mlp(8, 1)
train(logistic)
weights = logistic[0].weight.detach().flatten()  # (8,)
print([round(w, 2) for w in weights.tolist()])
#> [-0.87, -2.95, 0.15, -0.5, -0.5, -2.47, -1.04, -0.26]
print(f"largest |w|: column {weights.abs().argmax().item()}")
#> largest |w|: column 1
assert weights.abs().argmax().item() == GLUCOSE
assert weights[GLUCOSE] < 0  # high glucose pushes towards label 0
# --8<-- [end:exercise-weights]
