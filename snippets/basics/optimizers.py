# Optimizers from scratch (SGD, momentum, AdaGrad, RMSProp, Adam), checked against torch.optim;
# the rest of torch.optim, learning-rate schedulers, and weight decay in AdamW.
# Run it: python snippets/basics/optimizers.py

# --8<-- [start:problems]
import torch


def quadratic(p):
    """An ill-conditioned bowl: 20 times steeper along y than along x. Minimum 0 at (0, 0)."""
    x, y = p
    return 0.5 * (x**2 + 20 * y**2)


def rosenbrock(p):
    """A curved, flat-bottomed valley. Minimum 0 at (1, 1)."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


# float64, so that the comparisons with torch.optim below can be tight
quadratic_start = torch.tensor([-4.0, 1.2], dtype=torch.float64)
rosenbrock_start = torch.tensor([-1.2, 1.0], dtype=torch.float64)
# --8<-- [end:problems]


# --8<-- [start:runners]
def run_scratch(step, f, start, steps, **hyper):
    """Minimise f from `start` with a from-scratch step(p, grad, state, **hyper) -> new p."""
    p, state, path = start.clone(), {}, [start.clone()]
    for _ in range(steps):
        q = p.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(q), q)
        p = step(p, grad, state, **hyper)
        path.append(p)
    return torch.stack(path)  # (steps + 1, 2): every point visited


def run_torch(optimizer_class, f, start, steps, **hyper):
    """The same with a torch.optim optimizer."""
    p = start.clone().requires_grad_(True)
    optimizer = optimizer_class([p], **hyper)
    path = [start.clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        f(p).backward()
        optimizer.step()
        path.append(p.detach().clone())
    return torch.stack(path)
# --8<-- [end:runners]


# --8<-- [start:sgd]
def sgd(p, grad, state, lr):
    return p - lr * grad
# --8<-- [end:sgd]


# --8<-- [start:momentum]
def momentum(p, grad, state, lr, mu=0.9):
    v = state["v"] = mu * state.get("v", torch.zeros_like(p)) + grad  # velocity
    return p - lr * v
# --8<-- [end:momentum]


# --8<-- [start:ema-momentum]
def ema_momentum(p, grad, state, lr, beta=0.8):
    """v = 0.8 v + 0.2 g: a moving average of the gradients (PyTorch starts it at the first one)."""
    v = state["v"] = beta * state["v"] + (1 - beta) * grad if "v" in state else grad
    return p - lr * v


def sgd_ema(params, lr):
    return torch.optim.SGD(params, lr, momentum=0.8, dampening=0.8)  # v = 0.8 v + (1 - 0.8) g


ours = run_scratch(ema_momentum, quadratic, quadratic_start, 60, lr=0.05)
theirs = run_torch(sgd_ema, quadratic, quadratic_start, 60, lr=0.05)
assert torch.allclose(ours, theirs, rtol=1e-10, atol=1e-12)  # the moving average is dampening = momentum


def steady_step(make_optimizer, lr=0.1, steps=50):
    """The length of the last step under a constant gradient of 1."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p], lr)
    for _ in range(steps):
        before = p.item()
        p.grad = torch.ones(1, dtype=torch.float64)  # a steady slope
        optimizer.step()
    return before - p.item()


print(f"v = 0.8 v + 0.2 g:    step {steady_step(sgd_ema):.4f}")
#> v = 0.8 v + 0.2 g:    step 0.1000
print(f"SGD(momentum=0.8):    step {steady_step(lambda ps, lr: torch.optim.SGD(ps, lr, momentum=0.8)):.4f}")
#> SGD(momentum=0.8):    step 0.5000
# --8<-- [end:ema-momentum]


# --8<-- [start:adagrad]
def adagrad(p, grad, state, lr, eps=1e-10):
    G = state["G"] = state.get("G", torch.zeros_like(p)) + grad**2  # sum of all squared gradients
    return p - lr * grad / (G.sqrt() + eps)
