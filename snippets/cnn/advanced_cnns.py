# Advanced CNNs: 1x1 convolutions and what they save, the course's Inception module
# and Inception MNIST net, vanishing gradients in a deep plain CNN, batch
# normalisation, residual blocks and a small ResNet; then the basic CNN, the
# Inception net and the ResNet trained the same way, in one table.
# Run it: python snippets/cnn/advanced_cnns.py

# --8<-- [start:one-by-one]
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(1, 192, 28, 28)  # 192 channels of 28x28
pointwise = nn.Conv2d(192, 32, kernel_size=1)
pixels = x.permute(0, 2, 3, 1)  # (1, 28, 28, 192): the 192 channel values of each pixel
per_pixel = pixels @ pointwise.weight.reshape(32, 192).T + pointwise.bias  # (1, 28, 28, 32)
same = torch.allclose(pointwise(x), per_pixel.permute(0, 3, 1, 2), atol=1e-5)
print(f"1x1 conv = a linear layer at every pixel: {same}")
#> 1x1 conv = a linear layer at every pixel: True


def multiply_adds(conv, size):
    """Multiply-adds of a conv layer with a size x size output: a dot product of
    C_in * K * K terms for each of its C_out * size * size output values."""
    c_out, c_in, k_h, k_w = conv.weight.shape
    return c_out * size * size * c_in * k_h * k_w


direct = nn.Conv2d(192, 32, kernel_size=5, padding=2)
reduce = nn.Conv2d(192, 16, kernel_size=1)
conv5 = nn.Conv2d(16, 32, kernel_size=5, padding=2)
assert direct(x).shape == conv5(reduce(x)).shape == (1, 32, 28, 28)
cost_direct = multiply_adds(direct, 28)
cost_reduced = multiply_adds(reduce, 28) + multiply_adds(conv5, 28)
print(f"5x5 conv 192->32: {cost_direct:,} multiply-adds; 1x1 to 16 first: "
      f"{cost_reduced:,} ({cost_direct / cost_reduced:.1f}x fewer)")
#> 5x5 conv 192->32: 120,422,400 multiply-adds; 1x1 to 16 first: 12,443,648 (9.7x fewer)
# --8<-- [end:one-by-one]

# --8<-- [start:inception]
class InceptionA(nn.Module):
    """The course's Inception module: four branches, concatenated along channels."""

    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x):
        branches = [
            self.branch1x1(x),  # 16 channels
            self.branch5x5_2(self.branch5x5_1(x)),  # 24
            self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x))),  # 24
            self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)),  # 24
        ]
        return torch.cat(branches, dim=1)  # same H and W; 16 + 24 + 24 + 24 = 88 channels


module = InceptionA(in_channels=10)
maps = torch.zeros(1, 10, 12, 12)
print(f"{tuple(maps.shape)} -> {tuple(module(maps).shape)}")
#> (1, 10, 12, 12) -> (1, 88, 12, 12)
# --8<-- [end:inception]

# --8<-- [start:inception-net]
class InceptionNet(nn.Module):
    """The course's Inception MNIST net: conv, Inception, conv, Inception, linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.incept1 = InceptionA(in_channels=10)
        self.conv2 = nn.Conv2d(88, 20, kernel_size=5)
        self.incept2 = InceptionA(in_channels=20)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(1408, 10)

    def forward(self, x):
        x = F.relu(self.pool(self.conv1(x)))  # (B, 10, 12, 12)
        x = self.incept1(x)  # (B, 88, 12, 12)
        x = F.relu(self.pool(self.conv2(x)))  # (B, 20, 4, 4)
        x = self.incept2(x)  # (B, 88, 4, 4)
        return self.fc(x.flatten(start_dim=1))  # (B, 1408) -> (B, 10)


def count(model):
    return sum(p.numel() for p in model.parameters())


print(f"InceptionNet: {count(InceptionNet()):,} parameters, "
      f"{count(InceptionA(10)):,} in incept1, {count(InceptionA(20)):,} in incept2")
#> InceptionNet: 97,298 parameters, 19,104 in incept1, 19,824 in incept2
# --8<-- [end:inception-net]

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
# --8<-- [end:data]

# --8<-- [start:plain-gradients]
def plain_cnn(depth=20, activation=nn.ReLU, batch_norm=False):
    """A stem conv, then `depth` 3x3 convs of 16 channels, each followed by the
    activation (after batch norm if `batch_norm`)."""
    layers = [nn.Conv2d(1, 16, 3, padding=1), activation()]
    for _ in range(depth):
        layers += [nn.Conv2d(16, 16, 3, padding=1)]
        layers += [nn.BatchNorm2d(16), activation()] if batch_norm else [activation()]
    head = [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)]  # mean of each map
    return nn.Sequential(*layers, *head)


def gradient_norms(model, images, labels):
    """The norm of the loss gradient for each conv layer's weights, input side first."""
    model.zero_grad()
    F.cross_entropy(model(images), labels).backward()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    return [conv.weight.grad.norm().item() for conv in convs]


