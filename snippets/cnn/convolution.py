# Convolution as a sliding dot product, checked against F.conv2d; nn.Conv2d's weight
# shape and channels; padding, stride and the output-size formula; max pooling; then
# the course's CNN (Conv 1->10 k5, MaxPool, ReLU, Conv 10->20 k5, MaxPool, ReLU,
# Linear 320->10) trained on MNIST with SGD and momentum, next to Part 2's MLP.
# Run it: python snippets/cnn/convolution.py

# --8<-- [start:by-hand]
import torch
import torch.nn.functional as F

x = torch.tensor([[0., 0., 1., 1., 1.],  # a 5x5 image: dark left, bright right
                  [0., 0., 1., 1., 1.],
                  [0., 0., 1., 1., 1.],
                  [0., 0., 0., 1., 1.],
                  [0., 0., 0., 0., 1.]])
w = torch.tensor([[-1., 0., 1.],  # a 3x3 kernel: right column minus left column
                  [-1., 0., 1.],
                  [-1., 0., 1.]])
b = 0.0
H, K = x.shape[0], w.shape[0]

y = torch.zeros(H - K + 1, H - K + 1)  # one output per position of the kernel: 3x3
for i in range(H - K + 1):
    for j in range(H - K + 1):
        y[i, j] = (w * x[i:i + K, j:j + K]).sum() + b  # dot product of kernel and window
print(y.int().tolist())
#> [[3, 3, 0], [2, 3, 1], [1, 2, 2]]

# F.conv2d wants a batch and channels: input (N, C_in, H, W), weight (C_out, C_in, K, K)
y_torch = F.conv2d(x.reshape(1, 1, 5, 5), w.reshape(1, 1, 3, 3))
print(tuple(y_torch.shape), torch.equal(y_torch[0, 0], y))
#> (1, 1, 3, 3) True
# --8<-- [end:by-hand]

# --8<-- [start:channels]
from torch import nn

torch.manual_seed(0)
conv = nn.Conv2d(in_channels=3, out_channels=8, kernel_size=5)
print(f"weight {tuple(conv.weight.shape)}, bias {tuple(conv.bias.shape)}, "
      f"{sum(p.numel() for p in conv.parameters())} parameters")
#> weight (8, 3, 5, 5), bias (8,), 608 parameters

image = torch.randn(1, 3, 32, 32)  # one RGB image
out = conv(image)
print(f"{tuple(image.shape)} -> {tuple(out.shape)}")
#> (1, 3, 32, 32) -> (1, 8, 28, 28)

# Output channel o at (i, j): sum over ALL input channels c of kernel W[o, c] times window
o, i, j = 5, 10, 20
patch = image[0, :, i:i + 5, j:j + 5]  # (3, 5, 5): the window in every input channel
by_hand = conv.bias[o] + sum((conv.weight[o, c] * patch[c]).sum() for c in range(3))
print(f"by hand {by_hand.item():.4f}, nn.Conv2d {out[0, o, i, j].item():.4f}")
#> by hand -0.3323, nn.Conv2d -0.3323
# --8<-- [end:channels]

# --8<-- [start:padding-stride]
def output_size(H, K, P=0, S=1):
    """Positions of a K-wide kernel on H pixels, padded with P zeros per side, stride S."""
    return (H + 2 * P - K) // S + 1


for K, P, S in [(5, 0, 1), (5, 2, 1), (3, 1, 2), (4, 0, 3)]:
    layer = nn.Conv2d(1, 1, kernel_size=K, padding=P, stride=S)
    actual = layer(torch.zeros(1, 1, 28, 28)).shape[-1]
    print(f"H=28 K={K} P={P} S={S}: (28 + 2*{P} - {K}) // {S} + 1 = "
          f"{output_size(28, K, P, S)}, nn.Conv2d gives {actual}")
    #> H=28 K=5 P=0 S=1: (28 + 2*0 - 5) // 1 + 1 = 24, nn.Conv2d gives 24
    #> H=28 K=5 P=2 S=1: (28 + 2*2 - 5) // 1 + 1 = 28, nn.Conv2d gives 28
    #> H=28 K=3 P=1 S=2: (28 + 2*1 - 3) // 2 + 1 = 14, nn.Conv2d gives 14
    #> H=28 K=4 P=0 S=3: (28 + 2*0 - 4) // 3 + 1 = 9, nn.Conv2d gives 9
