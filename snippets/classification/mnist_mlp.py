# MNIST end to end with a 784-512-256-128-64-10 MLP: normalisation computed from
# the data, loaders, a linear baseline, weight initialisation, CrossEntropyLoss,
# SGD with momentum, train() and test(), and dropout chosen on validation data.
# Run it: python snippets/classification/mnist_mlp.py

# --8<-- [start:statistics]
import torch
from torchvision import datasets

raw_train = datasets.MNIST(root="data", train=True, download=True)  # no transform
pixels = raw_train.data.float() / 255  # (60000, 28, 28) in [0, 1], as ToTensor scales them
print(f"mean {pixels.mean():.4f}, std {pixels.std():.4f}")
#> mean 0.1307, std 0.3081
print(f"{(pixels == 0).float().mean():.1%} of all pixels are exactly 0 (background)")
#> 80.9% of all pixels are exactly 0 (background)
# --8<-- [end:statistics]

# --8<-- [start:loaders]
from torch.utils.data import DataLoader
from torchvision import transforms

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
transform = transforms.Compose([
    transforms.ToTensor(),  # uint8 (28, 28) -> float32 (1, 28, 28) in [0, 1]
    transforms.Normalize((0.1307,), (0.3081,)),  # the mean and std computed above
])
train_set = datasets.MNIST(root="data", train=True, download=True, transform=transform)
test_set = datasets.MNIST(root="data", train=False, download=True, transform=transform)

torch.manual_seed(0)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=1000)  # no shuffle, no gradients: any size
images, labels = next(iter(train_loader))
print(f"a batch: {tuple(images.shape)}, pixel mean {images.mean():.2f}, std {images.std():.2f}")
#> a batch: (64, 1, 28, 28), pixel mean -0.01, std 0.99
# --8<-- [end:loaders]

# --8<-- [start:baseline]
import torch.nn.functional as F
from torch import nn

# For the quick experiments of this page: all images normalised once, as one tensor each
x_train = ((raw_train.data.float() / 255 - 0.1307) / 0.3081).flatten(start_dim=1).to(device)  # (60000, 784)
y_train = raw_train.targets.to(device)  # (60000,)
x_test = ((test_set.data.float() / 255 - 0.1307) / 0.3081).flatten(start_dim=1).to(device)  # (10000, 784)
y_test = test_set.targets.to(device)
assert torch.equal(x_train[0].cpu(), train_set[0][0].flatten())  # exactly what the loader's transform gives


