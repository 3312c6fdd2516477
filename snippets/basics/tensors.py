# Tensors: creating them, shape/dtype/device, indexing, reshaping, broadcasting,
# matrix products, reductions, the NumPy bridge, devices and seeds.
# Run it: python snippets/basics/tensors.py

# --8<-- [start:create]
import torch

x_data = torch.tensor([1.0, 2.0, 3.0])  # from a Python list
scores = torch.tensor([[1, 2, 3], [4, 5, 6]])  # a nested list gives a 2-D tensor
print(x_data, x_data.dtype)
#> tensor([1., 2., 3.]) torch.float32
print(scores.shape, scores.dtype)
#> torch.Size([2, 3]) torch.int64
# --8<-- [end:create]

# --8<-- [start:factories]
print(torch.zeros(2, 3))
#> tensor([[0., 0., 0.],
#>         [0., 0., 0.]])
print(torch.ones(4, dtype=torch.int64))
#> tensor([1, 1, 1, 1])
print(torch.arange(5))  # 0 up to, but not including, 5
#> tensor([0, 1, 2, 3, 4])
print(torch.linspace(0, 1, 5))  # 5 points, both ends included
#> tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])

torch.manual_seed(0)  # fixes the random numbers below (see the last section)
noise = torch.randn(1000, 3)  # samples from the standard normal distribution
print(f"shape {tuple(noise.shape)}, mean {noise.mean():.3f}, std {noise.std():.3f}")
#> shape (1000, 3), mean 0.001, std 1.003
# --8<-- [end:factories]

# --8<-- [start:attributes]
print(noise.shape, noise.ndim, noise.numel())  # size of each dimension, how many, how many numbers
#> torch.Size([1000, 3]) 2 3000
print(noise.dtype, noise.device)
#> torch.float32 cpu

ints = torch.arange(3)  # int64
print((ints / 2).dtype, (ints + 0.5).dtype, ints.float().dtype)  # mixing promotes to float
#> torch.float32 torch.float32 torch.float32
# --8<-- [end:attributes]

# --8<-- [start:dtypes]
for dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
    info = torch.finfo(dtype)  # the limits of a floating-point type
    print(f"{str(dtype):15} {info.bits} bits, eps {info.eps:.1e}, largest {info.max:.5g}")
    #> torch.float32   32 bits, eps 1.2e-07, largest 3.4028e+38
    #> torch.float64   64 bits, eps 2.2e-16, largest 1.7977e+308
    #> torch.float16   16 bits, eps 9.8e-04, largest 65504
    #> torch.bfloat16  16 bits, eps 7.8e-03, largest 3.3895e+38
for dtype in (torch.int64, torch.int32, torch.uint8):
    info = torch.iinfo(dtype)  # the limits of an integer type
    print(f"{str(dtype):15} {info.bits} bits, from {info.min} to {info.max}")
    #> torch.int64     64 bits, from -9223372036854775808 to 9223372036854775807
    #> torch.int32     32 bits, from -2147483648 to 2147483647
    #> torch.uint8     8 bits, from 0 to 255
print(torch.float is torch.float32, torch.long is torch.int64)  # the short names
#> True True

print(torch.tensor(0.1, dtype=torch.float16).item(), torch.tensor(0.1, dtype=torch.bfloat16).item())
#> 0.0999755859375 0.10009765625
print(torch.tensor(70000.0, dtype=torch.float16).item())  # above float16's largest: inf
#> inf
print((torch.tensor([250], dtype=torch.uint8) + 10).item())  # integers wrap around: 260 - 256
#> 4
# --8<-- [end:dtypes]

