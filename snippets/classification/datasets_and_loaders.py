# Datasets and DataLoaders: the diabetes CSV as a custom Dataset, mini-batch
# training over a DataLoader, random_split, worker processes, and MNIST.
# Run it: python snippets/classification/datasets_and_loaders.py
#
# The program starts DataLoader worker processes. Under the "spawn" start method
# (Windows, macOS, and Linux from Python 3.14 on) every worker imports this file,
# so its top level holds only imports and definitions; every statement that does
# work is under `if __name__ == "__main__":`, which a worker's import skips.

# --8<-- [start:dataset]
import math

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class DiabetesDataset(Dataset):
    """Pima Indians diabetes: 8 features scaled to [-1, 1] and a 0/1 label per row."""

    def __init__(self, path="data/diabetes.csv.gz"):
        rows = np.loadtxt(path, delimiter=",", dtype=np.float32)  # (759, 9), gunzipped on the fly
        self.x = torch.from_numpy(rows[:, :-1])  # (759, 8)
        self.y = torch.from_numpy(rows[:, -1:])  # (759, 1): keep the column, BCE wants (N, 1)

    def __getitem__(self, index):
        return self.x[index], self.y[index]  # one sample: ((8,), (1,))

    def __len__(self):
        return len(self.x)
# --8<-- [end:dataset]


# --8<-- [start:load]
if __name__ == "__main__":  # the program you ran; worker processes that import this file skip it
    from torchvision.datasets.utils import download_url

    # Skips the download when data/diabetes.csv.gz is already there with this checksum.
    download_url(
        "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/diabetes.csv.gz",
        root="data",
        filename="diabetes.csv.gz",
        md5="b7f372850118dfaf306e2f334e6a718f",
    )
    dataset = DiabetesDataset()
    x0, y0 = dataset[0]
    print(f"{len(dataset)} samples; dataset[0] -> x {tuple(x0.shape)}, y {tuple(y0.shape)} = {y0.item():.0f}")
    #> 759 samples; dataset[0] -> x (8,), y (1,) = 0
# --8<-- [end:load]

# --8<-- [start:arithmetic]
if __name__ == "__main__":
    N, batch_size = len(dataset), 32
    print(f"iterations per epoch: ceil({N} / {batch_size}) = {math.ceil(N / batch_size)}")
    #> iterations per epoch: ceil(759 / 32) = 24
    print(f"{N // batch_size} full batches, then one of {N} - {N // batch_size} * {batch_size} = {N % batch_size}")
    #> 23 full batches, then one of 759 - 23 * 32 = 23

    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    sizes = [len(y) for x, y in loader]  # one pass over the loader = one epoch
    print(f"len(loader) = {len(loader)}, batch sizes: {sizes[0]}, {sizes[1]}, ..., {sizes[-2]}, {sizes[-1]}")
    #> len(loader) = 24, batch sizes: 32, 32, ..., 32, 23
    print(f"with drop_last=True: {len(DataLoader(dataset, batch_size=batch_size, drop_last=True))} iterations")
    #> with drop_last=True: 23 iterations
# --8<-- [end:arithmetic]

# --8<-- [start:one-batch]
if __name__ == "__main__":
    x_batch, y_batch = next(iter(loader))  # the DataLoader stacked 32 samples
    print(f"x {tuple(x_batch.shape)} {x_batch.dtype}, y {tuple(y_batch.shape)} {y_batch.dtype}")
    #> x (32, 8) torch.float32, y (32, 1) torch.float32
# --8<-- [end:one-batch]