images, labels = x_train[:64], y_train[:64]
gradient_norms_by_model = {}
for name, activation in [("plain, sigmoid", nn.Sigmoid), ("plain, ReLU", nn.ReLU)]:
    torch.manual_seed(0)
    norms = gradient_norms(plain_cnn(activation=activation).to(device), images, labels)
    gradient_norms_by_model[name] = norms
    print(f"{name:15s} {len(norms)} conv layers: gradient norm "
          f"{norms[0]:.0e} at layer 1, {norms[-1]:.0e} at layer {len(norms)}")
    #> plain, sigmoid  21 conv layers: gradient norm 4e-20 at layer 1, 1e-01 at layer 21
    #> plain, ReLU     21 conv layers: gradient norm 3e-10 at layer 1, 2e-02 at layer 21
# --8<-- [end:plain-gradients]

# --8<-- [start:batch-norm]
torch.manual_seed(0)
bn = nn.BatchNorm2d(16)  # gamma = 1, beta = 0, running mean 0 and variance 1 at the start
h = 3 * torch.randn(64, 16, 14, 14) + 5  # maps with mean 5 and std 3 in every channel
out = bn(h)  # training mode: normalise with this batch's mean and variance, per channel
print(f"train mode: output mean {out.mean():.2f}, std {out.std():.2f}; running mean "
      f"{bn.running_mean.mean():.2f}, running var {bn.running_var.mean():.2f}")
#> train mode: output mean 0.00, std 1.00; running mean 0.50, running var 1.80
bn.eval()  # evaluation mode: normalise with the running estimates instead
print(f"eval mode:  output mean {bn(h).mean():.2f}, std {bn(h).std():.2f}")
#> eval mode:  output mean 3.35, std 2.24
# --8<-- [end:batch-norm]

# --8<-- [start:residual]
class ResidualBlock(nn.Module):
    """y = ReLU(x + F(x)) with F(x) = BN(conv(ReLU(BN(conv(x))))): a learned correction."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(x + y)  # the skip connection: same shape in and out


def residual_cnn(blocks=10):
    """plain_cnn's stem and 20 convs of 16 channels, paired into residual blocks."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         *[ResidualBlock(16) for _ in range(blocks)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


for name, make in [("plain, ReLU + BN", lambda: plain_cnn(batch_norm=True)),
                   ("residual, BN", residual_cnn)]:
    torch.manual_seed(0)
    norms = gradient_norms(make().to(device), images, labels)
    gradient_norms_by_model[name] = norms
    print(f"{name:16s} {len(norms)} conv layers: gradient norm "
          f"{norms[0]:.1f} at layer 1, {norms[-1]:.1f} at layer {len(norms)}")
    #> plain, ReLU + BN 21 conv layers: gradient norm 0.3 at layer 1, 0.2 at layer 21
    #> residual, BN     21 conv layers: gradient norm 0.2 at layer 1, 0.4 at layer 21
# --8<-- [end:residual]

# --8<-- [start:resnet]
def down(c_in, c_out, k=3):
    """conv -> 2x2 max-pool -> BN -> ReLU: more channels, half the height and width."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False),
                         nn.MaxPool2d(2), nn.BatchNorm2d(c_out), nn.ReLU())


def small_resnet():
    return nn.Sequential(
        down(1, 16, k=5), ResidualBlock(16),  # (B, 16, 14, 14)
        down(16, 32), ResidualBlock(32),  # (B, 32, 7, 7)
        down(32, 64),  # (B, 64, 3, 3)
        nn.Flatten(), nn.Linear(64 * 3 * 3, 10),
    )


print(f"small ResNet: {count(small_resnet()):,} parameters, "
      f"{tuple(small_resnet()(torch.zeros(2, 1, 28, 28)).shape)} logits for 2 images")
#> small ResNet: 52,666 parameters, (2, 10) logits for 2 images
# --8<-- [end:resnet]

# --8<-- [start:compare]
import time


class BasicCNN(nn.Module):
    """The course's first CNN, from Convolution and the first CNN."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = F.relu(self.pool(self.conv1(x)))
        x = F.relu(self.pool(self.conv2(x)))
        return self.fc(x.flatten(start_dim=1))