# --8<-- [start:indexing]
X = torch.arange(12).reshape(3, 4)  # (3, 4): rows 0..2, columns 0..3
print(X)
#> tensor([[ 0,  1,  2,  3],
#>         [ 4,  5,  6,  7],
#>         [ 8,  9, 10, 11]])
print(X[1, 2].item(), X[-1, -1].item())  # one element; negative indices count from the end
#> 6 11
print(X[0], X[:, 1])  # row 0, column 1: both shape (4,) and (3,)
#> tensor([0, 1, 2, 3]) tensor([1, 5, 9])
print(X[1:, ::2])  # rows 1 onwards, every second column
#> tensor([[ 4,  6],
#>         [ 8, 10]])
print(X[X % 2 == 1])  # a boolean mask picks elements and returns them flat
#> tensor([ 1,  3,  5,  7,  9, 11])

row = X[0]  # a slice is a view: it shares memory with X
row[0] = 100
print(X[0, 0].item())
#> 100
X[0, 0] = 0  # put it back
# --8<-- [end:indexing]

# --8<-- [start:reshape]
print(X.view(4, 3).shape, X.reshape(2, -1).shape, X.flatten().shape)  # -1: "whatever fits"
#> torch.Size([4, 3]) torch.Size([2, 6]) torch.Size([12])
print(X.unsqueeze(0).shape, X.unsqueeze(-1).shape)  # insert a dimension of size 1
#> torch.Size([1, 3, 4]) torch.Size([3, 4, 1])
one_example = torch.zeros(1, 3)  # a batch holding a single example of 3 features
print(one_example.squeeze(0).shape, one_example.squeeze().shape)  # remove size-1 dimensions
#> torch.Size([3]) torch.Size([3])
predictions = torch.zeros(1, 1)  # a model's (N, 1) output, for a batch of N = 1
print(predictions.squeeze(1).shape, predictions.squeeze().shape)  # squeeze() also took the batch dim
#> torch.Size([1]) torch.Size([])

images = torch.zeros(8, 28, 28, 3)  # (N, H, W, C), as image libraries store them
print(images.permute(0, 3, 1, 2).shape)  # (N, C, H, W), as PyTorch's layers expect
#> torch.Size([8, 3, 28, 28])

# The numbers live in one flat block of memory; stride = steps to the next index per dim.
print(X.stride(), X.is_contiguous())
#> (4, 1) True
Xt = X.T  # the transpose (like permute(1, 0)) only swaps the strides: no copy
print(Xt.stride(), Xt.is_contiguous(), Xt.data_ptr() == X.data_ptr())
#> (1, 4) False True
try:
    Xt.view(12)
except RuntimeError as err:
    print(str(err).split(" (")[0])  # the message goes on: "... Use .reshape(...) instead."
    #> view size is not compatible with input tensor's size and stride
flat = Xt.reshape(12)  # reshape copies when it must
print(flat, flat.data_ptr() == X.data_ptr())
#> tensor([ 0,  4,  8,  1,  5,  9,  2,  6, 10,  3,  7, 11]) False
assert torch.equal(flat, Xt.contiguous().view(12))
# --8<-- [end:reshape]

# --8<-- [start:cat-stack]
a = torch.zeros(2, 3)
b = torch.ones(2, 3)
print(torch.cat([a, b], dim=0).shape, torch.cat([a, b], dim=1).shape)  # along an existing dim
#> torch.Size([4, 3]) torch.Size([2, 6])
print(torch.stack([a, b], dim=0).shape, torch.stack([a, b], dim=2).shape)  # along a new dim
#> torch.Size([2, 2, 3]) torch.Size([2, 3, 2])
assert torch.equal(torch.stack([a, b]), torch.cat([a.unsqueeze(0), b.unsqueeze(0)]))  # what stack means

examples = [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]), torch.tensor([5.0, 6.0])]
print(torch.stack(examples).shape)  # a list of examples of shape (2,) -> a batch (3, 2)
#> torch.Size([3, 2])
x_col = torch.tensor([[1.0], [2.0], [3.0]])  # (N, 1)
print(torch.cat([x_col, torch.ones(3, 1)], dim=1))  # (N, 2): a column of ones beside x
#> tensor([[1., 1.],
#>         [2., 1.],
#>         [3., 1.]])

try:
    torch.cat([torch.zeros(2, 3), torch.zeros(2, 4)], dim=0)  # the other dims must agree