# --8<-- [start:training-loop]
def train(model, loader, epochs, lr=0.1):
    """Mini-batch SGD: one update per batch, every batch once per epoch.
    Returns the loss of every batch, in order."""
    loss_fn = nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, computed stably
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    batch_losses = []
    for epoch in range(epochs):
        for x, y in loader:  # x (B, 8), y (B, 1); B = 32, or 23 for the last batch
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
    return batch_losses


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
    batch_losses = train(model, loader, epochs=100)
    print(f"{len(batch_losses)} updates = 100 epochs * {len(loader)} iterations")
    #> 2400 updates = 100 epochs * 24 iterations
    for epoch in (1, 10, 100):
        epoch_loss = np.mean(batch_losses[(epoch - 1) * len(loader) : epoch * len(loader)])
        print(f"epoch {epoch:3d}: mean batch loss {epoch_loss:.4f}")
        #> epoch   1: mean batch loss 0.6810
        #> epoch  10: mean batch loss 0.6305
        #> epoch 100: mean batch loss 0.4476
# --8<-- [end:training-loop]


# --8<-- [start:random-split]
from torch.utils.data import random_split


def accuracy(model, loader):
    """Fraction of samples whose predicted label (logit > 0, i.e. p > 0.5) is right."""
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += ((model(x) > 0).float() == y).sum().item()
    return correct / len(loader.dataset)


if __name__ == "__main__":
    split_generator = torch.Generator().manual_seed(0)  # the same split on every run
    train_set, val_set = random_split(dataset, [0.8, 0.2], generator=split_generator)
    print(f"train {len(train_set)}, validation {len(val_set)}")
    #> train 608, validation 151

    torch.manual_seed(0)
    split_model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
    train(split_model, DataLoader(train_set, batch_size=32, shuffle=True), epochs=100)
    val_loader = DataLoader(val_set, batch_size=256)  # evaluation: no shuffle, any batch size
    baseline = torch.cat([y for x, y in val_loader]).mean().item()  # answer "1" every time: right this often
    print(f"validation accuracy {accuracy(split_model, val_loader):.1%}; always answering 1: {baseline:.1%}")
    #> validation accuracy 77.5%; always answering 1: 66.9%
# --8<-- [end:random-split]

# --8<-- [start:workers]
if __name__ == "__main__":  # without this guard, a spawned worker would run the program again
    worker_loader = DataLoader(
        dataset,
        batch_size=32,
        shuffle=True,
        num_workers=2,  # two worker processes prepare batches in parallel
        pin_memory=torch.cuda.is_available(),  # page-locked batches copy to a GPU faster
    )
    seen = 0
    for x, y in worker_loader:
        seen += len(y)
    print(f"{seen} samples in {len(worker_loader)} batches from 2 workers")
    #> 759 samples in 24 batches from 2 workers
# --8<-- [end:workers]

# --8<-- [start:mnist]
if __name__ == "__main__":
    from torchvision import datasets, transforms

    transform = transforms.Compose([
        transforms.ToTensor(),  # PIL image, uint8 (28, 28) -> float32 (1, 28, 28) in [0, 1]
        transforms.Normalize((0.1307,), (0.3081,)),  # (x - mean) / std, one value per channel
    ])
    mnist_train = datasets.MNIST(root="data", train=True, download=True, transform=transform)
    mnist_test = datasets.MNIST(root="data", train=False, download=True, transform=transform)
    print(f"train {len(mnist_train)}, test {len(mnist_test)}")
    #> train 60000, test 10000

    raw = mnist_train.data[0]  # how the image is stored
    image, label = mnist_train[0]  # what __getitem__ returns, after the transform
    print(f"stored: {raw.dtype} {tuple(raw.shape)} in [{raw.min()}, {raw.max()}]")
    #> stored: torch.uint8 (28, 28) in [0, 255]
    print(f"returned: {image.dtype} {tuple(image.shape)} in [{image.min():.4f}, {image.max():.4f}], label {label}")
    #> returned: torch.float32 (1, 28, 28) in [-0.4242, 2.8215], label 5
# --8<-- [end:mnist]

