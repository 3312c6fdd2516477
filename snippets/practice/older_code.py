# Reading older PyTorch code: every legacy idiom of the course's sources, run on
# today's PyTorch (does it warn, fail, or still work?) beside its modern form.
# Run it: python snippets/practice/older_code.py

# --8<-- [start:helpers]
import textwrap
import warnings

import torch
import torch.nn.functional as F
from torch import nn


class recorded_warnings(warnings.catch_warnings):
    """`with recorded_warnings() as caught:` -- a list of every warning the block raised."""

    def __init__(self):
        super().__init__(record=True)

    def __enter__(self):
        caught = super().__enter__()
        warnings.simplefilter("always")  # show each one, even if it was shown before
        return caught


class raises:
    """`with raises(IndexError, "start of the message") as error:` -- the block must
    raise that error, with a message that starts that way (as on the common errors page)."""

    def __init__(self, error_type, message_start):
        self.error_type, self.message_start = error_type, message_start
        self.message = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        assert error is not None, f"the block raised no {self.error_type.__name__}"
        if not isinstance(error, self.error_type):
            return False
        self.message = str(error)
        assert self.message.startswith(self.message_start), self.message
        return True

    def __str__(self):
        return textwrap.fill(f"{self.error_type.__name__}: {self.message}", width=88)


torch.manual_seed(0)
# --8<-- [end:helpers]

# --8<-- [start:variable]
from torch.autograd import Variable

x = torch.ones(2, 3)
with recorded_warnings() as caught:
    old_x = Variable(x)  # legacy: wrap a tensor so that autograd can see it
    old_w = Variable(torch.ones(3, 1), requires_grad=True)
print(type(old_x).__name__, type(old_w).__name__, old_w.requires_grad, len(caught))
#> Tensor Tensor True 0

w = torch.ones(3, 1, requires_grad=True)  # modern: a tensor is all there is
print((x @ w).grad_fn is not None)
#> True
# --8<-- [end:variable]

# --8<-- [start:volatile]
model = nn.Linear(3, 1)
with recorded_warnings() as caught:
    inputs = Variable(torch.ones(2, 3), volatile=True)  # legacy: "record no graph"
print(f"{caught[0].category.__name__}: {caught[0].message}")
#> UserWarning: volatile was removed and now has no effect. Use `with torch.no_grad():` instead.
print(model(inputs).requires_grad)  # a graph is recorded all the same
#> True

with torch.no_grad():  # modern
    print(model(torch.ones(2, 3)).requires_grad)
    #> False
# --8<-- [end:volatile]

# --8<-- [start:size-average]
y_hat, y = torch.randn(5), torch.randn(5)
with recorded_warnings() as caught:
    old_sum = nn.MSELoss(size_average=False)(y_hat, y)  # legacy: "do not average"
    old_none = nn.MSELoss(reduce=False)(y_hat, y)  # legacy: "one loss per element"
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
    #> UserWarning: size_average and reduce args will be deprecated, please use reduction='sum' instead.
    #> UserWarning: size_average and reduce args will be deprecated, please use reduction='none' instead.

new_sum = nn.MSELoss(reduction="sum")(y_hat, y)  # modern
new_none = nn.MSELoss(reduction="none")(y_hat, y)
print(torch.equal(old_sum, new_sum), torch.equal(old_none, new_none))
#> True True
# --8<-- [end:size-average]

# --8<-- [start:data-index]
loss = nn.MSELoss()(y_hat, y)  # a 0-dimensional tensor
with raises(IndexError, "invalid index of a 0-dim tensor") as error:
    loss.data[0]  # legacy: before PyTorch 0.4 a loss was a vector of one element
print(error)
#> IndexError: invalid index of a 0-dim tensor. Use `tensor.item()` in Python or
#> `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number

print(f"loss {loss.item():.4f}")  # modern: a Python float
#> loss 2.3831
# --8<-- [end:data-index]

# --8<-- [start:sigmoid-tanh]
z = torch.randn(4)
with recorded_warnings() as caught:
    old = F.sigmoid(z), F.tanh(z)  # legacy spellings
