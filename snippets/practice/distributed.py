# Training on several processes: DistributedDataParallel on the CPU with the gloo
# backend, launched with torchrun, checked against one process with the whole batch.
# Run it: python snippets/practice/distributed.py  (launches itself with torchrun)
# or only the training: torchrun --standalone --nproc_per_node=2 snippets/practice/distributed.py

# --8<-- [start:data]
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import datasets

DTYPE = torch.float64  # for the exact comparison below; train in float32 as usual otherwise
train_file = datasets.MNIST(root="data", train=True, download=True)
images = ((train_file.data[:2048].to(DTYPE) / 255 - 0.1307) / 0.3081).unsqueeze(1)  # a subset
labels = train_file.targets[:2048]


class Net(nn.Module):
    """The MNIST CNN of Part 3: two 5x5 convolutions with pooling, then one linear layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # (B, 10, 12, 12)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))  # (B, 20, 4, 4)
        return self.fc(x.flatten(start_dim=1))  # (B, 10) logits
# --8<-- [end:data]

# --8<-- [start:worker]
import logging

import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

EPOCHS, BATCH_PER_PROCESS, LR = 2, 32, 0.05


def train_ddp():
    """One worker's training. torchrun starts one process per worker and tells each
    its RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT in environment variables."""
    dist.init_process_group(backend="gloo")  # gloo: CPUs; nccl: NVIDIA GPUs
    rank, world_size = dist.get_rank(), dist.get_world_size()
    log = logging.getLogger("ddp")
    logging.basicConfig(stream=sys.stdout, format=f"[rank {rank}] %(message)s")
    log.setLevel(logging.INFO if rank == 0 else logging.WARNING)  # one process speaks

    torch.manual_seed(0)
    model = DistributedDataParallel(Net().to(DTYPE))  # copies rank 0's weights to every rank
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    sampler = DistributedSampler(range(len(images)), num_replicas=world_size, rank=rank, shuffle=True, seed=0)
    log.info(f"{world_size} processes, backend {dist.get_backend()}, {len(sampler)} images each per epoch")
    losses = []
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)  # a new order every epoch, the same on every rank
        for batch in torch.tensor(list(sampler)).split(BATCH_PER_PROCESS):
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()  # DDP averages the gradients of all ranks here
            optimizer.step()  # same gradients, same weights: every rank takes the same step
            global_loss = loss.detach().clone()
            dist.all_reduce(global_loss)  # sum of the ranks' losses, for the log only
            losses.append(global_loss.item() / world_size)
        if rank == 0:  # one process writes the checkpoint; all of them hold the same weights
            torch.save({"model": model.module.state_dict(), "epoch": epoch + 1, "losses": losses}, "ddp.pt.tmp")
            os.replace("ddp.pt.tmp", "ddp.pt")
        steps = len(sampler) // BATCH_PER_PROCESS
        log.info(f"epoch {epoch + 1}: mean loss {sum(losses[-steps:]) / steps:.3f}, saved ddp.pt")
        dist.barrier()  # no rank runs ahead of the checkpoint
    dist.destroy_process_group()


if __name__ == "__main__" and "LOCAL_RANK" in os.environ:  # this process is one of torchrun's workers
    train_ddp()
    sys.exit()  # a worker stops here; the rest of the file is for the process that launched them
# --8<-- [end:worker]

# --8<-- [start:sampler]
for epoch in (0, 1):
    shards = []
    for rank in (0, 1):
        sampler = DistributedSampler(range(12), num_replicas=2, rank=rank, shuffle=True, seed=0)
        sampler.set_epoch(epoch)  # the shuffle is seeded with seed + epoch
        shards.append(list(sampler))
    print(f"epoch {epoch}: rank 0 gets {shards[0]}, rank 1 gets {shards[1]}")
    #> epoch 0: rank 0 gets [8, 5, 7, 2, 3, 11], rank 1 gets [0, 9, 4, 10, 1, 6]
    #> epoch 1: rank 0 gets [1, 6, 11, 5, 2, 10], rank 1 gets [4, 8, 0, 3, 9, 7]
# --8<-- [end:sampler]

# --8<-- [start:launch]
import subprocess
import time

start = time.perf_counter()
result = subprocess.run(
    [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", __file__],
    stdout=subprocess.PIPE, text=True, check=True,  # the workers' log; errors still go to the terminal
)
print(result.stdout.strip())
#> [rank 0] 2 processes, backend gloo, 1024 images each per epoch
#> [rank 0] epoch 1: mean loss 1.178, saved ddp.pt
#> [rank 0] epoch 2: mean loss 0.325, saved ddp.pt
print(f"torchrun ran 2 workers in {time.perf_counter() - start:.1f} s")
#> torchrun ran 2 workers in 30.3 s
# --8<-- [end:launch]

# --8<-- [start:single]
def train_single(batch_size=64):
    """The same training in one process: the same initial weights and the same order."""
    torch.manual_seed(0)
    model = Net().to(DTYPE)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    sampler = DistributedSampler(range(len(images)), num_replicas=1, rank=0, shuffle=True, seed=0)
    losses = []
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for batch in torch.tensor(list(sampler)).split(batch_size):
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return model, losses


single, single_losses = train_single()
ddp = torch.load("ddp.pt", weights_only=True)
ddp_losses = ddp["losses"]
difference = max((a - b).abs().max().item() for a, b in zip(single.state_dict().values(), ddp["model"].values()))
print(f"{len(ddp_losses)} steps; largest weight difference below 1e-12: {difference < 1e-12}")
#> 64 steps; largest weight difference below 1e-12: True
assert torch.allclose(torch.tensor(single_losses), torch.tensor(ddp_losses), rtol=0, atol=1e-12)
assert difference < 1e-12
# --8<-- [end:single]

# --8<-- [start:exercise-set-epoch]
# Exercise 1: what happens without set_epoch()?
sampler = DistributedSampler(range(12), num_replicas=2, rank=0, shuffle=True, seed=0)
orders = [list(sampler) for epoch in range(3)]  # no set_epoch: the epoch stays 0
print(orders)
#> [[8, 5, 7, 2, 3, 11], [8, 5, 7, 2, 3, 11], [8, 5, 7, 2, 3, 11]]
assert orders[0] == orders[1] == orders[2]
# --8<-- [end:exercise-set-epoch]

# --8<-- [start:exercise-uneven]
# Exercise 2: 10 samples on 3 processes.
padded = [list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
dropped = [list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False, drop_last=True)) for r in range(3)]
print(f"padded: {padded}\ndrop_last: {dropped}")
#> padded: [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
#> drop_last: [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
assert sum(map(len, padded)) == 12 and sum(map(len, dropped)) == 9
# --8<-- [end:exercise-uneven]

# --8<-- [start:exercise-batch-32]
# Exercise 3: is DDP with 2 x 32 the same as one process with batch 32?
single_32, losses_32 = train_single(batch_size=32)
difference_32 = max((a - b).abs().max().item() for a, b in zip(single_32.state_dict().values(), ddp["model"].values()))
print(f"batch 32: {len(losses_32)} steps, largest weight difference above 0.01: {difference_32 > 0.01}")
#> batch 32: 128 steps, largest weight difference above 0.01: True
assert len(losses_32) == 2 * len(ddp_losses) and difference_32 > 0.01
# --8<-- [end:exercise-batch-32]