# --8<-- [end:adagrad]


# --8<-- [start:rmsprop]
def rmsprop(p, grad, state, lr, beta=0.99, eps=1e-8):
    s = state["s"] = beta * state.get("s", torch.zeros_like(p)) + (1 - beta) * grad**2
    return p - lr * grad / (s.sqrt() + eps)
# --8<-- [end:rmsprop]


# --8<-- [start:adam]
def adam(p, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", torch.zeros_like(p)) + (1 - beta1) * grad
    v = state["v"] = beta2 * state.get("v", torch.zeros_like(p)) + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)  # bias correction: m and v start at 0
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (v_hat.sqrt() + eps)  # eps outside the square root
# --8<-- [end:adam]


# --8<-- [start:check]
def sgd_momentum(params, lr):
    return torch.optim.SGD(params, lr, momentum=0.9)


# name: (from-scratch step, torch.optim class, learning rate on the quadratic, on Rosenbrock)
optimizers = {
    "gradient descent": (sgd, torch.optim.SGD, 0.09, 0.001),
    "momentum": (momentum, sgd_momentum, 0.02, 0.001),
    "AdaGrad": (adagrad, torch.optim.Adagrad, 1.0, 0.5),
    "RMSProp": (rmsprop, torch.optim.RMSprop, 0.1, 0.003),
    "Adam": (adam, torch.optim.Adam, 0.3, 0.1),
}
paths = {"quadratic": {}, "rosenbrock": {}}
for name, (step, optimizer_class, lr_quadratic, lr_rosenbrock) in optimizers.items():
    for problem, f, start, steps, lr in (
        ("quadratic", quadratic, quadratic_start, 60, lr_quadratic),
        ("rosenbrock", rosenbrock, rosenbrock_start, 1000, lr_rosenbrock),
    ):
        ours = run_scratch(step, f, start, steps, lr=lr)
        theirs = run_torch(optimizer_class, f, start, steps, lr=lr)
        assert torch.allclose(ours, theirs, rtol=1e-10, atol=1e-12), (name, problem)
        paths[problem][name] = ours
    end_q, end_r = paths["quadratic"][name][-1], paths["rosenbrock"][name][-1]
    print(f"{name:16} final f: quadratic {quadratic(end_q):.1e}, Rosenbrock {rosenbrock(end_r):.1e}")
    #> gradient descent final f: quadratic 9.7e-05, Rosenbrock 4.5e-01
    #> momentum         final f: quadratic 7.0e-03, Rosenbrock 2.5e-05
    #> AdaGrad          final f: quadratic 1.3e-08, Rosenbrock 1.3e-01
    #> RMSProp          final f: quadratic 4.2e-10, Rosenbrock 3.6e-01
    #> Adam             final f: quadratic 7.5e-03, Rosenbrock 1.2e-05
print("every from-scratch path equals torch.optim's within rtol=1e-10, atol=1e-12")
#> every from-scratch path equals torch.optim's within rtol=1e-10, atol=1e-12
# --8<-- [end:check]

# --8<-- [start:float32]
def largest_difference(problem, f, start, steps, dtype):
    """The largest gap between our paths and torch.optim's, over the five optimizers."""
    gaps = []
    for step, optimizer_class, lr_quadratic, lr_rosenbrock in optimizers.values():
        lr = lr_quadratic if problem == "quadratic" else lr_rosenbrock
        ours = run_scratch(step, f, start.to(dtype), steps, lr=lr)
        theirs = run_torch(optimizer_class, f, start.to(dtype), steps, lr=lr)
        gaps.append((ours - theirs).abs().max().item())
    return max(gaps)


gap64 = largest_difference("quadratic", quadratic, quadratic_start, 60, torch.float64)
gap32 = largest_difference("quadratic", quadratic, quadratic_start, 60, torch.float32)
print(f"float64: largest gap below 1e-14: {gap64 < 1e-14}")
#> float64: largest gap below 1e-14: True
print(f"float32: largest gap between 1e-8 and 1e-6: {1e-8 < gap32 < 1e-6}")
#> float32: largest gap between 1e-8 and 1e-6: True
# --8<-- [end:float32]

