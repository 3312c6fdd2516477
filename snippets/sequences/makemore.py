# Character-level language models on 32,033 names (makemore): a bigram model by
# counting, the same model as one linear layer trained by gradient descent, and an
# MLP over a window of character embeddings (Bengio et al. 2003).
# Run it: python snippets/sequences/makemore.py

# --8<-- [start:download]
import torch
from torchvision.datasets.utils import download_url

# Skips the download when data/names.txt is already there with this checksum.
download_url("https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
             root="data", filename="names.txt", md5="401b3c4cac9e28a586ed15e81256680d")
words = open("data/names.txt").read().splitlines()
print(f"{len(words):,} names of {min(len(w) for w in words)} to {max(len(w) for w in words)} letters: {words[:6]}")
#> 32,033 names of 2 to 15 letters: ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte']

chars = sorted(set("".join(words)))  # the 26 letters
stoi = {ch: i + 1 for i, ch in enumerate(chars)}
stoi["."] = 0  # one token marks both the start and the end of a name
itos = {i: ch for ch, i in stoi.items()}
print(f"{len(stoi)} tokens: {''.join(itos[i] for i in range(len(itos)))}")
#> 27 tokens: .abcdefghijklmnopqrstuvwxyz
# --8<-- [end:download]

# --8<-- [start:bigram-counts]
xs, ys = [], []  # every (current character, next character) pair of every name
for w in words:
    tokens = ["."] + list(w) + ["."]
    for a, b in zip(tokens, tokens[1:]):
        xs.append(stoi[a])
        ys.append(stoi[b])
xs, ys = torch.tensor(xs), torch.tensor(ys)
N = torch.bincount(27 * xs + ys, minlength=27 * 27).reshape(27, 27)  # N[i, j]: how often j follows i
print(f"{len(xs):,} bigrams, {(N > 0).sum()} of the 729 pairs occur")
#> 228,146 bigrams, 627 of the 729 pairs occur
counts, pairs = N.flatten().topk(5)
print(", ".join(f"{itos[p // 27]}{itos[p % 27]} {c:,}" for c, p in zip(counts.tolist(), pairs.tolist())))
#> n. 6,763, a. 6,640, an 5,438, .a 4,410, e. 3,983
# --8<-- [end:bigram-counts]

# --8<-- [start:bigram-nll]
P = N.float() / N.sum(dim=1, keepdim=True)  # row i: the distribution of the character after i
nll = -P[xs, ys].log().mean()  # mean negative log-likelihood of all bigrams
print(f"counting model: mean NLL {nll:.4f}")
#> counting model: mean NLL 2.4540
P_smooth = (N + 1).float() / (N + 1).sum(dim=1, keepdim=True)  # add-one smoothing
smoothed_nll = -P_smooth[xs, ys].log().mean()
print(f"with add-one smoothing: {smoothed_nll:.4f}; uniform over 27: {torch.log(torch.tensor(27.0)):.4f}")
#> with add-one smoothing: 2.4546; uniform over 27: 3.2958


def name_nll(name, P):
    tokens = [stoi[ch] for ch in "." + name + "."]
    return -sum(P[a, b].log() for a, b in zip(tokens, tokens[1:])) / (len(tokens) - 1)


print(f"'emma' {name_nll('emma', P):.2f}, 'zjq' {name_nll('zjq', P):.2f} (smoothed {name_nll('zjq', P_smooth):.2f})")
#> 'emma' 2.51, 'zjq' inf (smoothed 5.14)
# --8<-- [end:bigram-nll]


# --8<-- [start:bigram-sample]
def sample_bigram(P, generator):
    out, ix = [], 0
    while True:
        ix = torch.multinomial(P[ix], num_samples=1, generator=generator).item()
        if ix == 0:  # the end token
            return "".join(out)
        out.append(itos[ix])


g = torch.Generator().manual_seed(2147483647)
print([sample_bigram(P_smooth, g) for _ in range(8)])
#> ['cexze', 'momasurailezitynn', 'konimittain', 'llayn', 'ka', 'da', 'staiyaubrtthrigotai', 'moliellavo']
# --8<-- [end:bigram-sample]

