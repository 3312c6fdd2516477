# Checkpoints: what they hold, saving them atomically, resuming exactly (asserted
# with torch.equal), keeping the best model, loading safely, train and eval modes.
# Run it: python snippets/practice/checkpoints.py

# --8<-- [start:data]
import torch
from torchvision import datasets

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
if device == "cuda":  # resuming bit for bit (below) needs repeatable kernels on a GPU
    import os

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS asks for it
    torch.use_deterministic_algorithms(True)
train_file = datasets.MNIST(root="data", train=True, download=True)
test_file = datasets.MNIST(root="data", train=False, download=True)


def normalise(images):
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), with MNIST's mean and std."""
    return ((images.float() / 255 - 0.1307) / 0.3081).unsqueeze(1)


# A small subset keeps each epoch short: this page is about the training loop, not accuracy.
train_images, train_labels = normalise(train_file.data[:2048]), train_file.targets[:2048]
val_images, val_labels = normalise(train_file.data[-2000:]), train_file.targets[-2000:]  # held out
test_images, test_labels = normalise(test_file.data), test_file.targets
print(f"train {tuple(train_images.shape)}, validation {tuple(val_images.shape)}, test {tuple(test_images.shape)}")
#> train (2048, 1, 28, 28), validation (2000, 1, 28, 28), test (10000, 1, 28, 28)
# --8<-- [end:data]

# --8<-- [start:model]
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    """The MNIST CNN of Part 3: two 5x5 convolutions with pooling, then one linear layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)  # (B, 1, 28, 28) -> (B, 10, 24, 24)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)  # (B, 10, 12, 12) -> (B, 20, 8, 8)
        self.fc = nn.Linear(320, 10)  # 20 * 4 * 4 = 320 features -> 10 logits

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # (B, 10, 12, 12)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))  # (B, 20, 4, 4)
        return self.fc(x.flatten(start_dim=1))  # (B, 10)


loss_fn = nn.CrossEntropyLoss()


def train_one_epoch(model, optimizer, batch_size=64):
    """One pass over the training subset in a random order; returns the loss of every batch."""
    model.train()
    order = torch.randperm(len(train_images))  # drawn from torch's global random generator
    losses = []
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        images, labels = train_images[batch].to(device), train_labels[batch].to(device)
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(images[i:i + 1000].to(device)).argmax(dim=1).cpu()
                               for i in range(0, len(images), 1000)])
    return (predicted == labels).float().mean().item()
# --8<-- [end:model]

# --8<-- [start:state]
import random

torch.manual_seed(0)
model = Net().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
train_one_epoch(model, optimizer)
scheduler.step()

for name, tensor in model.state_dict().items():
    print(f"model     {name:<13} {tuple(tensor.shape)}")
    #> model     conv1.weight  (10, 1, 5, 5)
    #> model     conv1.bias    (10,)
    #> model     conv2.weight  (20, 10, 5, 5)
    #> model     conv2.bias    (20,)
    #> model     fc.weight     (10, 320)
    #> model     fc.bias       (10,)
optimizer_state = optimizer.state_dict()
print(f"optimizer {list(optimizer_state)}: {len(optimizer_state['state'])} momentum buffers, "
      f"lr {optimizer_state['param_groups'][0]['lr']}")
#> optimizer ['state', 'param_groups']: 6 momentum buffers, lr 0.05
scheduler_state = scheduler.state_dict()
print(f"scheduler: {scheduler_state['last_epoch']} epoch done, next lr {scheduler.get_last_lr()[0]}")
#> scheduler: 1 epoch done, next lr 0.05


def rng_states():
    """Every random generator the training loop draws from."""
    states = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()  # one state per GPU
    return states


def set_rng_states(states):
    # generator states are CPU byte tensors, even a GPU's: torch.load(map_location=device)
    # moved them to the GPU with everything else, so bring them back first
    torch.set_rng_state(states["torch"].cpu())
    random.setstate(states["python"])
    if "cuda" in states:
        torch.cuda.set_rng_state_all([state.cpu() for state in states["cuda"]])


print(f"torch's generator state: {torch.get_rng_state().numel():,} bytes")
#> torch's generator state: 5,056 bytes
# --8<-- [end:state]

# --8<-- [start:save]
import os
from pathlib import Path


def save_atomically(obj, path):
    """torch.save to a temporary file next to `path`, then rename it over `path`."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())  # the bytes are on disk, not only in the OS cache
    os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half of one


class CrashWhileSaving:
    """Stands for a crash in the middle of writing (power cut, out of disk, killed job)."""

    def __reduce__(self):
        raise RuntimeError("crash while writing")


