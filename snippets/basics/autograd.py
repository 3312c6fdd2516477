# Autograd in depth: leaves and grad_fn, .grad on intermediates, no_grad and
# inference_mode, detach, in-place errors, safe weight updates, accumulating
# gradients, non-scalar outputs, and calling backward twice.
# Run it: python snippets/basics/autograd.py

# --8<-- [start:leaves]
import torch

a = torch.tensor(5.0, requires_grad=True)  # leaves: tensors you create, that autograd tracks
a2 = torch.tensor(5.0, requires_grad=True)
b = a * 5  # results of tracked operations: non-leaves, each with a grad_fn
c = b / 2 + a2 * 5
print(a.is_leaf, b.is_leaf, c.is_leaf)
#> True False False
print(a.grad_fn, type(b.grad_fn).__name__, type(c.grad_fn).__name__)
#> None MulBackward0 AddBackward0
print([type(node).__name__ for node, _ in c.grad_fn.next_functions])  # c's two inputs
#> ['DivBackward0', 'MulBackward0']
# --8<-- [end:leaves]

# --8<-- [start:backward]
c.backward()
print(f"a.grad = {a.grad.item()}, a2.grad = {a2.grad.item()}")  # dc/da = 5 / 2, dc/da2 = 5
#> a.grad = 2.5, a2.grad = 5.0
assert torch.allclose(a.grad, torch.tensor(5 / 2)) and torch.allclose(a2.grad, torch.tensor(5.0))
graph_numbers = {name: t.item() for name, t in [("a", a), ("a2", a2), ("b", b), ("c", c)]}  # for the figure
graph_numbers.update({"a.grad": a.grad.item(), "a2.grad": a2.grad.item()})
# --8<-- [end:backward]

# --8<-- [start:non-leaf-grad]
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(b.grad)  # the intermediate b: its gradient was used, then thrown away
    #> None
print(str(caught[0].message).split(". ")[0])
#> The .grad attribute of a Tensor that is not a leaf Tensor is being accessed
# --8<-- [end:non-leaf-grad]

# --8<-- [start:retain-grad]
a.grad = None  # start from empty gradients
b = a * 5
b.retain_grad()  # ask autograd to keep this intermediate's gradient
c = b / 2 + a2 * 5
c.backward()
print(f"b.grad = {b.grad.item()}, a.grad = {a.grad.item()}")  # dc/db = 1/2; dc/da = dc/db * db/da
#> b.grad = 0.5, a.grad = 2.5
# --8<-- [end:retain-grad]

# --8<-- [start:no-grad]
w = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():  # nothing inside is recorded
    doubled = w * 2
print(doubled.requires_grad, doubled.grad_fn)
#> False None

(doubled * w).sum().backward()  # a no_grad result can enter a recorded graph (as a constant)
print(w.grad)
#> tensor([2., 4.])
# --8<-- [end:no-grad]

# --8<-- [start:inference-mode]
w.grad = None
with torch.inference_mode():  # no recording, and no version counter either
    frozen = w * 2
print(frozen.requires_grad, torch.is_inference(frozen))
#> False True

(w + frozen).sum().backward()  # + saves nothing for backward: an inference tensor may take part
print(w.grad)
#> tensor([1., 1.])

try:
    (w * frozen).sum().backward()  # * saves frozen: d(w * frozen)/dw = frozen
except RuntimeError as err:  # only this type is caught: anything else would stop the run
    print(f"{type(err).__name__}: {str(err).split('. ')[0]}")
    #> RuntimeError: Inference tensors cannot be saved for backward
    assert "saved for backward" in str(err)

try:
    frozen.add_(1)  # an in-place change outside inference mode
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err).split('.')[0]}")
    #> RuntimeError: Inplace update to inference tensor outside InferenceMode is not allowed
    assert "Inplace update to inference tensor" in str(err)
print(frozen.tolist())  # [2, 4] before: the check came after the update, which happened anyway
#> [3.0, 5.0]
with torch.inference_mode():
    frozen.add_(1)  # inside inference mode it is allowed
normal = frozen.clone()  # a clone made outside inference mode is an ordinary tensor
print(frozen.tolist(), torch.is_inference(normal))
#> [4.0, 6.0] False
# --8<-- [end:inference-mode]

# --8<-- [start:detach]
x = torch.tensor(3.0, requires_grad=True)
y = x**2
z_tracked = y * x  # x^3: dz/dx = 3x^2 = 27
z_detached = y.detach() * x  # y.detach() is a constant 9 that shares y's memory: dz/dx = 9
z_tracked.backward()
print(x.grad.item())
#> 27.0
x.grad = None
z_detached.backward()
print(x.grad.item(), y.detach().data_ptr() == y.data_ptr())
#> 9.0 True
# --8<-- [end:detach]

# --8<-- [start:in-place-error]
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp()  # exp saves its output y: d exp(x)/dx = exp(x) = y
y.add_(1)  # ... and this overwrites it in place
try:
    y.sum().backward()
except RuntimeError as err:
    what, detail = str(err).split(": ", 1)
    print(what, detail.split(" Hint:")[0], sep="\n")  # the message ends with a hint, left out
    #> one of the variables needed for gradient computation has been modified by an inplace operation
    #> [torch.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0 instead.

y = x.exp() + 1  # the fix: an out-of-place operation makes a new tensor
y.sum().backward()
print(torch.allclose(x.grad, x.detach().exp()))
#> True
# --8<-- [end:in-place-error]