# --8<-- [start:linear]
import torch.nn.functional as F

x_onehot = F.one_hot(xs, num_classes=27).float()  # (228146, 27): one row per bigram
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((27, 27), generator=g, requires_grad=True)  # one linear layer, no bias
for step in range(101):
    logits = x_onehot @ W  # (228146, 27): read as log-counts
    loss = F.cross_entropy(logits, ys) + 0.01 * (W**2).mean()  # softmax + NLL, plus a small penalty
    W.grad = None
    loss.backward()
    with torch.no_grad():
        W -= 50 * W.grad  # plain gradient descent on all bigrams at once
    if step % 25 == 0:
        print(f"step {step:3d}: loss {loss.item():.4f}")
        #> step   0: loss 3.7686
        #> step  25: loss 2.5577
        #> step  50: loss 2.5099
        #> step  75: loss 2.4960
        #> step 100: loss 2.4900
# --8<-- [end:linear]

# --8<-- [start:linear-counts]
M = len(xs)


def grouped_nll(W):
    """The same mean NLL, with the 228,146 terms grouped into 729: bigram (i, j) occurs N[i, j] times."""
    return -(N * W.log_softmax(dim=1)).sum() / M


print(torch.allclose(grouped_nll(W), F.cross_entropy(x_onehot @ W, ys)))
#> True

fits = {}
for penalty in (0.0, 0.01):
    g = torch.Generator().manual_seed(2147483647)
    W = torch.randn((27, 27), generator=g, requires_grad=True)
    for step in range(1, 3001):
        loss = grouped_nll(W) + penalty * (W**2).mean()
        W.grad = None
        loss.backward()
        with torch.no_grad():
            W -= 50 * W.grad
        if step in (100, 1000, 3000):
            print(f"penalty {penalty}: step {step:4d}, NLL {grouped_nll(W).item():.4f}")
            #> penalty 0.0: step  100, NLL 2.4727
            #> penalty 0.0: step 1000, NLL 2.4554
            #> penalty 0.0: step 3000, NLL 2.4544
            #> penalty 0.01: step  100, NLL 2.4748
            #> penalty 0.01: step 1000, NLL 2.4604
            #> penalty 0.01: step 3000, NLL 2.4604
    fits[penalty] = W.detach()

W = fits[0.01]
c = 2 * 0.01 * M / 27**2  # the penalty's gradient 2 * 0.01 * W / 729, in units of counts / M
implied = N.sum(dim=1, keepdim=True) * W.softmax(dim=1)  # n_i * p_ij: the counts the model acts as if it saw
print(f"c = {c:.2f}; never-seen bigrams get {implied[N == 0].mean():.1f} counts on average")
#> c = 6.26; never-seen bigrams get 6.8 counts on average
print(f"add-5 smoothing: {-((N + 5) / (N + 5).sum(1, keepdim=True))[xs, ys].log().mean():.4f}, "
      f"add-10: {-((N + 10) / (N + 10).sum(1, keepdim=True))[xs, ys].log().mean():.4f}")
#> add-5 smoothing: 2.4577, add-10: 2.4621
# --8<-- [end:linear-counts]

# --8<-- [start:dataset]
import math

block_size = 6  # how many previous characters the MLP sees