def fit(model, x, y, epochs, lr=0.01, batch_size=64):
    """SGD with momentum over shuffled batches sliced from preloaded tensors."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), device=x.device)
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


torch.manual_seed(0)
softmax_regression = fit(nn.Linear(784, 10).to(device), x_train, y_train, epochs=1)  # 7,850 parameters
baseline_accuracy = accuracy(softmax_regression, x_test, y_test)
print(f"one linear layer, one epoch: test accuracy {baseline_accuracy:.1%}")  # ±1 in the last digit
#> one linear layer, one epoch: test accuracy 91.3%
# --8<-- [end:baseline]

# --8<-- [start:model]
class Net(nn.Module):
    """784 -> 512 -> 256 -> 128 -> 64 -> 10, ReLU between the layers; dropout p (0: none)."""

    def __init__(self, p=0.0):
        super().__init__()
        self.l1 = nn.Linear(784, 512)
        self.l2 = nn.Linear(512, 256)
        self.l3 = nn.Linear(256, 128)
        self.l4 = nn.Linear(128, 64)
        self.l5 = nn.Linear(64, 10)
        self.dropout = nn.Dropout(p)  # no parameters; does nothing while p = 0

    def forward(self, x):
        x = x.flatten(start_dim=1)  # (B, 1, 28, 28) -> (B, 784)
        x = self.dropout(F.relu(self.l1(x)))  # (B, 512)
        x = self.dropout(F.relu(self.l2(x)))  # (B, 256)
        x = self.dropout(F.relu(self.l3(x)))  # (B, 128)
        x = self.dropout(F.relu(self.l4(x)))  # (B, 64)
        return self.l5(x)  # (B, 10) logits: no ReLU, no softmax, no dropout here


print(f"{sum(p.numel() for p in Net().parameters()):,} parameters")
#> 575,050 parameters
# --8<-- [end:model]

# --8<-- [start:init-variance]
def layer_statistics(net, x):
    """For each Linear layer: (inputs n, E[h^2] of its input, E[a^2] of its output), through ReLUs."""
    rows, h = [], x
    for layer in (net.l1, net.l2, net.l3, net.l4, net.l5):
        a = layer(h)
        rows.append((layer.in_features, h.pow(2).mean().item(), a.pow(2).mean().item()))
        h = F.relu(a)
    return rows


sample = x_train[:1000]
with torch.no_grad():
    runs = []
    for seed in range(20):  # 20 freshly initialised networks: the formula is an average over weights
        torch.manual_seed(seed)
        runs.append(layer_statistics(Net().to(device), sample))
print("layer  inputs n  E[h^2] in  predicted E[a^2]  measured E[a^2]")
#> layer  inputs n  E[h^2] in  predicted E[a^2]  measured E[a^2]
for k in range(5):
    n = runs[0][k][0]
    h2 = sum(r[k][1] for r in runs) / 20
    predicted = sum(r[k][1] / 3 + 1 / (3 * n) for r in runs) / 20  # Var(w) = Var(b) = 1 / (3n)
    measured = sum(r[k][2] for r in runs) / 20
    print(f"{k + 1:5d} {n:9d} {h2:10.4f} {predicted:17.4f} {measured:16.4f}")
    #>     1       784     0.9809            0.3274           0.3263
    #>     2       512     0.1650            0.0556           0.0561
    #>     3       256     0.0286            0.0108           0.0106
    #>     4       128     0.0054            0.0044           0.0045
    #>     5        64     0.0023            0.0060           0.0054
    assert abs(measured / predicted - 1) < 0.1
# --8<-- [end:init-variance]

# --8<-- [start:init-deep]
def deep_net(init=None, depth=20, width=128):
    """784 -> 128 (twenty times, ReLU after each) -> 10, initialised by PyTorch or by `init`."""
    layers, n = [], 784
    for _ in range(depth):
        layers += [nn.Linear(n, width), nn.ReLU()]
        n = width
    net = nn.Sequential(*layers, nn.Linear(n, 10))
    if init is not None:
        for layer in net:
            if isinstance(layer, nn.Linear):
                init(layer.weight)
                nn.init.zeros_(layer.bias)
    return net.to(device)


inits = {
    "PyTorch default": None,  # uniform, Var(w) = 1 / (3 n_in)
    "Xavier (Glorot)": nn.init.xavier_normal_,  # Var(w) = 2 / (n_in + n_out)
    "He (Kaiming)": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),  # Var(w) = 2 / n_in
}
deep_signal = {}  # init -> E[h^2] after each of the twenty hidden layers, for the figure
subset = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(0))[:10_000]
print("init             E[h^2] at layer 20  gradient at layer 1  test accuracy over 50%")
#> init             E[h^2] at layer 20  gradient at layer 1  test accuracy over 50%
for name, init in inits.items():
    torch.manual_seed(0)
    net = deep_net(init)
    h, deep_signal[name] = sample, []
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.ReLU):
            deep_signal[name].append(h.pow(2).mean().item())
    F.cross_entropy(h, y_train[:1000]).backward()  # one backward pass, before any training
    gradient = net[0].weight.grad.norm().item()  # the size of what reaches the first layer
    fit(net, x_train[subset], y_train[subset], epochs=1)  # then one pass over 10,000 images
    learned = accuracy(net, x_test, y_test) > 0.5  # chance is 10 %
    print(f"{name:16s} {deep_signal[name][-1]:18.1e} {gradient:20.1e}  {learned}")
    #> PyTorch default             1.4e-03              2.6e-08  False
    #> Xavier (Glorot)             4.4e-06              2.5e-03  False
    #> He (Kaiming)                2.7e+00              5.0e+00  True
# --8<-- [end:init-deep]

# --8<-- [start:loss-optimizer]
torch.manual_seed(0)
model = Net().to(device)  # the network this page trains
loss_fn = nn.CrossEntropyLoss()  # log-softmax + negative log-likelihood, on logits
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
# --8<-- [end:loss-optimizer]


# --8<-- [start:train-test]
def train():
    """One epoch over the training set; returns its mean loss and accuracy."""
    model.train()
    total_loss, correct = 0.0, 0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)  # (64, 10)
        loss = loss_fn(logits, labels)  # mean over the batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(labels)
        correct += (logits.argmax(dim=1) == labels).sum().item()
    return total_loss / len(train_set), correct / len(train_set)


def test():
    """Mean loss and accuracy on the test set, without updating anything."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for images, labels in test_loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += loss_fn(logits, labels).item() * len(labels)
            correct += (logits.argmax(dim=1) == labels).sum().item()
    return total_loss / len(test_set), correct / len(test_set)
