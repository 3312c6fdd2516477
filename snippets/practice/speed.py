# Speed and devices: choose a device and move a model and its batches there,
# measure where one training step's time goes with torch.profiler, feed the
# model with DataLoader workers, train in bfloat16 with torch.autocast (and in
# float16 with a GradScaler on CUDA), and measure what torch.compile gives.
# Run it: python snippets/practice/speed.py

# --8<-- [start:device]
import sys
import time

import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"device: {device}")
#> device: cpu


class Net(nn.Module):
    """Part 3's CNN: 1x28x28 -> 10x12x12 -> 20x4x4 -> 320 -> 10 logits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = torch.relu(self.pool(self.conv1(x)))
        x = torch.relu(self.pool(self.conv2(x)))
        return self.fc(x.flatten(start_dim=1))


torch.manual_seed(0)
model = Net()
model.to(device)  # a module moves in place: every parameter and buffer
images = torch.randn(64, 1, 28, 28)  # one batch; the timings below do not depend on the values
labels = torch.randint(0, 10, (64,))
images, labels = images.to(device), labels.to(device)  # a tensor does not: .to returns a copy
print(next(model.parameters()).device.type, images.device.type, labels.device.type)
#> cpu cpu cpu
# --8<-- [end:device]

# --8<-- [start:to-semantics]
t = torch.ones(3)
t.to("meta")  # returns a new tensor on the "meta" device, which is thrown away here
print(t.device)
#> cpu
print(t.to("meta").device)  # the tensor it returns is the moved one: keep that
#> meta
layer = nn.Linear(2, 2)
layer.to("meta")  # a module: moved, no need to reassign
print(layer.weight.device)
#> meta
zeros = torch.zeros(64, 10, device=device)  # create on the device directly: no copy at all
# --8<-- [end:to-semantics]

# --8<-- [start:profile]
from torch.profiler import ProfilerActivity, profile

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def train_step(net):
    optimizer.zero_grad()
    loss = loss_fn(net(images), labels)
    loss.backward()
    optimizer.step()
    return loss


train_step(model)  # a first step outside the profile: one-time set-up costs are not the step
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(5):  # five steps, so that one slow moment does not decide the ranking
        train_step(model)
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8), file=sys.stderr)
ops = [(op.key, op.self_cpu_time_total / 1000 / 5) for op in prof.key_averages()]  # (name, ms per step)
ops.sort(key=lambda op: op[1], reverse=True)
top_ops = ops[:8]  # the figure below draws these
step_ms = sum(ms for _, ms in ops)
conv_ms = sum(ms for name, ms in ops if "conv" in name)  # convolution forward and backward
print(f"one training step: {step_ms:.1f} ms of operator time, {conv_ms:.1f} ms of it in convolutions")
#> one training step: 54.5 ms of operator time, 26.3 ms of it in convolutions
print("aten::convolution_backward is among the three slowest:",
      "aten::convolution_backward" in [name for name, _ in top_ops[:3]])  # differs on a GPU: see the tip
#> aten::convolution_backward is among the three slowest: True
# --8<-- [end:profile]

# --8<-- [start:loader]
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


def first_batch_and_rate(loader):
    """Seconds until the first batch arrives, and images per second over the epoch."""
    start = time.perf_counter()
    first, count = None, 0
    for batch_images, _ in loader:
        first = time.perf_counter() - start if first is None else first
        count += len(batch_images)
    return first, count / (time.perf_counter() - start)


def compare_loaders():
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    mnist = datasets.MNIST(root="data", train=True, download=True, transform=transform)
    subset = Subset(mnist, range(3000))  # 3,000 images, each decoded and transformed on every pass
    rates = {}
    for workers in (0, 2):
        loader = DataLoader(subset, batch_size=100, num_workers=workers, pin_memory=device == "cuda")
        rates[workers] = first_batch_and_rate(loader)[1]
        print(f"num_workers={workers}: {rates[workers]:,.0f} images/s")
        #> num_workers=0: 1,732 images/s
        #> num_workers=2: 1,180 images/s
    waits = {}
    for persistent in (False, True):
        loader = DataLoader(subset, batch_size=100, num_workers=2, persistent_workers=persistent)
        first_batch_and_rate(loader)  # epoch 1
        waits[persistent] = first_batch_and_rate(loader)[0]  # epoch 2: are the workers still there?
        print(f"persistent_workers={persistent}: epoch 2 waits {1000 * waits[persistent]:.0f} ms for its first batch")
        #> persistent_workers=False: epoch 2 waits 501 ms for its first batch
        #> persistent_workers=True: epoch 2 waits 159 ms for its first batch
    return rates, waits


if __name__ == "__main__":  # worker processes started by "spawn" import this file: see the text
    loader_rates, first_batch_waits = compare_loaders()
# --8<-- [end:loader]

# --8<-- [start:bfloat16]
def time_steps(step, repeats=10):
    """Milliseconds per call of step(), after one call to warm up."""
    step()
    if device == "cuda":
        torch.cuda.synchronize()  # a GPU runs queued work later: wait for it around the clock
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return 1000 * (time.perf_counter() - start) / repeats


def bf16_step():
    optimizer.zero_grad()
    with torch.autocast(device_type=device, dtype=torch.bfloat16):  # the forward pass and the loss
        logits = model(images)
        loss = loss_fn(logits, labels)
    loss.backward()  # outside autocast: gradients come back in each parameter's dtype
    optimizer.step()
    return logits, loss


logits, loss = bf16_step()
print(logits.dtype, loss.dtype, model.fc.weight.dtype, model.fc.weight.grad.dtype)
#> torch.bfloat16 torch.float32 torch.float32 torch.float32

cnn_fp32_ms = time_steps(lambda: train_step(model))
cnn_bf16_ms = time_steps(bf16_step)
print(f"CNN, batch 64: float32 {cnn_fp32_ms:.1f} ms per step, "
      f"bfloat16 {cnn_bf16_ms:.1f} ms ({cnn_fp32_ms / cnn_bf16_ms:.1f}×)")
#> CNN, batch 64: float32 55.8 ms per step, bfloat16 63.9 ms (0.9×)

mlp = nn.Sequential(  # Part 2's MLP: nearly all of its work is in matrix products
    nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
    nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
).to(device)
mlp_optimizer = torch.optim.SGD(mlp.parameters(), lr=0.01)
batch = torch.randn(256, 1, 28, 28, device=device)
batch_labels = torch.randint(0, 10, (256,), device=device)


def mlp_step(net, dtype=None):
    mlp_optimizer.zero_grad()
    with torch.autocast(device_type=device, dtype=dtype, enabled=dtype is not None):
        loss = loss_fn(net(batch), batch_labels)
    loss.backward()
    mlp_optimizer.step()


mlp_fp32_ms = time_steps(lambda: mlp_step(mlp))
mlp_bf16_ms = time_steps(lambda: mlp_step(mlp, torch.bfloat16))
print(f"MLP, batch 256: float32 {mlp_fp32_ms:.1f} ms per step, "
      f"bfloat16 {mlp_bf16_ms:.1f} ms ({mlp_fp32_ms / mlp_bf16_ms:.1f}×)")
#> MLP, batch 256: float32 42.2 ms per step, bfloat16 35.2 ms (1.2×)
# --8<-- [end:bfloat16]

# --8<-- [start:bfloat16-error]
with torch.no_grad():
    exact = model(images)
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        rounded = model(images).float()
relative_error = ((rounded - exact).norm() / exact.norm()).item()
print(f"bfloat16 logits within 1% of float32: {relative_error < 0.01}")
#> bfloat16 logits within 1% of float32: True
# --8<-- [end:bfloat16-error]

# --8<-- [start:formats]
for dtype in (torch.float32, torch.bfloat16, torch.float16):
    info = torch.finfo(dtype)
    print(f"{str(dtype):15} max {info.max:9.3g}   smallest normal {info.tiny:9.3g}   eps {info.eps:.3g}")
    #> torch.float32   max   3.4e+38   smallest normal  1.18e-38   eps 1.19e-07
    #> torch.bfloat16  max  3.39e+38   smallest normal  1.18e-38   eps 0.00781
    #> torch.float16   max  6.55e+04   smallest normal   6.1e-05   eps 0.000977

gradient = torch.tensor(1e-8)  # a small gradient, fine in float32
print(gradient.half().item())  # float16 flushes it to zero: the update is lost
#> 0.0
scale = 2.0**16  # a GradScaler's starting scale, 65536
scaled = (gradient * scale).half()  # scale the loss, and every gradient is scaled too
print(f"{scaled.item():.3g} in float16, {scaled.float().item() / scale:.3g} after unscaling")
#> 0.000655 in float16, 1e-08 after unscaling
# --8<-- [end:formats]

# --8<-- [start:float16-cuda]
if device == "cuda":  # not run on the CPU that builds this site
    scaler = torch.amp.GradScaler("cuda")
    for step in range(10):
        optimizer.zero_grad()
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            loss = loss_fn(model(images), labels)
        scaler.scale(loss).backward()  # backward from loss * scale
        scaler.step(optimizer)  # unscales the gradients; skips the step if one is inf or nan
        scaler.update()  # lowers the scale after an overflow, raises it after a run of good steps
# --8<-- [end:float16-cuda]

# --8<-- [start:compile-pointwise]
def gelu_tanh(x):
    """The tanh approximation of GELU: eight element-wise operations in eager mode."""
    return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x**3)))


x = torch.randn(1_000_000, device=device)
start = time.perf_counter()
gelu_compiled = torch.compile(gelu_tanh)
gelu_compiled(x)  # the first call traces the function and compiles it
pointwise_compile_s = time.perf_counter() - start
torch.testing.assert_close(gelu_compiled(x), gelu_tanh(x))  # the same numbers, to float32 rounding
eager_ms = time_steps(lambda: gelu_tanh(x), repeats=20)
compiled_ms = time_steps(lambda: gelu_compiled(x), repeats=20)
print(f"first call, compiling: {pointwise_compile_s:.1f} s")
#> first call, compiling: 13.6 s
print(f"GELU on a million values: eager {eager_ms:.2f} ms, "
      f"compiled {compiled_ms:.2f} ms ({eager_ms / compiled_ms:.1f}×)")
#> GELU on a million values: eager 31.13 ms, compiled 14.28 ms (2.2×)
# --8<-- [end:compile-pointwise]

# --8<-- [start:compile-model]
start = time.perf_counter()
mlp_compiled = torch.compile(mlp)  # the same parameters, and a compiled forward (and backward)
mlp_step(mlp_compiled)
model_compile_s = time.perf_counter() - start
eager_step_ms = time_steps(lambda: mlp_step(mlp))
compiled_step_ms = time_steps(lambda: mlp_step(mlp_compiled))
print(f"MLP training step: compiling {model_compile_s:.1f} s, then eager {eager_step_ms:.1f} ms, "
      f"compiled {compiled_step_ms:.1f} ms ({eager_step_ms / compiled_step_ms:.1f}×)")
#> MLP training step: compiling 1.1 s, then eager 30.9 ms, compiled 37.9 ms (0.8×)
# --8<-- [end:compile-model]

# --8<-- [start:exercise-memory]
# Exercise 1: the CNN's parameters in float32 and in bfloat16, and an update bfloat16 weights lose.
import copy

fp32_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
bf16_model = copy.deepcopy(model).to(torch.bfloat16)  # every parameter converted
bf16_bytes = sum(p.numel() * p.element_size() for p in bf16_model.parameters())
print(f"{sum(p.numel() for p in model.parameters()):,} parameters: "
      f"{fp32_bytes:,} bytes in float32, {bf16_bytes:,} bytes in bfloat16")
#> 8,490 parameters: 33,960 bytes in float32, 16,980 bytes in bfloat16
assert bf16_bytes * 2 == fp32_bytes

weight = torch.tensor(1.0)
update = torch.tensor(0.001)  # lr * gradient: small next to the weight, as updates are
print((weight + update).item(), (weight.bfloat16() + update.bfloat16()).item())
#> 1.0010000467300415 1.0
assert weight.bfloat16() + update.bfloat16() == weight.bfloat16()  # below bfloat16's eps / 2: lost
# --8<-- [end:exercise-memory]

# --8<-- [start:exercise-scaler]
# Exercise 2: the float16 loop on the CPU, with a scale so large that the first steps overflow.
import copy
import math

cpu_model = copy.deepcopy(model).cpu()  # on the CPU wherever the model is (CPU autocast acts there only)
cpu_optimizer = torch.optim.SGD(cpu_model.parameters(), lr=0.01, momentum=0.9)
cpu_optimizer.load_state_dict(optimizer.state_dict())  # the same momentum buffers
scaler = torch.amp.GradScaler("cpu", init_scale=2.0**24)
skipped = []
for step in range(12):
    before = cpu_model.fc.weight.detach().clone()
    cpu_optimizer.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        loss = loss_fn(cpu_model(images[:16].cpu()), labels[:16].cpu())
    scaler.scale(loss).backward()
    scaler.step(cpu_optimizer)  # skipped when a gradient is inf or nan ...
    scaler.update()  # ... and then the scale is halved
    skipped.append(torch.equal(before, cpu_model.fc.weight))
print(f"steps skipped: {skipped}")
#> steps skipped: [True, True, True, True, True, False, False, False, False, False, False, False]
print(f"the scale settled at 2^{math.log2(scaler.get_scale()):.0f}")
#> the scale settled at 2^19
assert skipped[0] and not skipped[-1]
# --8<-- [end:exercise-scaler]

# --8<-- [start:exercise-labels]
# Exercise 3: label the parts of a step with record_function and read their times.
from torch.profiler import record_function

with profile(activities=[ProfilerActivity.CPU]) as prof:
    optimizer.zero_grad()
    with record_function("forward"):
        loss = loss_fn(model(images), labels)
    with record_function("backward"):
        loss.backward()
    with record_function("step"):
        optimizer.step()
parts = {op.key: op.cpu_time_total / 1000 for op in prof.key_averages() if op.key in ("forward", "backward", "step")}
print(", ".join(f"{name} {ms:.1f} ms" for name, ms in parts.items()))
#> forward 18.8 ms, backward 22.6 ms, step 0.5 ms
assert set(parts) == {"forward", "backward", "step"}
# --8<-- [end:exercise-labels]