except RuntimeError as err:
    print(str(err).split(". ")[0])
    #> Sizes of tensors must match except in dimension 0
# --8<-- [end:cat-stack]

# --8<-- [start:broadcasting]
col = torch.arange(3).reshape(3, 1) * 10  # (3, 1)
row = torch.arange(4)  # (4,)
grid_sum = col + row  # (3, 1) and (4,) -> (3, 4)
print(grid_sum)
#> tensor([[ 0,  1,  2,  3],
#>         [10, 11, 12, 13],
#>         [20, 21, 22, 23]])
print(torch.broadcast_shapes((3, 1), (4,)))
#> torch.Size([3, 4])
assert torch.equal(grid_sum, col.expand(3, 4) + row.expand(3, 4))  # what broadcasting means

try:
    torch.ones(3, 4) + torch.ones(3)  # (3, 4) and (3,): the last dims, 4 and 3, clash
except RuntimeError as err:
    print(err)
    #> The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1
# --8<-- [end:broadcasting]

# --8<-- [start:matmul]
torch.manual_seed(0)
A = torch.randn(2, 3)
B = torch.randn(3, 4)
print((A @ B).shape)  # (2, 3) @ (3, 4) -> (2, 4): rows of A dot columns of B
#> torch.Size([2, 4])
print((A * A).shape)  # element-wise: same shapes (or broadcastable) in, same shape out
#> torch.Size([2, 3])

# (A @ B)[i, j] = sum over k of A[i, k] * B[k, j]: broadcast to (2, 3, 4), sum over k
products = A.unsqueeze(2) * B.unsqueeze(0)  # (2, 3, 1) * (1, 3, 4) -> (2, 3, 4)
by_hand = products.sum(dim=1)  # (2, 4)
print(torch.allclose(by_hand, A @ B, atol=1e-6))  # float sums in another order: allow 1e-6
#> True

batch = torch.randn(10, 2, 3)  # a stack of 10 matrices
print((batch @ B).shape)  # @ works on the last two dims, broadcasting the rest
#> torch.Size([10, 2, 4])
# --8<-- [end:matmul]

# --8<-- [start:reductions]
M = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # (2, 3)
print(M.sum().item(), M.sum(dim=0), M.sum(dim=1))  # dim is the dimension that disappears
#> 21.0 tensor([5., 7., 9.]) tensor([ 6., 15.])
print(M.mean(dim=1, keepdim=True).shape)  # keepdim leaves it there with size 1
#> torch.Size([2, 1])
values, indices = M.max(dim=1)  # max along a dim gives the values and where they are
print(values, indices, M.argmax().item())  # argmax() without dim indexes the flattened tensor
#> tensor([3., 6.]) tensor([2, 2]) 5

centred = M - M.mean(dim=1, keepdim=True)  # (2, 3) - (2, 1): each row minus its own mean
print(centred)
#> tensor([[-1.,  0.,  1.],
#>         [-1.,  0.,  1.]])
# --8<-- [end:reductions]

# --8<-- [start:keepdim-trap]
S = torch.tensor([[1.0, 3.0], [2.0, 6.0]])  # square: both broadcasts are legal
right = S / S.sum(dim=1, keepdim=True)  # (2, 2) / (2, 1): each row sums to 1
wrong = S / S.sum(dim=1)  # (2, 2) / (2,) -> treated as (1, 2): divides columns!
print(right.sum(dim=1), wrong.sum(dim=1))
#> tensor([1., 1.]) tensor([0.6250, 1.2500])
# --8<-- [end:keepdim-trap]

# --8<-- [start:numpy-bridge]
import numpy as np

array = np.array([1.0, 2.0, 3.0])  # NumPy's default float is float64
shared = torch.from_numpy(array)  # shares memory with array, keeps float64
copied = torch.tensor(array)  # copies
array[0] = -1.0
print(shared, copied)
#> tensor([-1.,  2.,  3.], dtype=torch.float64) tensor([1., 2., 3.], dtype=torch.float64)

