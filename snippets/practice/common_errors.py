# The errors everyone meets: ten exceptions reproduced with today's messages,
# each followed by its fix, then three silent mistakes shown by their numbers.
# Run it: python snippets/practice/common_errors.py

# --8<-- [start:raises]
import textwrap

import torch
import torch.nn.functional as F
from torch import nn


class raises:
    """`with raises(RuntimeError, "start of the message") as error:` -- the block must
    raise that error, with a message that starts that way (or one of a tuple of starts:
    releases word some messages differently); print(error) shows it."""

    def __init__(self, error_type, message_start):
        self.error_type, self.message_start = error_type, message_start
        self.message = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        assert error is not None, f"the block raised no {self.error_type.__name__}"
        if not isinstance(error, self.error_type):
            return False  # another error: let it through
        self.message = str(error)
        assert self.message.startswith(self.message_start), self.message
        return True  # the expected error: swallow it and carry on

    def __str__(self):
        return textwrap.fill(f"{self.error_type.__name__}: {self.message}", width=88)


torch.manual_seed(0)
images = torch.randn(64, 1, 28, 28)  # a batch shaped like MNIST's
labels = torch.randint(0, 10, (64,))
# --8<-- [end:raises]

# --8<-- [start:linear-shape]
layer = nn.Linear(784, 10)
with raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied") as error:
    layer(images)  # (64, 1, 28, 28): the images were never flattened
print(error)
#> RuntimeError: mat1 and mat2 shapes cannot be multiplied (1792x28 and 784x10)

logits = layer(images.flatten(start_dim=1))  # the fix: (64, 784), one row per image
print(tuple(logits.shape))
#> (64, 10)
# --8<-- [end:linear-shape]

# --8<-- [start:devices]
model = nn.Linear(4, 2).to("meta")  # stands for a model moved to the GPU
x = torch.randn(3, 4)  # ... and a batch left on the CPU
with raises(RuntimeError, "Tensor on device") as error:
    model(x)
print(error)
#> RuntimeError: Tensor on device meta is not on the expected device cpu!

model_device = next(model.parameters()).device
print(model(x.to(model_device)).shape)  # the fix: move the batch to where the model is
#> torch.Size([3, 2])
# --8<-- [end:devices]

# --8<-- [start:in-place]
z = torch.randn(4, 3, requires_grad=True)
h = torch.sigmoid(z)  # sigmoid saves its output h: its derivative is h * (1 - h)
h[:, 0] = 0  # an in-place write into h
with raises(RuntimeError, "one of the variables needed for gradient computation") as error:
    h.sum().backward()
print(textwrap.fill(error.message.split(" Hint:")[0], width=88))  # the message ends with a hint
#> one of the variables needed for gradient computation has been modified by an inplace
#> operation: [torch.FloatTensor [4, 3]], which is output 0 of Sigmoid, is at version 1;
#> expected version 0 instead.

h = torch.sigmoid(z)
mask = torch.tensor([0.0, 1.0, 1.0])
h = h * mask  # the fix: a new tensor; the h that sigmoid saved is untouched
h.sum().backward()
print(z.grad[:, 0].abs().max().item())  # the zeroed column gets no gradient, as intended
#> 0.0
# --8<-- [end:in-place]

# --8<-- [start:dtypes]
logits = torch.randn(64, 10)
float_labels = labels.float()  # class indices stored as floats, as np.loadtxt or a CSV gives them
wordings = ("expected target dtype to be Long", "expected scalar type Long")  # torch 2.14; 2.11 and older
with raises(RuntimeError, wordings) as error:
    F.cross_entropy(logits, float_labels)
print(error)
#> RuntimeError: expected target dtype to be Long or Byte, but got Float

scores = torch.randn(64)  # one logit per example, for a yes/no question
answers = torch.randint(0, 2, (64,))  # int64 labels 0/1
with raises(RuntimeError, "result type Float can't be cast") as error:
    F.binary_cross_entropy_with_logits(scores, answers)