# --8<-- [end:padding-stride]

# --8<-- [start:pooling]
a = torch.tensor([[1., 3., 2., 0.],
                  [4., 2., 1., 1.],
                  [0., 1., 5., 6.],
                  [2., 2., 7., 3.]])
pooled = F.max_pool2d(a.reshape(1, 1, 4, 4), kernel_size=2)  # stride = kernel_size
print(pooled[0, 0].int().tolist(), "size", output_size(4, K=2, S=2))
#> [[4, 2], [2, 7]] size 2
# --8<-- [end:pooling]

# --8<-- [start:conv-vs-linear]
conv1 = nn.Conv2d(1, 10, kernel_size=5)  # on a 1x28x28 image -> 10x24x24 outputs
n_out = 10 * 24 * 24
linear = nn.Linear(28 * 28, n_out)  # the same number of outputs from the same 784 inputs
n_conv = sum(p.numel() for p in conv1.parameters())
n_linear = sum(p.numel() for p in linear.parameters())
print(f"{n_out:,} outputs: conv {n_conv:,} parameters, "
      f"linear {n_linear:,} ({n_linear // n_conv:,}x more)")
#> 5,760 outputs: conv 260 parameters, linear 4,521,600 (17,390x more)
# --8<-- [end:conv-vs-linear]

# --8<-- [start:data]
from torchvision import datasets

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
train_set = datasets.MNIST(root="data", train=True, download=True)
test_set = datasets.MNIST(root="data", train=False, download=True)


def preprocess(images):
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28): what ToTensor + Normalize give."""
    return ((images.float() / 255 - 0.1307) / 0.3081).unsqueeze(1)


x_train, y_train = preprocess(train_set.data).to(device), train_set.targets.to(device)
x_test, y_test = preprocess(test_set.data).to(device), test_set.targets.to(device)
print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}")
#> train (60000, 1, 28, 28), test (10000, 1, 28, 28)
# --8<-- [end:data]

# --8<-- [start:model]
class Net(nn.Module):
    """The course's CNN: two conv layers (5x5 kernels), each max-pooled and rectified."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = F.relu(self.pool(self.conv1(x)))  # (B,1,28,28) -> (B,10,24,24) -> (B,10,12,12)
        x = F.relu(self.pool(self.conv2(x)))  # -> (B, 20, 8, 8) -> (B, 20, 4, 4)
        return self.fc(x.flatten(start_dim=1))  # -> (B, 320) -> (B, 10) logits


torch.manual_seed(0)
model = Net().to(device)
for name, p in model.named_parameters():
    print(f"{name:12s} {str(tuple(p.shape)):15s} {p.numel():5,}")
    #> conv1.weight (10, 1, 5, 5)     250
    #> conv1.bias   (10,)              10
    #> conv2.weight (20, 10, 5, 5)  5,000
    #> conv2.bias   (20,)              20
    #> fc.weight    (10, 320)       3,200
    #> fc.bias      (10,)              10
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
#> 8,490 parameters
# --8<-- [end:model]

# --8<-- [start:shape-walk]
h = x_test[:1]  # one test digit, (1, 1, 28, 28)
shapes = [tuple(h.shape[1:])]
for layer in (model.conv1, model.pool, model.conv2, model.pool):
    h = layer(h)
    shapes.append(tuple(h.shape[1:]))
shapes.append(tuple(h.flatten(start_dim=1).shape[1:]))
print(" -> ".join("x".join(map(str, s)) for s in shapes))
#> 1x28x28 -> 10x24x24 -> 10x12x12 -> 20x8x8 -> 20x4x4 -> 320
# --8<-- [end:shape-walk]

# --8<-- [start:train]
def train_epoch(model, optimizer, batch_size=64):
    """One pass over the training set in a random order, in mini-batches."""
    model.train()
    order = torch.randperm(len(x_train), device=device)
    for start in range(0, len(x_train), batch_size):
        batch = order[start:start + batch_size]
        loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def accuracy(model, x, y, batch_size=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), batch_size):
            predicted = model(x[s:s + batch_size]).argmax(dim=1)
            correct += (predicted == y[s:s + batch_size]).sum().item()
    return correct / len(x)