checkpoint = {"model": model.state_dict(), "epoch": 1}
for save in (torch.save, save_atomically):
    save(checkpoint, "checkpoint.pt")  # a good checkpoint...
    try:
        save({**checkpoint, "epoch": 2, "extra": CrashWhileSaving()}, "checkpoint.pt")  # ...then a crash
    except RuntimeError:
        pass
    try:
        outcome = f"holds epoch {torch.load('checkpoint.pt', weights_only=True)['epoch']}"
    except RuntimeError as error:
        outcome = f"is unreadable: {str(error).split('. ')[0]}"
    print(f"{save.__name__}: checkpoint.pt {outcome}")
    #> save: checkpoint.pt is unreadable: PytorchStreamReader failed locating file data.pkl: file not found
    #> save_atomically: checkpoint.pt holds epoch 1
# --8<-- [end:save]

# --8<-- [start:fit]
def fit(epochs, folder, resume=False, stop_after=None, save_every=2):
    """Train for `epochs` epochs, saving a checkpoint every `save_every` epochs and the
    weights of the best epoch by validation accuracy. `stop_after` simulates a crash."""
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    torch.manual_seed(0)
    model = Net().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    done, losses, val_accuracies, best = 0, [], [], {"accuracy": 0.0, "epoch": 0}
    if resume:
        checkpoint = torch.load(folder / "checkpoint.pt", map_location=device, weights_only=True)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        set_rng_states(checkpoint["rng"])
        done, losses = checkpoint["epoch"], checkpoint["losses"]
        val_accuracies, best = checkpoint["val_accuracies"], checkpoint["best"]
    for epoch in range(done + 1, epochs + 1):
        losses += train_one_epoch(model, optimizer)
        scheduler.step()
        val_accuracies.append(accuracy(model, val_images, val_labels))
        if val_accuracies[-1] > best["accuracy"]:
            best = {"accuracy": val_accuracies[-1], "epoch": epoch}
            save_atomically(model.state_dict(), folder / "best.pt")
        if epoch % save_every == 0:
            save_atomically({
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch,
                "losses": losses,
                "val_accuracies": val_accuracies,
                "best": best,
                "rng": rng_states(),
            }, folder / "checkpoint.pt")
        if epoch == stop_after:
            break
    return model, losses, val_accuracies, best
# --8<-- [end:fit]

# --8<-- [start:uninterrupted]
import time

start = time.perf_counter()
model_a, losses_a, val_a, best_a = fit(6, "run-a")
print(f"6 epochs in {time.perf_counter() - start:.1f} s")
#> 6 epochs in 8.5 s
print("validation accuracy by epoch:", " ".join(f"{a:.1%}" for a in val_a))  # ±3 in the last digit
#> validation accuracy by epoch: 93.2% 95.3% 96.0% 97.1% 97.2% 97.0%
# --8<-- [end:uninterrupted]

# --8<-- [start:resume]
_, losses_crashed, _, _ = fit(6, "run-b", stop_after=3)  # the job dies after epoch 3...
print(f"the last checkpoint holds epoch {torch.load('run-b/checkpoint.pt', weights_only=True)['epoch']}")
#> the last checkpoint holds epoch 2
model_b, losses_b, val_b, best_b = fit(6, "run-b", resume=True)  # ...and a new process resumes it

same = all(torch.equal(a, b) for a, b in zip(model_a.state_dict().values(), model_b.state_dict().values()))
print(f"resumed run equals the uninterrupted one: weights {same}, losses {losses_a == losses_b}")
#> resumed run equals the uninterrupted one: weights True, losses True
assert same and losses_a == losses_b and val_a == val_b and best_a == best_b
# --8<-- [end:resume]

# --8<-- [start:best]
best_model = Net().to(device)
best_model.load_state_dict(torch.load("run-a/best.pt", map_location=device, weights_only=True))
assert accuracy(best_model, val_images, val_labels) == best_a["accuracy"] == max(val_a)
print(f"best validation accuracy {best_a['accuracy']:.1%}, "
      f"test accuracy {accuracy(best_model, test_images, test_labels):.1%}")  # ±4 in the last digit
#> best validation accuracy 97.2%, test accuracy 95.5%
# --8<-- [end:best]

# --8<-- [start:unsafe]
import pickle


class Payload:
    """Unpickling calls whatever __reduce__ returns: here exec() of a line of Python."""

    def __reduce__(self):
        return exec, ("open('pwned.txt', 'w').write('this file was written by torch.load')",)


torch.save({"model": model_a.state_dict(), "note": Payload()}, "downloaded.pt")

torch.load("downloaded.pt", weights_only=False)  # trusts the file: runs the code inside
print(f"weights_only=False: {Path('pwned.txt').read_text()!r}")
#> weights_only=False: 'this file was written by torch.load'

