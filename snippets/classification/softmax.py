# Softmax and cross-entropy: from logits to class probabilities to a loss.
# Run it: python snippets/classification/softmax.py

# --8<-- [start:softmax]
import torch
import torch.nn.functional as F
from torch import nn


def softmax(z):
    """exp(z_i) / sum_j exp(z_j) over the last dimension, computed stably."""
    z = z - z.max(dim=-1, keepdim=True).values  # shift so the largest logit is 0
    exp_z = torch.exp(z)
    return exp_z / exp_z.sum(dim=-1, keepdim=True)


z = torch.tensor([2.0, 1.0, 0.1])  # logits for three classes
p = softmax(z)
print(f"p = {[round(v, 4) for v in p.tolist()]}, sum = {p.sum().item():.4f}")
#> p = [0.659, 0.2424, 0.0986], sum = 1.0000
assert torch.allclose(p, torch.softmax(z, dim=-1))  # default rtol 1e-5, atol 1e-8
assert torch.allclose(softmax(z + 100.0), p)  # adding a constant changes nothing
# --8<-- [end:softmax]

# --8<-- [start:overflow]
z_big = torch.tensor([90.0, 91.0, 92.0])
exp_z = torch.exp(z_big)  # e^90 is about 1.2e39, above float32's largest number, 3.4e38
print(f"exp: {exp_z.tolist()}, naive softmax: {(exp_z / exp_z.sum()).tolist()}")
#> exp: [inf, inf, inf], naive softmax: [nan, nan, nan]
print(f"stable softmax: {[round(v, 4) for v in softmax(z_big).tolist()]}")
#> stable softmax: [0.09, 0.2447, 0.6652]
# --8<-- [end:overflow]

# --8<-- [start:argmax-table]
print(" x   |  z0    z1    z2  |  P(0)   P(1)   P(2)  | class")
#>  x   |  z0    z1    z2  |  P(0)   P(1)   P(2)  | class
for x in (-5.0, 1.0, 4.0):
    z = torch.tensor([-x, 1.0, x - 1.0])  # three linear functions of one input
    p = softmax(z)
    print(f"{x:4.0f} | {z[0]:4.0f}  {z[1]:4.0f}  {z[2]:4.0f}  | "
          f"{p[0]:.4f} {p[1]:.4f} {p[2]:.4f} | {p.argmax().item()}")
    #>   -5 |    5     1    -6  | 0.9820 0.0180 0.0000 | 0
    #>    1 |   -1     1     0  | 0.0900 0.6652 0.2447 | 1
    #>    4 |   -4     1     3  | 0.0008 0.1191 0.8801 | 2
# --8<-- [end:argmax-table]

# --8<-- [start:nll]
t = torch.tensor([1.0, 0.0, 0.0])  # the true class is 0, one-hot
Y_prob1 = torch.tensor([0.7, 0.2, 0.1])  # probabilities: a good prediction
Y_prob2 = torch.tensor([0.1, 0.3, 0.6])  # a bad one
for name, p in (("good", Y_prob1), ("bad", Y_prob2)):
    loss = -(t * torch.log(p)).sum()  # only the true class's term survives: -log p_0
    print(f"{name}: loss = {loss.item():.4f}")
    #> good: loss = 0.3567
    #> bad: loss = 2.3026
# --8<-- [end:nll]

# --8<-- [start:cross-entropy]
Y = torch.tensor([2, 0, 1])  # class indices, shape (N,), dtype int64
Y_pred1 = torch.tensor([[0.1, 0.2, 0.9],  # logits, shape (N, C): class 2 highest
                        [1.1, 0.1, 0.2],  # class 0 highest
                        [0.2, 2.1, 0.1]])  # class 1 highest: all three right
Y_pred2 = torch.tensor([[0.8, 0.2, 0.3],  # class 0 highest: wrong
                        [0.2, 0.3, 0.5],  # class 2: wrong
                        [0.2, 0.2, 0.5]])  # class 2: wrong

loss_fn = nn.CrossEntropyLoss()
loss1, loss2 = loss_fn(Y_pred1, Y), loss_fn(Y_pred2, Y)
print(f"good logits: loss = {loss1.item():.4f}, predicted {Y_pred1.argmax(dim=1).tolist()}")
#> good logits: loss = 0.4966, predicted [2, 0, 1]
print(f"bad logits:  loss = {loss2.item():.4f}, predicted {Y_pred2.argmax(dim=1).tolist()}")
#> bad logits:  loss = 1.2389, predicted [0, 2, 2]

log_probs = nn.LogSoftmax(dim=1)(Y_pred1)  # (N, C), log p_i
nll = nn.NLLLoss()(log_probs, Y)  # mean over n of -log_probs[n, Y[n]]
print(f"LogSoftmax + NLLLoss = {nll.item():.4f}")
#> LogSoftmax + NLLLoss = 0.4966
assert torch.allclose(nll, loss1)
probs_good = torch.softmax(Y_pred1, dim=1)  # (N, C), for the figure
probs_bad = torch.softmax(Y_pred2, dim=1)
# --8<-- [end:cross-entropy]