new = torch.sigmoid(z), torch.tanh(z)  # modern
print(len(caught), torch.equal(old[0], new[0]), torch.equal(old[1], new[1]))
#> 0 True True
# --8<-- [end:sigmoid-tanh]

# --8<-- [start:softmax-dim]
logits = torch.randn(4, 10)  # (batch, classes)
with recorded_warnings() as caught:
    old = F.log_softmax(logits)  # legacy: no dim
print(caught[0].message)
#> Implicit dimension choice for log_softmax has been deprecated. Change the call to include dim=X as an argument.
print(torch.equal(old, F.log_softmax(logits, dim=1)))  # modern; for 2-D input the guess was right
#> True

sequence_logits = torch.randn(6, 2, 4)  # (time, batch, classes), as an RNN returns them
with recorded_warnings():
    guessed = F.softmax(sequence_logits)  # 3-D input: the guess is dim=0, the time axis
correct = F.softmax(sequence_logits, dim=2)  # over the classes
print(torch.allclose(guessed.sum(dim=0), torch.ones(2, 4)), torch.allclose(correct.sum(dim=2), torch.ones(6, 2)))
#> True True
guessed_first, correct_first = guessed[:, 0].clone(), correct[:, 0].clone()  # sequence 0, for the figure
# --8<-- [end:softmax-dim]

# --8<-- [start:constructors]
with recorded_warnings() as caught:
    old_x = torch.Tensor([[1.0], [2.0], [3.0]])  # legacy
    old_y = torch.LongTensor([0, 1, 1])
new_x = torch.tensor([[1.0], [2.0], [3.0]])  # modern: the dtype follows the data ...
new_y = torch.tensor([0, 1, 1])  # ... or is given: torch.tensor(data, dtype=torch.int64)
print(len(caught), torch.equal(old_x, new_x), torch.equal(old_y, new_y), old_y.dtype)
#> 0 True True torch.int64

print(torch.Tensor([1, 2]).dtype, torch.tensor([1, 2]).dtype)  # integers: Tensor makes float32 anyway
#> torch.float32 torch.int64
print(torch.Tensor(3).shape, torch.tensor(3).shape)  # one number: a size, or a value
#> torch.Size([3]) torch.Size([])
# --8<-- [end:constructors]

# --8<-- [start:data-update]
w = torch.tensor(2.0, requires_grad=True)
loss = w**2  # saves w: d loss / dw = 2w = 4
w.data = w.data - 1.0  # legacy update, made before the backward pass that needs w
loss.backward()
print(w.grad.item())  # 2 * 1.0, computed with the new w: wrong, and nothing said so
#> 2.0

w = torch.tensor(2.0, requires_grad=True)
loss = w**2
with torch.no_grad():  # modern update, the same mistake
    w -= 1.0
with raises(RuntimeError, "one of the variables needed for gradient computation") as error:
    loss.backward()
print(error.message.split(":")[0])
#> one of the variables needed for gradient computation has been modified by an inplace operation

w = torch.tensor(2.0, requires_grad=True)
(w**2).backward()  # the right order: backward first ...
with torch.no_grad():
    w -= 0.1 * w.grad  # ... then the update
print(w.grad.item(), round(w.item(), 4))
#> 4.0 1.6
# --8<-- [end:data-update]

# --8<-- [start:np-float]
import numpy as np

with raises(AttributeError, "module 'numpy' has no attribute 'float'") as error:
    np.zeros(3, dtype=np.float)  # legacy: removed in NumPy 1.24
print(error.message.splitlines()[0])
#> module 'numpy' has no attribute 'float'.

print(np.zeros(3, dtype=float).dtype, np.zeros(3, dtype=np.float32).dtype)  # modern: float is float64
#> float64 float32
# --8<-- [end:np-float]

# --8<-- [start:super]
class OldNet(nn.Module):
    def __init__(self):
        super(OldNet, self).__init__()  # noqa: UP008 -- legacy: the Python 2 form
        self.linear = nn.Linear(1, 1)