def build_dataset(words):
    """Every (context of block_size tokens, next token) pair of every name."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size  # start with "......"
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]  # slide the window by one character
    return torch.tensor(X), torch.tensor(Y)


perm = torch.randperm(len(words), generator=torch.Generator().manual_seed(42)).tolist()
shuffled = [words[i] for i in perm]
n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
Xtr, Ytr = build_dataset(shuffled[:n1])  # 80 % of the names to train on
Xdev, Ydev = build_dataset(shuffled[n1:n2])  # 10 % to choose settings with
Xte, Yte = build_dataset(shuffled[n2:])  # 10 % to report, once, at the end
print(f"train {tuple(Xtr.shape)}, dev {tuple(Xdev.shape)}, test {tuple(Xte.shape)}")
#> train (182819, 6), dev (22760, 6), test (22567, 6)
print(f"'{shuffled[0]}':", [("".join(itos[i] for i in x), itos[y]) for x, y in zip(Xtr[:3].tolist(), Ytr[:3].tolist())])
#> 'edison': [('......', 'e'), ('.....e', 'd'), ('....ed', 'i')]
# --8<-- [end:dataset]

# --8<-- [start:model]
from torch import nn

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
Xtr, Ytr, Xdev, Ydev, Xte, Yte = (t.to(device) for t in (Xtr, Ytr, Xdev, Ydev, Xte, Yte))
n_embd, n_hidden = 24, 256


def make_mlp():
    return nn.Sequential(
        nn.Embedding(27, n_embd),  # C: a vector of n_embd numbers per token
        nn.Flatten(),  # (B, block_size, n_embd) -> (B, block_size * n_embd): the window side by side
        nn.Linear(block_size * n_embd, n_hidden), nn.Tanh(),
        nn.Linear(n_hidden, 27),  # logits of the next token
    ).to(device)


def evaluate(model, X, Y):
    model.eval()
    with torch.no_grad():
        return F.cross_entropy(model(X), Y).item()


torch.manual_seed(0)
model = make_mlp()
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
#> 44,707 parameters
print(f"before training: dev loss {evaluate(model, Xdev, Ydev):.3f}, uniform guess ln 27 = {math.log(27):.3f}")
#> before training: dev loss 3.286, uniform guess ln 27 = 3.296
# --8<-- [end:model]

# --8<-- [start:learning-rate]
def train(model, lr, steps, batch_size=512, decay=True, log_every=None):
    """AdamW on random mini-batches; the learning rate follows a cosine from lr down to 0 if decay."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps) if decay else None
    log, batch_losses = [], []
    for step in range(1, steps + 1):
        model.train()
        ix = torch.randint(0, len(Xtr), (batch_size,), device=device)  # a random mini-batch
        loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if schedule:
            schedule.step()
        batch_losses.append(loss.item())
        if log_every and step % log_every == 0:  # mean batch loss since the last log, and the dev loss
            log.append((step, sum(batch_losses[-log_every:]) / log_every, evaluate(model, Xdev, Ydev)))
    return log


candidates = [0.001, 0.003, 0.01, 0.03]
sweep = {}
for lr in candidates:  # short runs at a constant learning rate, judged on the dev set
    torch.manual_seed(0)
    model = make_mlp()
    train(model, lr, steps=200, decay=False)
    sweep[lr] = evaluate(model, Xdev, Ydev)
print(", ".join(f"lr {lr}: {loss:.2f}" for lr, loss in sweep.items()))  # ±1 in the last digit
#> lr 0.001: 2.29, lr 0.003: 2.24, lr 0.01: 2.22, lr 0.03: 2.31
# The largest learning rate within 0.02 of the best dev loss: as good, and it trains fastest.
best_lr = max(lr for lr in candidates if sweep[lr] < min(sweep.values()) + 0.02)
print(f"chosen: {best_lr}")
#> chosen: 0.01
# --8<-- [end:learning-rate]

# --8<-- [start:train]
import time

torch.manual_seed(0)
model = make_mlp()
start = time.perf_counter()
curves = train(model, best_lr, steps=4000, log_every=250)  # [(step, mean batch loss, dev loss), ...]
train_seconds = time.perf_counter() - start
for step, train_loss, dev_loss in curves[3::4]:
    print(f"step {step:4d}: batch loss {train_loss:.3f}, dev {dev_loss:.3f}")  # ±1 in the last digit
    #> step 1000: batch loss 2.077, dev 2.136
    #> step 2000: batch loss 1.998, dev 2.074
    #> step 3000: batch loss 1.925, dev 2.028
    #> step 4000: batch loss 1.897, dev 2.008
print(f"4,000 steps took {train_seconds:.1f} s on {device}")
#> 4,000 steps took 11.5 s on cpu
# --8<-- [end:train]

# --8<-- [start:test]
print(f"train {evaluate(model, Xtr, Ytr):.3f}, dev {evaluate(model, Xdev, Ydev):.3f}, "
      f"test {evaluate(model, Xte, Yte):.3f}")  # ±1 in the last digit