print(error)
#> RuntimeError: result type Float can't be cast to the desired output type Long

ce = F.cross_entropy(logits, float_labels.long())  # the fixes: class indices are int64 ...
bce = F.binary_cross_entropy_with_logits(scores, answers.float())  # ... 0/1 targets are floats
print(f"{ce.item():.3f} {bce.item():.3f}")
#> 2.939 0.819
# --8<-- [end:dtypes]

# --8<-- [start:one-hot]
one_hot = F.one_hot(labels, num_classes=10)  # (64, 10) int64, a 1 in each row
with raises(RuntimeError, "Expected floating point type for target with class probabilities") as error:
    F.cross_entropy(logits, one_hot)
print(error)
#> RuntimeError: Expected floating point type for target with class probabilities, got Long

with raises(RuntimeError, "0D or 1D target tensor expected") as error:
    F.cross_entropy(logits, labels.unsqueeze(1))  # a column of indices, shape (64, 1)
print(error)
#> RuntimeError: 0D or 1D target tensor expected, multi-target not supported

from_indices = F.cross_entropy(logits, one_hot.argmax(dim=1))  # the fix: back to indices, (64,)
from_probabilities = F.cross_entropy(logits, one_hot.float())  # or float rows that sum to 1
print(f"{from_indices.item():.3f} {from_probabilities.item():.3f}")
#> 2.939 2.939
# --8<-- [end:one-hot]

# --8<-- [start:backward-twice]
cell = nn.RNNCell(input_size=3, hidden_size=5)
sequence = torch.randn(6, 1, 3)  # six time steps, cut into two chunks of three
hidden = torch.zeros(1, 5)
with raises(RuntimeError, "Trying to backward through the graph a second time") as error:
    for chunk in sequence.split(3):
        for step_input in chunk:
            hidden = cell(step_input, hidden)  # chunk 2 starts from chunk 1's hidden state ...
        hidden.sum().backward()  # ... so its backward runs into chunk 1's freed graph
print(error.message.split(" (")[0])
#> Trying to backward through the graph a second time

hidden = torch.zeros(1, 5)
for chunk in sequence.split(3):
    hidden = hidden.detach()  # the fix: keep the value, cut the graph at the chunk boundary
    for step_input in chunk:
        hidden = cell(step_input, hidden)
    hidden.sum().backward()
print(tuple(cell.weight_hh.grad.shape))
#> (5, 5)
# --8<-- [end:backward-twice]

# --8<-- [start:batch-dimension]
cnn = nn.Sequential(
    nn.Conv2d(1, 10, kernel_size=5), nn.MaxPool2d(2), nn.ReLU(),  # (B, 1, 28, 28) -> (B, 10, 12, 12)
    nn.Flatten(), nn.Linear(10 * 12 * 12, 10),  # -> (B, 1440) -> (B, 10)
)
image = images[0]  # one image, as a Dataset returns it: (1, 28, 28)
with raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied") as error:
    cnn(image)
print(error)
#> RuntimeError: mat1 and mat2 shapes cannot be multiplied (10x144 and 1440x10)

print(tuple(cnn(image.unsqueeze(0)).shape))  # the fix: a batch of one, (1, 1, 28, 28)
#> (1, 10)
# --8<-- [end:batch-dimension]

# --8<-- [start:view]
hidden_states = torch.randn(7, 64, 32)  # (time, batch, features), as nn.RNN returns them
batch_first = hidden_states.transpose(0, 1)  # (64, 7, 32): a view with swapped strides
print(batch_first.is_contiguous(), batch_first.stride())
#> False (32, 2048, 1)
with raises(RuntimeError, "view size is not compatible with input tensor's size and stride") as error:
    batch_first.view(64, -1)
print(error)
#> RuntimeError: view size is not compatible with input tensor's size and stride (at least
#> one dimension spans across two contiguous subspaces). Use .reshape(...) instead.

flat = batch_first.reshape(64, -1)  # the fix: reshape copies when it has to
print(tuple(flat.shape), torch.equal(flat, batch_first.contiguous().view(64, -1)))
#> (64, 224) True
# --8<-- [end:view]