class NewNet(nn.Module):
    def __init__(self):
        super().__init__()  # modern: Python 3 fills in the class and the instance
        self.linear = nn.Linear(1, 1)


print(len(list(OldNet().parameters())), len(list(NewNet().parameters())))
#> 2 2


class CopiedNet(nn.Module):  # the old form's trap: copy the class, forget to rename super()
    def __init__(self):
        super(OldNet, self).__init__()
        self.linear = nn.Linear(1, 1)


with raises(TypeError, "super(type, obj)") as error:
    CopiedNet()
print(error)
#> TypeError: super(type, obj): obj must be an instance or subtype of type
# --8<-- [end:super]

# --8<-- [start:max-data]
classifier = nn.Linear(8, 3)
outputs = classifier(torch.randn(5, 8))  # (5, 3) scores that require grad
labels = torch.tensor([0, 2, 1, 1, 0])
_, old_predicted = torch.max(outputs.data, 1)  # legacy
old_correct = old_predicted.eq(labels.data.view_as(old_predicted)).cpu().sum()
new_predicted = outputs.argmax(dim=1)  # modern
new_correct = (new_predicted == labels).sum().item()
print(torch.equal(old_predicted, new_predicted), old_correct.item() == new_correct)
#> True True
# --8<-- [end:max-data]

# --8<-- [start:view-flatten]
features = torch.randn(64, 20, 4, 4)  # a CNN's feature maps
old = features.view(features.size(0), -1)  # legacy
new = features.flatten(start_dim=1)  # modern (or nn.Flatten() as a layer)
print(tuple(old.shape), torch.equal(old, new))
#> (64, 320) True

channels_last = features.contiguous(memory_format=torch.channels_last)  # the same values, another layout
with raises(RuntimeError, "view size is not compatible") as error:
    channels_last.view(channels_last.size(0), -1)
print(error.message.split(" (")[0])
#> view size is not compatible with input tensor's size and stride
print(torch.equal(channels_last.flatten(start_dim=1), new))  # flatten copies when it must
#> True
# --8<-- [end:view-flatten]

# --8<-- [start:exercise-modernise]
# Exercise 1: the legacy loop above, in today's PyTorch.
x_data = torch.tensor([[1.0], [2.0], [3.0]])
y_data = torch.tensor([[2.0], [4.0], [6.0]])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


model = Model()
criterion = nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(500):
    loss = criterion(model(x_data), y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    prediction = model(torch.tensor([[4.0]])).item()
print(f"loss {loss.item():.4f}, prediction for 4: {prediction:.2f}")
#> loss 0.0001, prediction for 4: 7.99
assert abs(prediction - 8.0) < 0.1
# --8<-- [end:exercise-modernise]

# --8<-- [start:exercise-implicit-dim]
# Exercise 2: which dimension does F.softmax pick without dim, for 1 to 4 dimensions?
picked = []
for shape in [(5,), (5, 6), (5, 6, 7), (5, 6, 7, 8)]:
    t = torch.randn(shape)
    with recorded_warnings():
        guessed = F.softmax(t)
    picked.append(next(d for d in range(t.dim()) if torch.equal(guessed, F.softmax(t, dim=d))))
print(picked)
#> [0, 1, 0, 1]
assert picked == [0, 1, 0, 1]
# --8<-- [end:exercise-implicit-dim]

# --8<-- [start:exercise-total-loss]
# Exercise 3: summing losses for a report, with and without .item().
total_tensor, total_float = 0.0, 0.0
for epoch in range(3):
    loss = criterion(model(x_data), y_data)
    total_tensor += loss  # a tensor: each addition joins this batch's graph to the total
    total_float += loss.item()  # a Python float: no graph
print(type(total_tensor).__name__, total_tensor.grad_fn is not None, type(total_float).__name__)
#> Tensor True float
assert total_tensor.requires_grad and isinstance(total_float, float)
# --8<-- [end:exercise-total-loss]