def train_one_epoch(model, x, y, batch_size=128, max_lr=0.003):
    """One epoch of the fast recipe (channels_last, Adam, a one-cycle learning rate), with
    a lower peak learning rate: without batch norm, 0.01 can make training diverge."""
    model = model.to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=max_lr)
    steps = len(x) // batch_size
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr, total_steps=steps)
    model.train()
    order = torch.randperm(len(x), device=x.device)
    for start in range(0, len(x) - batch_size + 1, batch_size):
        batch = order[start:start + batch_size]
        loss = F.cross_entropy(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    return model


def test_accuracy(model, batch_size=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x_test), batch_size):
            predicted = model(x_test[s:s + batch_size]).argmax(dim=1)
            correct += (predicted == y_test[s:s + batch_size]).sum().item()
    return correct / len(x_test)


subset = 15_000  # the first quarter of the training set: one epoch of it each
results = {}
for name, make in [("basic CNN", BasicCNN), ("Inception net", InceptionNet),
                   ("small ResNet", small_resnet)]:
    torch.manual_seed(0)
    model = make()
    start = time.perf_counter()
    model = train_one_epoch(model, x_train[:subset], y_train[:subset])
    seconds = (time.perf_counter() - start) * len(x_train) / subset  # per 60,000 images
    results[name] = {"parameters": count(model), "seconds": seconds,
                     "accuracy": test_accuracy(model)}

print(f"{'model':14s} {'parameters':>10s}  test accuracy  time per epoch")
#> model          parameters  test accuracy  time per epoch
for name, r in results.items():
    row = f"{name:14s} {r['parameters']:10,}  {r['accuracy']:13.1%}  {r['seconds']:.1f} s"
    print(row)  # ±2 in the last digit
    #> basic CNN           8,490          95.4%  7.9 s
    #> Inception net      97,298          96.9%  49.2 s
    #> small ResNet       52,666          98.3%  28.8 s
# --8<-- [end:compare]

# --8<-- [start:exercise-kaiming]
# Exercise 1: Kaiming initialisation keeps the plain ReLU network's gradients alive.
torch.manual_seed(0)
kaiming = plain_cnn()
for m in kaiming.modules():
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")  # Var(w) = 2 / (C_in K^2)
        nn.init.zeros_(m.bias)
norms = gradient_norms(kaiming.to(device), images, labels)
print(f"Kaiming init: gradient norm {norms[0]:.2f} at layer 1, "
      f"{norms[-1]:.2f} at layer {len(norms)}")
#> Kaiming init: gradient norm 0.01 at layer 1, 0.06 at layer 21
assert 0.1 < norms[0] / norms[-1] < 10
# --8<-- [end:exercise-kaiming]

# --8<-- [start:exercise-identity]
# Exercise 2: with the last BN's gamma set to 0, a residual block starts as the identity.
torch.manual_seed(0)
block = ResidualBlock(16)
nn.init.zeros_(block.bn2.weight)  # gamma of bn2: the residual branch outputs beta = 0
h = torch.relu(torch.randn(8, 16, 7, 7))  # the output of an earlier ReLU, so h >= 0
print(f"block(h) == h: {torch.equal(block(h), h)}")
#> block(h) == h: True
assert torch.equal(block(h), h)
# --8<-- [end:exercise-identity]

# --8<-- [start:exercise-reduction]
# Exercise 3: do the 1x1 reductions of the course's Inception modules save anything?
for in_channels, size in [(10, 12), (20, 4), (192, 28)]:
    m = InceptionA(in_channels)
    with_1x1 = multiply_adds(m.branch5x5_1, size) + multiply_adds(m.branch5x5_2, size)
    without = multiply_adds(nn.Conv2d(in_channels, 24, kernel_size=5, padding=2), size)
    print(f"{in_channels:3d} channels, {size}x{size}: 5x5 branch with the 1x1 to 16 "
          f"{with_1x1:,}, without {without:,} multiply-adds")
    #>  10 channels, 12x12: 5x5 branch with the 1x1 to 16 1,405,440, without 864,000 multiply-adds
    #>  20 channels, 4x4: 5x5 branch with the 1x1 to 16 158,720, without 192,000 multiply-adds
    #> 192 channels, 28x28: 5x5 branch with the 1x1 to 16 9,934,848, without 90,316,800 multiply-adds
    assert (with_1x1 < without) == (in_channels >= 17)  # 16C + 9600 < 600C <=> C > 16.4
# --8<-- [end:exercise-reduction]