# --8<-- [end:train-test]


# --8<-- [start:run]
import time

history = {"train_loss": [], "train_accuracy": [], "test_loss": [], "test_accuracy": []}
start = time.perf_counter()
for epoch in range(1, 5):
    train_loss, train_accuracy = train()
    test_loss, test_accuracy = test()
    for name, value in zip(history, (train_loss, train_accuracy, test_loss, test_accuracy)):
        history[name].append(value)
    print(f"epoch {epoch}: train loss {train_loss:.2f}, accuracy {train_accuracy:.1%} | "
          f"test loss {test_loss:.2f}, accuracy {test_accuracy:.1%}")  # ±3 in the last digit
    #> epoch 1: train loss 0.48, accuracy 84.8% | test loss 0.13, accuracy 95.9%
    #> epoch 2: train loss 0.11, accuracy 96.7% | test loss 0.12, accuracy 96.3%
    #> epoch 3: train loss 0.07, accuracy 97.9% | test loss 0.09, accuracy 97.1%
    #> epoch 4: train loss 0.05, accuracy 98.5% | test loss 0.08, accuracy 97.7%
train_seconds = time.perf_counter() - start
print(f"4 epochs took {train_seconds:.1f} s on {device}")
#> 4 epochs took 126.0 s on cpu
print(f"test error: {1 - test_accuracy:.1%}, "
      f"against {1 - baseline_accuracy:.1%} for one linear layer")  # ±1 in the last digit
#> test error: 2.3%, against 8.7% for one linear layer
# --8<-- [end:run]

# --8<-- [start:predictions]
model.eval()
predicted, true = [], []
with torch.no_grad():
    for images, labels in test_loader:
        predicted.append(model(images.to(device)).argmax(dim=1).cpu())
        true.append(labels)
predicted, true = torch.cat(predicted), torch.cat(true)  # (10000,) each

# confusion[i, j] = how many test images of digit i the model called j
confusion = torch.bincount(10 * true + predicted, minlength=100).reshape(10, 10)
print(f"accuracy from the confusion matrix: {confusion.diag().sum() / confusion.sum():.1%}")  # ±2 in the last digit
#> accuracy from the confusion matrix: 97.7%

wrong = (predicted != true).nonzero().flatten()[:24]  # indices of the first 24 mistakes
wrong_images = test_set.data[wrong]  # (24, 28, 28) uint8, as stored
wrong_predicted, wrong_true = predicted[wrong].tolist(), true[wrong].tolist()
# --8<-- [end:predictions]

# --8<-- [start:dropout-modes]
torch.manual_seed(0)
drop = nn.Dropout(p=0.5)
ones = torch.ones(10_000)
kept = drop(ones)  # a fresh module is in training mode: zero each unit with probability p, scale the rest
print(f"kept {(kept > 0).float().mean():.1%} of the units, each as {kept.max():.1f}; mean {kept.mean():.2f}")
#> kept 49.5% of the units, each as 2.0; mean 0.99
drop.eval()
print(f"in evaluation mode: {torch.equal(drop(ones), ones)} (unchanged)")
#> in evaluation mode: True (unchanged)

dropout_net = Net(p=0.5).to(device)
eight = x_test[:8]  # eight test images
dropout_net.train()
first, second = dropout_net(eight), dropout_net(eight)
print(f"train mode, the same images twice: equal outputs {torch.equal(first, second)}")
#> train mode, the same images twice: equal outputs False
dropout_net.eval()
print(f"eval mode, the same images twice: equal outputs {torch.equal(dropout_net(eight), dropout_net(eight))}")
#> eval mode, the same images twice: equal outputs True
# --8<-- [end:dropout-modes]

