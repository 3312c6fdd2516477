# MNIST end to end with a 784-512-256-128-64-10 MLP: normalisation computed from
# the data, loaders, CrossEntropyLoss, SGD with momentum, train() and test().
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

# --8<-- [start:model]
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    """784 -> 512 -> 256 -> 128 -> 64 -> 10, ReLU between the layers."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 512)
        self.l2 = nn.Linear(512, 256)
        self.l3 = nn.Linear(256, 128)
        self.l4 = nn.Linear(128, 64)
        self.l5 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.flatten(start_dim=1)  # (B, 1, 28, 28) -> (B, 784)
        x = F.relu(self.l1(x))  # (B, 512)
        x = F.relu(self.l2(x))  # (B, 256)
        x = F.relu(self.l3(x))  # (B, 128)
        x = F.relu(self.l4(x))  # (B, 64)
        return self.l5(x)  # (B, 10) logits: no ReLU, no softmax here


torch.manual_seed(0)
model = Net().to(device)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
#> 575,050 parameters
# --8<-- [end:model]

# --8<-- [start:loss-optimizer]
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
    #> epoch 2: train loss 0.11, accuracy 96.6% | test loss 0.11, accuracy 96.4%
    #> epoch 3: train loss 0.07, accuracy 97.9% | test loss 0.09, accuracy 97.3%
    #> epoch 4: train loss 0.05, accuracy 98.4% | test loss 0.08, accuracy 97.8%
train_seconds = time.perf_counter() - start
print(f"4 epochs took {train_seconds:.1f} s on {device}")
#> 4 epochs took 24.9 s on cpu
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
#> accuracy from the confusion matrix: 97.8%

wrong = (predicted != true).nonzero().flatten()[:24]  # indices of the first 24 mistakes
wrong_images = test_set.data[wrong]  # (24, 28, 28) uint8, as stored
wrong_predicted, wrong_true = predicted[wrong].tolist(), true[wrong].tolist()
# --8<-- [end:predictions]

# --8<-- [start:exercise-per-class]
# Exercise 1: accuracy per digit, from the rows of the confusion matrix.
per_class = confusion.diag() / confusion.sum(dim=1)  # correct / all images of that digit
print(" ".join(f"{digit}:{accuracy:.0%}" for digit, accuracy in enumerate(per_class.tolist())))
#> 0:98% 1:99% 2:98% 3:99% 4:98% 5:97% 6:98% 7:97% 8:96% 9:97%
weights = confusion.sum(dim=1) / confusion.sum()  # share of each digit in the test set
assert torch.isclose((weights * per_class).sum(), confusion.diag().sum() / confusion.sum())
# --8<-- [end:exercise-per-class]

# --8<-- [start:exercise-save-load]
# Exercise 2: save the trained weights, load them into a fresh Net, get the same accuracy.
torch.save(model.state_dict(), "mnist_mlp.pt")
model = Net().to(device)  # new random weights; test() uses the global `model`
model.load_state_dict(torch.load("mnist_mlp.pt", map_location=device))
print(f"reloaded: test accuracy {test()[1]:.1%}")  # ±2 in the last digit
#> reloaded: test accuracy 97.8%
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
#> mean confidence: right 0.99, wrong 0.75
assert confidence[right].mean() > confidence[~right].mean()
sure_but_wrong = (confidence[~right] > 0.9).float().mean()  # share of the mistakes
print(f"more than a fifth of the wrong answers have confidence above 0.9: {sure_but_wrong > 0.2}")
#> more than a fifth of the wrong answers have confidence above 0.9: True
# --8<-- [end:exercise-confidence]