# --8<-- [start:update]
w = torch.tensor([1.0], requires_grad=True)
loss = ((2.0 * w - 4.0) ** 2).sum()
loss.backward()
try:
    w -= 0.01 * w.grad  # recorded by autograd: an in-place change to a leaf it tracks
except RuntimeError as err:
    print(err)
    #> a leaf Variable that requires grad is being used in an in-place operation.

with torch.no_grad():  # the modern update: not recorded, but still checked
    w -= 0.01 * w.grad
w.grad = None  # or w.grad.zero_(); optimizers do both for you
print(f"w = {w.item():.2f}, still a leaf: {w.is_leaf}, requires_grad: {w.requires_grad}")
#> w = 1.08, still a leaf: True, requires_grad: True
# --8<-- [end:update]

# --8<-- [start:update-checked]
w = torch.tensor(2.0, requires_grad=True)
loss = w**2  # saves w: d loss / dw = 2w needs it
with torch.no_grad():
    w -= 1.0  # a bug: the weight changes before the backward pass that needs it
try:
    loss.backward()
except RuntimeError as err:
    print(str(err).split(":")[0])
    #> one of the variables needed for gradient computation has been modified by an inplace operation
# --8<-- [end:update-checked]

# --8<-- [start:accumulation]
torch.manual_seed(0)
x_batch = torch.randn(8, 3)  # (N, 3): one batch of 8 examples
y_batch = torch.randn(8)  # (N,)
w = torch.zeros(3, requires_grad=True)


def mse(x, y):
    return ((x @ w - y) ** 2).mean()


mse(x_batch, y_batch).backward()  # the gradient of the whole batch
full_batch_grad = w.grad.clone()

w.grad = None
for x_micro, y_micro in zip(x_batch.split(2), y_batch.split(2)):  # 4 micro-batches of 2
    (mse(x_micro, y_micro) / 4).backward()  # each adds a quarter of a micro-batch mean
print(torch.allclose(w.grad, full_batch_grad, atol=1e-6))  # sums in another order: 1e-6
#> True
assert torch.allclose(w.grad, full_batch_grad, atol=1e-6)
# --8<-- [end:accumulation]

# --8<-- [start:non-scalar]
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x**2  # a vector: its Jacobian is diag(2x)
try:
    y.backward()
except RuntimeError as err:
    print(err)
    #> grad can be implicitly created only for scalar outputs
# --8<-- [end:non-scalar]

# --8<-- [start:vector-jacobian-product]
v = torch.tensor([1.0, 0.1, 0.01])
y.backward(gradient=v)  # computes the vector-Jacobian product v^T J
print(x.grad)
#> tensor([2.0000, 0.4000, 0.0600])
jacobian = torch.diag(2 * x.detach())  # (3, 3), written out
assert torch.allclose(x.grad, v @ jacobian)
# --8<-- [end:vector-jacobian-product]

# --8<-- [start:backward-twice]
x = torch.tensor(2.0, requires_grad=True)
y = x**3
y.backward()
try:
    y.backward()  # the graph's saved values were freed by the first call
except RuntimeError as err:
    print(str(err).split(" (")[0])
    #> Trying to backward through the graph a second time

x.grad = None
y = x**3
y.backward(retain_graph=True)  # keep the saved values for another pass
y.backward()  # works, and adds: 12 + 12
print(x.grad.item())
#> 24.0
# --8<-- [end:backward-twice]


# --8<-- [start:exercise-predict]
# Exercise 1: predict every .grad, then check. a is used twice.
a = torch.tensor(2.0, requires_grad=True)
k = torch.tensor(3.0, requires_grad=True)
h = a * k  # h = 6
out = h * a + k  # out = a^2 k + k
out.backward()
print(a.grad.item(), k.grad.item(), h.is_leaf)
#> 12.0 5.0 False
assert a.grad.item() == 2 * 2.0 * 3.0  # d out/da = 2 a k: the two paths through a add up
assert k.grad.item() == 2.0**2 + 1  # d out/dk = a^2 + 1
# --8<-- [end:exercise-predict]

# --8<-- [start:exercise-jacobian]
# Exercise 2: the Jacobian of y = W x, one row per backward call.
torch.manual_seed(0)
W = torch.randn(2, 3)
x = torch.randn(3, requires_grad=True)
y = W @ x  # (2,)
rows = []
for i in range(2):
    x.grad = None
    y.backward(gradient=torch.eye(2)[i], retain_graph=True)  # e_i^T J = row i of J
    rows.append(x.grad.clone())
J = torch.stack(rows)  # (2, 3)
print(J.shape, torch.allclose(J, W))
#> torch.Size([2, 3]) True
assert torch.allclose(J, torch.autograd.functional.jacobian(lambda x: W @ x, x))
# --8<-- [end:exercise-jacobian]

# --8<-- [start:exercise-uneven]
# Exercise 3: accumulate over micro-batches of sizes 3, 3 and 2 (8 examples).
w.grad = None
for x_micro, y_micro in zip(x_batch.split(3), y_batch.split(3)):
    (mse(x_micro, y_micro) * len(y_micro) / len(y_batch)).backward()  # weight by size
print(torch.allclose(w.grad, full_batch_grad, atol=1e-6))
#> True
assert torch.allclose(w.grad, full_batch_grad, atol=1e-6)
# --8<-- [end:exercise-uneven]