#> train 1.898, dev 2.008, test 2.004
# --8<-- [end:test]


# --8<-- [start:sample]
def sample_mlp(model, generator):
    model.eval()
    out, context = [], [0] * block_size
    with torch.no_grad():
        while True:
            probs = model(torch.tensor([context], device=device)).softmax(dim=1).cpu()
            ix = torch.multinomial(probs[0], num_samples=1, generator=generator).item()
            if ix == 0:
                return "".join(out)
            out.append(itos[ix])
            context = context[1:] + [ix]


g = torch.Generator().manual_seed(2147483647)
samples = [sample_mlp(model, g) for _ in range(12)]
print(", ".join(samples))  # differs on a GPU: other kernels, other weights, other names
#> dexze, zomarie, rochita, kellin, janain, lucan, katar, samiyah, javery, mari, moriella, kinzie
# --8<-- [end:sample]

# --8<-- [start:embedding]
C = model[0].weight.detach().cpu()  # (27, n_embd): the learned vector of every token
centred = C - C.mean(dim=0)
U, S, Vh = torch.linalg.svd(centred, full_matrices=False)  # principal component analysis
embedding_2d = (centred @ Vh[:2].T).numpy()  # (27, 2): along the two directions in which the vectors vary most
token_labels = [itos[i] for i in range(27)]
print(f"the first two directions hold {(S[:2] ** 2).sum() / (S**2).sum():.0%} of the variance")
#> the first two directions hold 19% of the variance
# --8<-- [end:embedding]

# --8<-- [start:shakespeare-data]
import gzip

download_url("https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/shakespeare.txt.gz",
             root="data", filename="shakespeare.txt.gz", md5="86a7586eb0ceb4cf161aeae4190c90a2")
with gzip.open("data/shakespeare.txt.gz", "rt", encoding="utf-8") as f:
    shakespeare = f.read()
vocab = sorted(set(shakespeare))  # letters, digits, punctuation, space and newline
char_index = {ch: i for i, ch in enumerate(vocab)}
stream = torch.tensor([char_index[ch] for ch in shakespeare])
split = int(0.9 * len(stream))
train_stream, dev_stream = stream[:split], stream[split:]  # the last 10 % of the plays to judge with
print(f"{len(shakespeare):,} characters, {len(vocab)} distinct; train {len(train_stream):,}, dev {len(dev_stream):,}")
#> 1,115,394 characters, 65 distinct; train 1,003,854, dev 111,540
# --8<-- [end:shakespeare-data]

# --8<-- [start:shakespeare-gru]
class CharGRU(nn.Module):
    """Character -> embedding -> GRU -> logits of the next character, at every step."""

    def __init__(self, vocab_size, embedding_dim=32, hidden_size=256):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.gru = nn.GRU(embedding_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h=None):  # x: (B, T) indices; h: the state to continue from, or None for zeros
        output, h = self.gru(self.embed(x), h)  # output: (B, T, hidden_size)
        return self.fc(output), h  # (B, T, vocab_size) logits, and the state after the last step


def windows(stream, batch_size, T):
    """batch_size random windows of T characters, and the same windows shifted by one: the targets."""
    starts = torch.randint(0, len(stream) - T - 1, (batch_size,)).tolist()
    x = torch.stack([stream[i : i + T] for i in starts])
    y = torch.stack([stream[i + 1 : i + T + 1] for i in starts])
    return x.to(device), y.to(device)


torch.manual_seed(0)
char_gru = CharGRU(len(vocab)).to(device)
steps, T = 300, 64
optimizer = torch.optim.AdamW(char_gru.parameters(), lr=0.01, weight_decay=0.01)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, total_steps=steps)
start = time.perf_counter()
for step in range(1, steps + 1):
    x, y = windows(train_stream, batch_size=64, T=T)
    logits, _ = char_gru(x)  # every position predicts the character after it: 64 * 64 targets per batch
    loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(char_gru.parameters(), max_norm=1.0)
    optimizer.step()
    schedule.step()