# --8<-- [start:spawn]
import re
import subprocess
import sys
import tempfile
from pathlib import Path

program = """
import torch
from torch.utils.data import DataLoader, TensorDataset

def main():
    loader = DataLoader(TensorDataset(torch.arange(8.0)), batch_size=4,
                        num_workers=1, multiprocessing_context="spawn")  # as on Windows and macOS
    print([batch.tolist() for (batch,) in loader])
"""
unguarded = program + "\nmain()\n"
guarded = program + '\nif __name__ == "__main__":\n    main()\n'

with tempfile.TemporaryDirectory() as folder:
    runs = {}
    for name, text in (("unguarded", unguarded), ("guarded", guarded)):
        path = Path(folder) / f"{name}.py"
        path.write_text(text)
        runs[name] = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)  # the two run side by side
    results = {name: run.communicate(timeout=300) for name, run in runs.items()}
    codes = {name: run.returncode for name, run in runs.items()}

stderr = results["unguarded"][1]
worker_error = " ".join(stderr.split("RuntimeError:")[1].split())  # the first error, on one line
main_error = stderr.strip().splitlines()[-1]  # the last line: the main process's error
print(f"exit code {codes['unguarded']}")
#> exit code 1
print(textwrap.fill("in the worker: " + worker_error.split(".")[0], width=88))
#> in the worker: An attempt has been made to start a new process before the current
#> process has finished its bootstrapping phase
print("in the program:", re.sub(r"\d+", "…", main_error))
#> in the program: RuntimeError: DataLoader worker (pid(s) …) exited unexpectedly

print(codes["guarded"], results["guarded"][0].strip())  # the fix: main() only in the program run
#> 0 [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
# --8<-- [end:spawn]

# --8<-- [start:weights-only]
import pickle

net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
torch.save(net, "whole_model.pt")  # pickles the module objects, code references and all
with raises(pickle.UnpicklingError, "Weights only load failed") as error:
    torch.load("whole_model.pt")  # weights_only=True is the default since PyTorch 2.6
print(error.message.split(". ")[0])
#> Weights only load failed

torch.save(net.state_dict(), "weights.pt")  # the fix: save the tensors only ...
fresh = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
fresh.load_state_dict(torch.load("weights.pt"))  # ... and load them into a model built in code
x = torch.randn(3, 4)
print(torch.equal(fresh(x), net(x)))
#> True
# --8<-- [end:weights-only]

# --8<-- [start:silent-setup]
import math

from torchvision import datasets

mnist_train = datasets.MNIST(root="data", train=True, download=True)
mnist_test = datasets.MNIST(root="data", train=False, download=True)


def preload(dataset, count):
    """The first `count` images as one normalised (count, 784) tensor, and their labels."""
    pixels = dataset.data[:count].float() / 255
    return ((pixels - 0.1307) / 0.3081).flatten(start_dim=1), dataset.targets[:count]


x_train, y_train = preload(mnist_train, 10_000)  # a subset: enough to show each effect
x_test, y_test = preload(mnist_test, 2_000)