Path("pwned.txt").unlink()
try:
    torch.load("downloaded.pt", weights_only=True)  # the default since PyTorch 2.6
except pickle.UnpicklingError as error:
    reason = next(line for line in str(error).splitlines() if "Unsupported global" in line)
    print(f"weights_only=True: {type(error).__name__}: {reason.split('error: ')[1].split(' by default')[0]}")
    #> weights_only=True: UnpicklingError: Unsupported global: GLOBAL exec was not an allowed global
print(f"pwned.txt exists: {Path('pwned.txt').exists()}")
#> pwned.txt exists: False
# --8<-- [end:unsafe]

# --8<-- [start:modes]
torch.manual_seed(0)
demo = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(8, 2))
x = torch.randn(16, 4)

demo.train()
with torch.no_grad():
    first, second = demo(x), demo(x)
print(f"train mode: two calls equal {torch.equal(first, second)}; "
      f"running mean updated {demo[1].num_batches_tracked.item()} times")
#> train mode: two calls equal False; running mean updated 2 times
try:
    demo(x[:1])  # batch norm needs a batch to compute statistics over
except ValueError as error:
    print(f"train mode, one sample: ValueError: {str(error).split(',')[0]}")
    #> train mode, one sample: ValueError: Expected more than 1 value per channel when training

demo.eval()
with torch.no_grad():
    first, second = demo(x), demo(x)
    one_alone = demo(x[:1])
print(f"eval mode: two calls equal {torch.equal(first, second)}; "
      f"a sample alone gets the same output {torch.allclose(one_alone, first[:1])}")
#> eval mode: two calls equal True; a sample alone gets the same output True
print([name for name in demo.state_dict() if name.startswith("1.")])  # the batch norm layer's entries
#> ['1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
# --8<-- [end:modes]

# --8<-- [start:exercise-rng]
# Exercise 1: resume from the epoch-2 checkpoint with and without restoring the RNG states.
model_3, *_ = fit(3, "run-c", stop_after=3)  # the reference: 3 epochs in one go (checkpoint at 2)
model_3_resumed, *_ = fit(3, "run-c", resume=True)  # epoch 3 again, from the checkpoint
restore, set_rng_states = set_rng_states, lambda states: None  # now "forget" to restore them
model_3_forgot, *_ = fit(3, "run-c", resume=True)
set_rng_states = restore


def equal(m1, m2):
    return all(torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))


print(f"RNG restored: equal {equal(model_3, model_3_resumed)}; forgotten: equal {equal(model_3, model_3_forgot)}")
#> RNG restored: equal True; forgotten: equal False
assert equal(model_3, model_3_resumed) and not equal(model_3, model_3_forgot)
# --8<-- [end:exercise-rng]

# --8<-- [start:exercise-keep-last]
# Exercise 2: one file per checkpoint, keeping only the newest `keep` of them.
def save_and_rotate(checkpoint, folder, keep=2):
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    save_atomically(checkpoint, folder / f"epoch-{checkpoint['epoch']:03d}.pt")
    for old in sorted(folder.glob("epoch-*.pt"))[:-keep]:  # zero-padded names sort by epoch
        old.unlink()


for epoch in range(1, 6):
    save_and_rotate({"epoch": epoch, "model": model_a.state_dict()}, "rotating")
kept = sorted(path.name for path in Path("rotating").glob("*.pt"))
print(kept)
#> ['epoch-004.pt', 'epoch-005.pt']
assert kept == ["epoch-004.pt", "epoch-005.pt"]
# --8<-- [end:exercise-keep-last]

# --8<-- [start:exercise-numpy]
# Exercise 3: numpy's random state in a checkpoint that loads with weights_only=True.
import numpy as np

torch.save({"numpy": np.random.get_state()}, "legacy.pt")  # the old global generator: holds an array
try:
    torch.load("legacy.pt", weights_only=True)
except pickle.UnpicklingError:
    print("np.random.get_state(): refused by weights_only=True")
    #> np.random.get_state(): refused by weights_only=True

rng = np.random.default_rng(0)  # a Generator: pass it to whatever draws random numbers
rng.normal(size=3)
torch.save({"numpy": rng.bit_generator.state}, "modern.pt")  # a dict of str and int: allowed
expected = rng.normal(size=3)  # what the next draws are

rng = np.random.default_rng(123)  # a new process, any seed
rng.bit_generator.state = torch.load("modern.pt", weights_only=True)["numpy"]
print(f"draws after restoring the state are the same: {np.array_equal(rng.normal(size=3), expected)}")
#> draws after restoring the state are the same: True
# --8<-- [end:exercise-numpy]