gru_seconds = time.perf_counter() - start
char_gru.eval()
with torch.no_grad():  # the first 100,000 dev characters read in order, as one long sequence
    x, y = dev_stream[:100_000].to(device), dev_stream[1:100_001].to(device)
    h, total = None, 0.0
    for i in range(0, 100_000, 1_000):  # in chunks carrying the state: the same sums, and cuDNN
        logits, h = char_gru(x[i : i + 1_000].unsqueeze(0), h)  # refuses 100,000 steps in one call
        total += F.cross_entropy(logits[0], y[i : i + 1_000], reduction="sum").item()
    dev_loss = total / 100_000
print(f"{steps} steps took {gru_seconds:.1f} s on {device}; dev loss {dev_loss:.2f}, "
      f"uniform {math.log(len(vocab)):.2f}")  # ±1 in the last digit
#> 300 steps took 31.2 s on cpu; dev loss 1.69, uniform 4.17
# --8<-- [end:shakespeare-gru]


# --8<-- [start:shakespeare-sample]
def sample_text(model, length, generator, temperature=0.8):
    """Feed the model its own samples, one character at a time, carrying the hidden state along."""
    out, h = [], None
    x = torch.tensor([[char_index["\n"]]], device=device)  # start after a line break
    with torch.no_grad():
        for _ in range(length):
            logits, h = model(x, h)  # one step: (1, 1, vocab_size); h carries everything read so far
            probs = (logits[0, -1] / temperature).softmax(dim=0).cpu()
            ix = torch.multinomial(probs, num_samples=1, generator=generator).item()
            out.append(vocab[ix])
            x = torch.tensor([[ix]], device=device)
    return "".join(out)


print(sample_text(char_gru, 240, torch.Generator().manual_seed(0)))  # differs on a GPU, as the names do
#> Thy farks the prested our peessen you.
#> I tleen greep your hourt bear charn to bleep,
#> And good in stants, your wakes mances of earder not my father we would for my life:
#> The duke contring. By thing for my prayer in mine.
#> Woe, he say, in the
# --8<-- [end:shakespeare-sample]

# --8<-- [start:exercise-bigram-dev]
# Exercise 1: the counting model fitted on the training names only, judged on the dev names.
def bigram_counts(X, Y):
    """Counts of (last context token, next token) pairs: exactly the bigrams of those names."""
    return torch.bincount(27 * X[:, -1].cpu() + Y.cpu(), minlength=27 * 27).reshape(27, 27)


N_train = bigram_counts(Xtr, Ytr)
dev_last, dev_next = Xdev[:, -1].cpu(), Ydev.cpu()
for alpha in (0, 1):
    P_train = (N_train + alpha).float() / (N_train + alpha).sum(dim=1, keepdim=True)
    print(f"add-{alpha}: dev NLL {-P_train[dev_last, dev_next].log().mean():.4f}")
    #> add-0: dev NLL inf
    #> add-1: dev NLL 2.4647
bigram_dev = -P_train[dev_last, dev_next].log().mean().item()
unseen = (N_train[dev_last, dev_next] == 0).sum().item()
print(f"{unseen} dev bigrams never occur in the training names")
#> 7 dev bigrams never occur in the training names
assert evaluate(model, Xdev, Ydev) < bigram_dev - 0.3
# --8<-- [end:exercise-bigram-dev]

# --8<-- [start:exercise-lookup]
# Exercise 2: a one-hot vector times a matrix is a row lookup, which is what nn.Embedding does.
W = fits[0.01]
embedding = nn.Embedding(27, 27)
with torch.no_grad():
    embedding.weight.copy_(W)
assert torch.equal(x_onehot[:1000] @ W, W[xs[:1000]])
assert torch.equal(embedding(xs[:1000]), W[xs[:1000]])
print(f"one-hot @ W, W[xs] and nn.Embedding agree; row of '.' -> most likely first letter "
      f"'{itos[W[0].argmax().item()]}'")
#> one-hot @ W, W[xs] and nn.Embedding agree; row of '.' -> most likely first letter 'a'
# --8<-- [end:exercise-lookup]