# --8<-- [start:lbfgs]
p = rosenbrock_start.clone().requires_grad_(True)
optimizer = torch.optim.LBFGS([p], lr=1, max_iter=100, line_search_fn="strong_wolfe")
evaluations = 0


def closure():
    """Re-evaluate the loss and its gradient at the current p; LBFGS calls it many times."""
    global evaluations
    evaluations += 1
    optimizer.zero_grad()
    loss = rosenbrock(p)
    loss.backward()
    return loss


optimizer.step(closure)  # one call runs up to max_iter iterations
print(f"LBFGS: p = ({p[0]:.6f}, {p[1]:.6f}), f = {rosenbrock(p):.1e}, {evaluations} evaluations")
#> LBFGS: p = (0.999981, 0.999962), f = 4.2e-10, 43 evaluations
# --8<-- [end:lbfgs]

# --8<-- [start:tour]
from torch import nn

torch.manual_seed(0)
X = torch.randn(200, 5, dtype=torch.float64)  # (N, 5): a small regression problem
y = X @ torch.randn(5, 1, dtype=torch.float64) + 0.1 * torch.randn(200, 1, dtype=torch.float64)


def train(optimizer_class, steps, **hyper):
    torch.manual_seed(0)  # the same initial weights for every optimizer
    model = nn.Linear(5, 1, dtype=torch.float64)
    optimizer = optimizer_class(model.parameters(), **hyper)
    calls = 0

    def closure():  # every optimizer accepts one; LBFGS requires it
        nonlocal calls
        calls += 1
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)
    return nn.functional.mse_loss(model(X), y).item(), calls


X_aug = torch.cat([X, torch.ones(200, 1, dtype=torch.float64)], dim=1)
best = nn.functional.mse_loss(X_aug @ torch.linalg.lstsq(X_aug, y).solution, y).item()
print(f"least-squares optimum: MSE {best:.4f}")
#> least-squares optimum: MSE 0.0106

tour = {  # name: (class, steps, hyperparameters)
    "SGD": (torch.optim.SGD, 100, {"lr": 0.1}),
    "AdamW": (torch.optim.AdamW, 100, {"lr": 0.1}),  # default weight_decay=0.01
    "Adagrad": (torch.optim.Adagrad, 100, {"lr": 0.5}),
    "Adamax": (torch.optim.Adamax, 100, {"lr": 0.1}),
    "ASGD": (torch.optim.ASGD, 100, {"lr": 0.1}),
    "RMSprop": (torch.optim.RMSprop, 100, {"lr": 0.03}),
    "Rprop": (torch.optim.Rprop, 100, {"lr": 0.01}),
    "LBFGS": (torch.optim.LBFGS, 1, {"lr": 1, "line_search_fn": "strong_wolfe"}),
}
for name, (optimizer_class, steps, hyper) in tour.items():
    loss, calls = train(optimizer_class, steps, **hyper)
    print(f"{name:8} MSE {loss:.4f} after {steps:3d} step(s), {calls:3d} loss evaluations")
    #> SGD      MSE 0.0106 after 100 step(s), 100 loss evaluations
    #> AdamW    MSE 0.0109 after 100 step(s), 100 loss evaluations
    #> Adagrad  MSE 0.0106 after 100 step(s), 100 loss evaluations
    #> Adamax   MSE 0.0107 after 100 step(s), 100 loss evaluations
    #> ASGD     MSE 0.0106 after 100 step(s), 100 loss evaluations
    #> RMSprop  MSE 0.0106 after 100 step(s), 100 loss evaluations
    #> Rprop    MSE 0.0106 after 100 step(s), 100 loss evaluations
    #> LBFGS    MSE 0.0106 after   1 step(s),   7 loss evaluations