def train(zero_grad=True, softmax_first=False, epochs=2, lr=0.05):
    """An MLP with dropout, trained with SGD in batches of 100; returns it and its batch losses."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(epochs):
        order = torch.randperm(len(x_train))
        for start in range(0, len(x_train), 100):
            batch = order[start:start + 100]
            output = net(x_train[batch])
            if softmax_first:
                output = output.softmax(dim=1)  # the mistake of section 12
            loss = loss_fn(output, y_train[batch])
            if zero_grad:  # section 11 leaves this out
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return net, losses


def accuracy(net):
    with torch.no_grad():
        return (net(x_test).argmax(dim=1) == y_test).float().mean().item()


net, losses = train()
net.eval()
print(f"correct: last 20 batches' loss {sum(losses[-20:]) / 20:.2f}, test accuracy {accuracy(net):.0%}")
#> correct: last 20 batches' loss 0.46, test accuracy 88%
histories = {"correct": losses}
# --8<-- [end:silent-setup]

# --8<-- [start:no-zero-grad]
net, losses = train(zero_grad=False)
net.eval()
print(f"no zero_grad: last 20 batches' loss {sum(losses[-20:]) / 20:.2f}, "
      f"test accuracy {accuracy(net):.0%}")  # ±2 in the last digit
#> no zero_grad: last 20 batches' loss 2.69, test accuracy 40%
histories["no zero_grad"] = losses
# --8<-- [end:no-zero-grad]

# --8<-- [start:softmax-first]
net, losses = train(softmax_first=True)
net.eval()
print(f"softmax first: last 20 batches' loss {sum(losses[-20:]) / 20:.2f}, test accuracy {accuracy(net):.0%}")
#> softmax first: last 20 batches' loss 1.84, test accuracy 70%
histories["softmax first"] = losses
floor = math.log(1 + 9 / math.e)  # the least loss a softmax output can reach with 10 classes
print(f"floor {floor:.4f}, lowest batch loss {min(losses):.2f}")
#> floor 1.4612, lowest batch loss 1.77
assert min(losses) > floor
# --8<-- [end:softmax-first]

# --8<-- [start:no-eval]
net, losses = train()  # the correct training again; now evaluate it twice
net.train()  # as if model.eval() had been forgotten: dropout still zeroes half the units
with torch.no_grad():
    first, second = net(x_test).argmax(dim=1), net(x_test).argmax(dim=1)
print(f"train mode: test accuracy {(first == y_test).float().mean():.0%}, "
      f"two passes disagree on {(first != second).float().mean():.0%} of the images")
#> train mode: test accuracy 83%, two passes disagree on 15% of the images
net.eval()  # the fix
print(f"eval mode: test accuracy {accuracy(net):.0%}, the same on every pass")
#> eval mode: test accuracy 88%, the same on every pass
# --8<-- [end:no-eval]

# --8<-- [start:exercise-batch-norm]
# Exercise 1: a batch of one through batch normalisation in training mode.
bn_net = nn.Sequential(nn.Linear(784, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))
with raises(ValueError, "Expected more than 1 value per channel when training") as error:
    bn_net(x_train[:1])  # e.g. the last batch of an epoch, when 10,001 images come in batches of 100
print(error)
#> ValueError: Expected more than 1 value per channel when training, got input size
#> torch.Size([1, 32])
bn_net.eval()  # at test time: the running statistics, any batch size
print(tuple(bn_net(x_train[:1]).shape))
#> (1, 10)
# --8<-- [end:exercise-batch-norm]

# --8<-- [start:exercise-floor]
# Exercise 2: the floor of softmax-then-CrossEntropyLoss with C = 2 classes.
perfect = torch.tensor([[1.0, 0.0]])  # the best a softmax output can be: all on the right class
loss = F.cross_entropy(perfect, torch.tensor([0]))
print(f"{loss.item():.4f} {math.log(1 + 1 / math.e):.4f}")
#> 0.3133 0.3133
assert math.isclose(loss.item(), math.log(1 + 1 / math.e), rel_tol=1e-6)
# --8<-- [end:exercise-floor]

# --8<-- [start:exercise-anomaly]
# Exercise 3: let autograd name the forward operation whose saved value was overwritten.
import warnings

z = torch.randn(4, 3, requires_grad=True)
with warnings.catch_warnings(record=True) as caught:  # anomaly mode reports through warnings
    warnings.simplefilter("always")
    with torch.autograd.detect_anomaly(), raises(RuntimeError, "one of the variables needed"):
        h = torch.sigmoid(z)
        h[:, 0] = 0
        h.sum().backward()
report = next(str(w.message) for w in caught if "Error detected in" in str(w.message))
print(report.splitlines()[0])
#> Error detected in SigmoidBackward0. Traceback of forward call that caused the error:
# --8<-- [end:exercise-anomaly]