back = shared.numpy()  # shares memory too (CPU tensors only)
shared.mul_(10)  # an in-place change shows through all three names
print(back, array)
#> [-10.  20.  30.] [-10.  20.  30.]

inputs = torch.from_numpy(array).float()  # float32, what models use: a copy
print(inputs.dtype)
#> torch.float32
# --8<-- [end:numpy-bridge]

# --8<-- [start:device]
device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"using {device}")
#> using cpu

x = torch.randn(4, 3).to(device)  # .to returns a copy on device (or x itself if already there)
ones = torch.ones(4, 1, device=device)  # or create it there directly
model = torch.nn.Linear(3, 1).to(device)  # moves the model's parameters, in place
y_hat = model(x) + ones  # every operand on the same device
print(y_hat.device.type, model.weight.device.type)
#> cpu cpu

result = y_hat.detach().cpu().numpy()  # back to the CPU before NumPy (and detach: see autograd)
print(result.shape, result.dtype)
#> (4, 1) float32
# --8<-- [end:device]

# --8<-- [start:seed]
torch.manual_seed(42)
first = torch.randn(3)
torch.manual_seed(42)  # the same seed replays the same sequence
second = torch.randn(3)
print(torch.equal(first, second), torch.equal(first, torch.randn(3)))
#> True False
# --8<-- [end:seed]


# --8<-- [start:exercise-broadcast-shape]
# Exercise 1: the broadcasting rule, written out, checked against torch.broadcast_shapes.
def broadcast_shape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)  # pad on the left
    out = []
    for p, q in zip(a, b):
        if p != q and 1 not in (p, q):
            raise ValueError(f"cannot broadcast {p} with {q}")
        out.append(max(p, q))
    return tuple(out)


for a, b in [((3, 1), (4,)), ((8, 1, 6, 1), (7, 1, 5)), ((5, 4), (1,)), ((2, 3), (3, 2))]:
    try:
        ours = broadcast_shape(a, b)
    except ValueError:
        ours = "error"
    try:
        theirs = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        theirs = "error"
    assert ours == theirs
    print(f"{a} and {b}: {ours}")
    #> (3, 1) and (4,): (3, 4)
    #> (8, 1, 6, 1) and (7, 1, 5): (8, 7, 6, 5)
    #> (5, 4) and (1,): (5, 4)
    #> (2, 3) and (3, 2): error
# --8<-- [end:exercise-broadcast-shape]

# --8<-- [start:exercise-distances]
# Exercise 2: all pairwise distances between 5 points in the plane, without a loop.
torch.manual_seed(0)
points = torch.randn(5, 2)  # (N, 2)
diff = points.unsqueeze(1) - points.unsqueeze(0)  # (N, 1, 2) - (1, N, 2) -> (N, N, 2)
distances = diff.pow(2).sum(dim=-1).sqrt()  # (N, N)
print(distances.shape, f"{distances[0, 1]:.4f}")
#> torch.Size([5, 5]) 3.8183
assert torch.allclose(distances, torch.cdist(points, points), atol=1e-5)  # float32 rounding
# --8<-- [end:exercise-distances]

# --8<-- [start:exercise-standardize]
# Exercise 3: standardise each column of a (100, 3) matrix to mean 0 and std 1.
torch.manual_seed(0)
features = torch.randn(100, 3) * torch.tensor([1.0, 10.0, 100.0]) + 5  # (100, 3)
mean = features.mean(dim=0, keepdim=True)  # (1, 3)
std = features.std(dim=0, keepdim=True)  # (1, 3)
standardized = (features - mean) / std  # (100, 3)
print(standardized.mean(dim=0).abs().max().item() < 1e-6, [f"{s:.4f}" for s in standardized.std(dim=0)])
#> True ['1.0000', '1.0000', '1.0000']
assert standardized.mean(dim=0).abs().max() < 1e-5  # float32 rounding
assert torch.allclose(standardized.std(dim=0), torch.ones(3), atol=1e-5)
# --8<-- [end:exercise-standardize]