# --8<-- [end:tour]

# --8<-- [start:schedulers]
from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR


def record(make_scheduler, steps=100, lr=0.1):
    """The learning rate (and momentum) a scheduler sets at each of `steps` steps."""
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    lrs, momenta = [], []
    for step in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()  # (a real loop computes a loss and calls backward first)
        scheduler.step()  # after optimizer.step()
    return lrs, momenta


schedules = {
    "StepLR(step_size=30, gamma=0.1)": record(lambda opt: StepLR(opt, step_size=30, gamma=0.1)),
    "CosineAnnealingLR(T_max=100)": record(lambda opt: CosineAnnealingLR(opt, T_max=100)),
    "OneCycleLR(max_lr=0.1, total_steps=100)": record(
        lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=100)),
}
for name, (lrs, momenta) in schedules.items():  # the lr at steps 0, 29, 30, 50 and 99
    print(f"{name:40}", " ".join(f"{lrs[i]:.3g}" for i in (0, 29, 30, 50, 99)))
    #> StepLR(step_size=30, gamma=0.1)          0.1 0.1 0.01 0.01 0.0001
    #> CosineAnnealingLR(T_max=100)             0.1 0.0806 0.0794 0.05 2.47e-05
    #> OneCycleLR(max_lr=0.1, total_steps=100)  0.004 0.1 0.0999 0.0794 4e-07
# --8<-- [end:schedulers]

# --8<-- [start:weight-decay]
curvature = torch.tensor([1.0, 100.0], dtype=torch.float64)
lr, decay, steps = 0.01, 0.1, 100


def bowl(p):
    """Minimum at (1, 1); 100 times steeper along the second coordinate."""
    return 0.5 * (curvature * (p - 1) ** 2).sum()


def bowl_l2(p):
    return bowl(p) + decay / 2 * (p**2).sum()  # the same loss plus an L2 penalty


def adamw(p, grad, state, lr, weight_decay):
    p = p * (1 - lr * weight_decay)  # decoupled: shrink every weight by the same factor ...
    return adam(p, grad, state, lr)  # ... then an ordinary Adam step with the loss's gradient


zero = torch.zeros(2, dtype=torch.float64)
no_decay = run_torch(torch.optim.Adam, bowl, zero, steps, lr=lr)[-1]
adam_l2 = run_torch(torch.optim.Adam, bowl, zero, steps, lr=lr, weight_decay=decay)[-1]
l2_in_loss = run_torch(torch.optim.Adam, bowl_l2, zero, steps, lr=lr)[-1]
assert torch.allclose(adam_l2, l2_in_loss, rtol=1e-10, atol=1e-12)  # Adam's weight_decay is L2

adamw_path = run_scratch(adamw, bowl, zero, steps, lr=lr, weight_decay=decay)
torch_adamw_path = run_torch(torch.optim.AdamW, bowl, zero, steps, lr=lr, weight_decay=decay)
assert torch.allclose(adamw_path, torch_adamw_path, rtol=1e-10, atol=1e-12)
adamw_end = adamw_path[-1]
for name, end in (("no decay", no_decay), ("Adam + L2", adam_l2), ("AdamW", adamw_end)):
    ratio = end / no_decay
    print(f"{name:9} p = ({end[0]:.4f}, {end[1]:.4f}), / no decay ({ratio[0]:.4f}, {ratio[1]:.4f})")
    #> no decay  p = (0.7756, 0.7756), / no decay (1.0000, 1.0000)
    #> Adam + L2 p = (0.7478, 0.7753), / no decay (0.9643, 0.9996)
    #> AdamW     p = (0.7446, 0.7446), / no decay (0.9601, 0.9601)
assert not torch.allclose(adam_l2, adamw_end, atol=1e-3)
# --8<-- [end:weight-decay]