# --8<-- [start:targets]
one_hot = F.one_hot(Y, num_classes=3).float()  # (N, C) float: a probability per class
print(f"one-hot targets: loss = {loss_fn(Y_pred1, one_hot).item():.4f}")
#> one-hot targets: loss = 0.4966
assert torch.allclose(loss_fn(Y_pred1, one_hot), loss1)

smoothed = one_hot * 0.9 + 0.1 / 3  # 0.9333 for the true class, 0.0333 for the others
smooth_loss = nn.CrossEntropyLoss(label_smoothing=0.1)(Y_pred1, Y)
print(f"soft targets {loss_fn(Y_pred1, smoothed):.4f}, label_smoothing=0.1 {smooth_loss:.4f}")
#> soft targets 0.5777, label_smoothing=0.1 0.5777
assert torch.allclose(loss_fn(Y_pred1, smoothed), smooth_loss)

for wrong in (Y.view(-1, 1), one_hot.long()):  # a column of indices; one-hot as integers
    try:
        loss_fn(Y_pred1, wrong)
    except RuntimeError as err:
        print(err)
        #> 0D or 1D target tensor expected, multi-target not supported
        #> Expected floating point type for target with class probabilities, got Long
# --8<-- [end:targets]

# --8<-- [start:double-softmax]
twice = loss_fn(torch.softmax(Y_pred1, dim=1), Y)  # the loss applies softmax again
print(f"softmax before CrossEntropyLoss: {twice.item():.4f} instead of {loss1.item():.4f}")
#> softmax before CrossEntropyLoss: 0.8382 instead of 0.4966
perfect = F.one_hot(Y, num_classes=3).float()  # the best probabilities possible
print(f"even perfect probabilities as logits: {loss_fn(perfect, Y).item():.4f}")
#> even perfect probabilities as logits: 0.5514
# --8<-- [end:double-softmax]


# --8<-- [start:by-hand]
def log_softmax(z):
    """z_i - logsumexp(z), with the max factored out of the sum."""
    m = z.max(dim=-1, keepdim=True).values
    return z - m - torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))


def cross_entropy(logits, target):
    """Mean of -log p[n, target[n]] for logits (N, C) and class indices (N,)."""
    return -log_softmax(logits)[torch.arange(len(target)), target].mean()


torch.manual_seed(0)
logits = 30 * torch.randn(64, 10)  # large logits: a naive exp would overflow
labels = torch.randint(0, 10, (64,))
for z, y in ((Y_pred1, Y), (Y_pred2, Y), (logits, labels)):
    assert torch.allclose(cross_entropy(z, y), F.cross_entropy(z, y), rtol=1e-5, atol=1e-6)
    assert torch.allclose(log_softmax(z), torch.log_softmax(z, dim=-1), atol=1e-5)
print(f"by hand {cross_entropy(logits, labels):.4f}, F.cross_entropy {F.cross_entropy(logits, labels):.4f}")
#> by hand 45.2405, F.cross_entropy 45.2405
# --8<-- [end:by-hand]

# --8<-- [start:exercise-gradient]
# Exercise 1: d loss / d z = (softmax(z) - one_hot(y)) / N for the mean cross-entropy.
z = Y_pred2.clone().requires_grad_()
F.cross_entropy(z, Y).backward()
by_hand = (torch.softmax(Y_pred2, dim=1) - F.one_hot(Y, 3)) / len(Y)
print([round(g, 4) for g in z.grad[0].tolist()])
#> [0.1547, 0.0849, -0.2395]
assert torch.allclose(z.grad, by_hand, atol=1e-7)
# --8<-- [end:exercise-gradient]

# --8<-- [start:exercise-two-classes]
# Exercise 2: softmax over the logits [0, z] is the sigmoid of z, and the losses agree.
z = torch.linspace(-5, 5, 11)
pairs = torch.stack([torch.zeros_like(z), z], dim=1)  # (11, 2): logits of class 0, class 1
assert torch.allclose(torch.softmax(pairs, dim=1)[:, 1], torch.sigmoid(z))
y = (z > 0).float()  # some binary labels
ce = F.cross_entropy(pairs, y.long())  # class indices 0 / 1
bce = F.binary_cross_entropy_with_logits(z, y)
print(f"CrossEntropyLoss {ce.item():.4f}, BCEWithLogitsLoss {bce.item():.4f}")
#> CrossEntropyLoss 0.1564, BCEWithLogitsLoss 0.1564
assert torch.allclose(ce, bce)
# --8<-- [end:exercise-two-classes]

# --8<-- [start:exercise-initial-loss]
# Exercise 3: the loss of an untrained 10-class classifier.
import math

uniform_loss = F.cross_entropy(torch.zeros(64, 10), labels)  # all logits equal
print(f"uniform guess: {uniform_loss:.4f}, log(10) = {math.log(10):.4f}")
#> uniform guess: 2.3026, log(10) = 2.3026
torch.manual_seed(0)
untrained = nn.Linear(784, 10)  # an MNIST-sized linear classifier, before training
images = torch.rand(64, 784)  # stand-in inputs in [0, 1]
initial_loss = F.cross_entropy(untrained(images), labels).item()
print(f"untrained model: {initial_loss:.4f}")
#> untrained model: 2.3005
assert abs(initial_loss - 2.3026) < 0.15
# --8<-- [end:exercise-initial-loss]