# --8<-- [start:dropout-validation]
from torch.utils.data import random_split

# 2,000 images to train on and 10,000 to validate with, both from the 60,000 training images
small, val, _ = random_split(range(len(x_train)), [2_000, 10_000, 48_000], generator=torch.Generator().manual_seed(0))
x_small, y_small = x_train[small.indices], y_train[small.indices]
x_val, y_val = x_train[val.indices], y_train[val.indices]

dropout_runs = {}  # p -> (train accuracy, validation accuracy, trained model)
for p in (0.0, 0.2, 0.5):
    torch.manual_seed(0)
    net = fit(Net(p).to(device), x_small, y_small, epochs=20)
    train_acc, val_acc = accuracy(net, x_small, y_small), accuracy(net, x_val, y_val)  # eval mode: no dropout
    dropout_runs[p] = (train_acc, val_acc, net)
    gap = train_acc - val_acc
    print(f"p = {p}: train {train_acc:.1%}, validation {val_acc:.1%}, gap {gap:.1%}")  # ±2 in the last digit
    #> p = 0.0: train 100.0%, validation 90.7%, gap 9.3%
    #> p = 0.2: train 99.7%, validation 91.8%, gap 7.9%
    #> p = 0.5: train 97.0%, validation 90.5%, gap 6.5%
best_p = max(dropout_runs, key=lambda p: dropout_runs[p][1])  # chosen on validation data only
test_accuracy_p = accuracy(dropout_runs[best_p][2], x_test, y_test)
print(f"chosen p = {best_p}; test accuracy, measured once: {test_accuracy_p:.1%}")  # ±1 in the last digit
#> chosen p = 0.2; test accuracy, measured once: 92.2%
# --8<-- [end:dropout-validation]

# --8<-- [start:exercise-per-class]
# Exercise 1: accuracy per digit, from the rows of the confusion matrix.
per_class = confusion.diag() / confusion.sum(dim=1)  # correct / all images of that digit
print(" ".join(f"{digit}:{accuracy:.0%}" for digit, accuracy in enumerate(per_class.tolist())))  # ±2 in the last digit
#> 0:98% 1:99% 2:98% 3:99% 4:97% 5:97% 6:98% 7:97% 8:95% 9:97%
weights = confusion.sum(dim=1) / confusion.sum()  # share of each digit in the test set
assert torch.isclose((weights * per_class).sum(), confusion.diag().sum() / confusion.sum())
# --8<-- [end:exercise-per-class]

# --8<-- [start:exercise-save-load]
# Exercise 2: save the trained weights, load them into a fresh Net, get the same accuracy.
torch.save(model.state_dict(), "mnist_mlp.pt")
model = Net().to(device)  # new random weights; test() uses the global `model`
model.load_state_dict(torch.load("mnist_mlp.pt", map_location=device))
print(f"reloaded: test accuracy {test()[1]:.1%}")  # ±2 in the last digit
#> reloaded: test accuracy 97.7%
assert test()[1] == test_accuracy
# --8<-- [end:exercise-save-load]

# --8<-- [start:exercise-confidence]
# Exercise 3: how sure is the model when it is right, and when it is wrong?
with torch.no_grad():
    logits = torch.cat([model(images.to(device)).cpu() for images, _ in test_loader])
confidence = logits.softmax(dim=1).max(dim=1).values  # probability of the predicted digit
right = predicted == true
mean_right, mean_wrong = confidence[right].mean(), confidence[~right].mean()
print(f"mean confidence: right {mean_right:.2f}, wrong {mean_wrong:.2f}")  # ±2 in the last digit
#> mean confidence: right 0.99, wrong 0.73
assert confidence[right].mean() > confidence[~right].mean()
sure_but_wrong = (confidence[~right] > 0.9).float().mean()  # share of the mistakes
print(f"more than a fifth of the wrong answers have confidence above 0.9: {sure_but_wrong > 0.2}")
#> more than a fifth of the wrong answers have confidence above 0.9: True
# --8<-- [end:exercise-confidence]