# --8<-- [start:exercise-bias-correction]
# Exercise 1: Adam's first step, with and without bias correction, for a gradient of 0.5.
grad, lr = torch.tensor([0.5], dtype=torch.float64), 0.01
origin = torch.zeros(1, dtype=torch.float64)
corrected = origin - adam(origin, grad, {}, lr)  # the step our adam() takes
m, v = (1 - 0.9) * grad, (1 - 0.999) * grad**2  # the raw moments after one step
uncorrected = lr * m / (v.sqrt() + 1e-8)
print(f"first step: corrected {corrected.item():.5f}, uncorrected {uncorrected.item():.5f}")
#> first step: corrected 0.01000, uncorrected 0.03162
ratio = uncorrected.item() / corrected.item()
assert abs(ratio / (0.1 / 0.001**0.5) - 1) < 1e-5  # 3.162..., up to eps
# --8<-- [end:exercise-bias-correction]


# --8<-- [start:exercise-nesterov]
# Exercise 2: Nesterov momentum as torch.optim.SGD(nesterov=True) computes it.
def nesterov(p, grad, state, lr, mu=0.9):
    v = state["v"] = mu * state.get("v", torch.zeros_like(p)) + grad
    return p - lr * (grad + mu * v)  # step along the velocity it is about to have


ours = run_scratch(nesterov, quadratic, quadratic_start, 60, lr=0.02)
theirs = run_torch(lambda params, lr: torch.optim.SGD(params, lr, momentum=0.9, nesterov=True),
                   quadratic, quadratic_start, 60, lr=0.02)
assert torch.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
print(f"after 60 steps: momentum f = {quadratic(paths['quadratic']['momentum'][-1]):.1e}, "
      f"Nesterov f = {quadratic(ours[-1]):.1e}")
#> after 60 steps: momentum f = 7.0e-03, Nesterov f = 1.6e-04
assert quadratic(ours[-1]) < quadratic(paths["quadratic"]["momentum"][-1])
# --8<-- [end:exercise-nesterov]

# --8<-- [start:exercise-warmup]
# Exercise 3: 5 steps of linear warm-up from 0.01 to 0.1, then cosine annealing to 0.
from torch.optim.lr_scheduler import LinearLR, SequentialLR


def warmup_then_cosine(opt):
    warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    return SequentialLR(opt, [warmup, CosineAnnealingLR(opt, T_max=95)], milestones=[5])


warmup_lrs, _ = record(warmup_then_cosine)
print(" ".join(f"{lr:.4f}" for lr in warmup_lrs[:7]), "...", f"{warmup_lrs[-1]:.1e}")
#> 0.0100 0.0280 0.0460 0.0640 0.0820 0.1000 0.1000 ... 2.7e-05
assert abs(warmup_lrs[0] - 0.01) < 1e-12 and abs(warmup_lrs[5] - 0.1) < 1e-12
# --8<-- [end:exercise-warmup]

# --8<-- [start:exercise-sgd-weight-decay]
# Exercise 4: for plain SGD, weight_decay, an L2 term and decoupled decay are the same thing.
def sgdw(p, grad, state, lr, weight_decay):
    return p * (1 - lr * weight_decay) - lr * grad


lr = 0.005  # and decay = 0.1, as bowl_l2 uses
sgd_wd = run_torch(torch.optim.SGD, bowl, zero, 100, lr=lr, weight_decay=decay)
sgd_l2 = run_torch(torch.optim.SGD, bowl_l2, zero, 100, lr=lr)
sgd_decoupled = run_scratch(sgdw, bowl, zero, 100, lr=lr, weight_decay=decay)
assert torch.allclose(sgd_wd, sgd_l2, rtol=1e-10, atol=1e-12)
assert torch.allclose(sgd_wd, sgd_decoupled, rtol=1e-10, atol=1e-12)
print(f"all three end at ({sgd_wd[-1, 0]:.4f}, {sgd_wd[-1, 1]:.4f})")
#> all three end at (0.3854, 0.9990)
# --8<-- [end:exercise-sgd-weight-decay]