# --8<-- [start:mnist-batch]
if __name__ == "__main__":
    mnist_loader = DataLoader(mnist_train, batch_size=64, shuffle=True)
    images, targets = next(iter(mnist_loader))
    print(f"images {tuple(images.shape)} {images.dtype}, labels {tuple(targets.shape)} {targets.dtype}")
    #> images (64, 1, 28, 28) torch.float32, labels (64,) torch.int64
    print(f"{len(mnist_loader)} iterations per epoch")
    #> 938 iterations per epoch

    first_images = mnist_train.data[:24].clone()  # (24, 28, 28) uint8, for the figure below
    first_labels = mnist_train.targets[:24].tolist()
    print(first_labels)
    #> [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9, 4, 0, 9, 1]
# --8<-- [end:mnist-batch]

# --8<-- [start:exercise-iterations]
# Exercise 1: iterations per epoch on MNIST, batch 64, with and without drop_last.
if __name__ == "__main__":
    full, rest = divmod(len(mnist_train), 64)
    print(f"{full} full batches and one of {rest}: {full + 1} iterations, {full} with drop_last")
    #> 937 full batches and one of 32: 938 iterations, 937 with drop_last
    assert len(DataLoader(mnist_train, batch_size=64)) == full + 1
    assert len(DataLoader(mnist_train, batch_size=64, drop_last=True)) == full
# --8<-- [end:exercise-iterations]

# --8<-- [start:exercise-tensor-dataset]
# Exercise 2: TensorDataset instead of the custom class; the same seed gives the same batches.
from torch.utils.data import TensorDataset

if __name__ == "__main__":
    tensor_dataset = TensorDataset(dataset.x, dataset.y)
    ours = DataLoader(dataset, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(1))
    theirs = DataLoader(tensor_dataset, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(1))
    same = all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(ours, theirs))
    print(f"identical batches: {same}")
    #> identical batches: True
    assert same
# --8<-- [end:exercise-tensor-dataset]


# --8<-- [start:exercise-shuffle]
# Exercise 3: shuffle=True visits every sample exactly once per epoch, in a new order each time.
class IndexDataset(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, index):
        return index

    def __len__(self):
        return self.n


if __name__ == "__main__":
    torch.manual_seed(0)
    index_loader = DataLoader(IndexDataset(10), batch_size=4, shuffle=True)
    epochs = [torch.cat(list(index_loader)).tolist() for _ in range(2)]
    print(epochs)
    #> [[6, 7, 1, 4, 2, 0, 9, 8, 3, 5], [2, 4, 7, 0, 8, 9, 5, 3, 6, 1]]
    assert all(sorted(order) == list(range(10)) for order in epochs) and epochs[0] != epochs[1]
# --8<-- [end:exercise-shuffle]

# --8<-- [start:exercise-sampler]
# Exercise 4: the same held-out rows as random_split, with two SubsetRandomSamplers over one dataset.
from torch.utils.data import SubsetRandomSampler

if __name__ == "__main__":
    train_rows, val_rows = train_set.indices, val_set.indices  # the rows random_split chose above
    train_sampler_loader = DataLoader(dataset, batch_size=32, sampler=SubsetRandomSampler(train_rows))
    val_sampler_loader = DataLoader(dataset, batch_size=256, sampler=SubsetRandomSampler(val_rows))
    print(f"{len(train_sampler_loader.sampler)} training rows in {len(train_sampler_loader)} batches, "
          f"{len(val_sampler_loader.sampler)} validation rows")
    #> 608 training rows in 19 batches, 151 validation rows
    assert not set(train_rows) & set(val_rows) and len(set(train_rows) | set(val_rows)) == len(dataset)
    with torch.no_grad():  # accuracy() divides by len(loader.dataset), all 759 rows here; count instead
        right = sum(((split_model(x) > 0).float() == y).sum().item() for x, y in val_sampler_loader)
    assert right / len(val_rows) == accuracy(split_model, val_loader)  # the same 151 rows, in another order
# --8<-- [end:exercise-sampler]