# --8<-- [end:train]

# --8<-- [start:run]
import time

mlp = nn.Sequential(  # Part 2's MLP: 784-512-256-128-64-10
    nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
    nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
).to(device)
history = {}
for name, net in [("MLP", mlp), ("CNN", model)]:
    torch.manual_seed(0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    history[name] = []
    start = time.perf_counter()
    for epoch in range(2):
        train_epoch(net, optimizer)
        history[name].append(accuracy(net, x_test, y_test))
    seconds = (time.perf_counter() - start) / 2
    n_params = sum(p.numel() for p in net.parameters())
    print(f"{name}: {n_params:7,} parameters, test accuracy {history[name][0]:.1%} -> "
          f"{history[name][1]:.1%}, {seconds:.1f} s per epoch")  # ±3 in the last digit
    #> MLP: 575,050 parameters, test accuracy 95.7% -> 97.3%, 4.7 s per epoch
    #> CNN:   8,490 parameters, test accuracy 98.1% -> 98.4%, 13.2 s per epoch
# --8<-- [end:run]

# --8<-- [start:feature-maps]
digit = x_test[:1]  # the first test image, a 7
with torch.no_grad():
    maps = F.relu(model.conv1(digit))[0]  # (10, 24, 24): what each kernel responds to
digit_image = test_set.data[0].clone()  # (28, 28) uint8, for the figure
kernels = model.conv1.weight.detach()[:, 0].cpu()  # (10, 5, 5)
feature_maps = maps.cpu()
positive = (maps > 0).float().mean()
print(f"label {y_test[0].item()}, feature maps {tuple(maps.shape)}, "
      f"{positive:.0%} of their values are positive")  # ±3 in the last digit
#> label 7, feature maps (10, 24, 24), 47% of their values are positive
# --8<-- [end:feature-maps]

# --8<-- [start:exercise-unfold]
# Exercise 1: convolution as one matrix product (im2col): unfold every 5x5 window into a
# column, then multiply by the kernels laid out as rows.
windows = F.unfold(digit, kernel_size=5)  # (1, 1*5*5, 24*24): one column per position
rows = model.conv1.weight.reshape(10, -1)  # (10, 25): one row per output channel
by_matmul = (rows @ windows + model.conv1.bias[:, None]).reshape(1, 10, 24, 24)
print(f"windows {tuple(windows.shape)}, result {tuple(by_matmul.shape)}")
#> windows (1, 25, 576), result (1, 10, 24, 24)
assert torch.allclose(by_matmul, model.conv1(digit), atol=1e-5)
# --8<-- [end:exercise-unfold]

# --8<-- [start:exercise-shift]
# Exercise 2: shift the digit 3 pixels right; the feature maps shift by 3 as well.
shifted = torch.roll(digit, shifts=3, dims=3)  # the wrapped-around columns are background
with torch.no_grad():
    maps_shifted = F.relu(model.conv1(shifted))[0]
same = torch.allclose(maps_shifted[:, :, 3:], maps[:, :, :-3], atol=1e-5)
print(f"maps shifted by 3 columns: {same}")
#> maps shifted by 3 columns: True
assert same
# --8<-- [end:exercise-shift]

# --8<-- [start:exercise-padding]
# Exercise 3: with padding=2 in both convs, the shape walk and the size of fc change.
shapes = [28]
for K, P, S in [(5, 2, 1), (2, 0, 2), (5, 2, 1), (2, 0, 2)]:  # conv1, pool, conv2, pool
    shapes.append(output_size(shapes[-1], K, P, S))
print(shapes, "-> fc input", 20 * shapes[-1] ** 2)
#> [28, 28, 14, 14, 7] -> fc input 980
padded = nn.Sequential(
    nn.Conv2d(1, 10, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(),
    nn.Conv2d(10, 20, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
)
assert padded.to(device)(x_test[:1]).shape == (1, 20 * shapes[-1] ** 2)
# --8<-- [end:exercise-padding]
