# Classifying surnames by language: a character vocabulary, padding and packing,
# an embedding and a bidirectional GRU, trained on 13,374 names of 18 languages.
# Run it: python snippets/sequences/names_classifier.py

# --8<-- [start:download]
import csv
import gzip

import torch
from torchvision.datasets.utils import download_url

# Skips the download when the files are already in data/ with these checksums.
for filename, md5 in [("names_train.csv.gz", "279fed4465b63788995257cf0a81f3af"),
                      ("names_test.csv.gz", "3729799e72df4be417721aab647340e3")]:
    download_url(f"https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/{filename}",
                 root="data", filename=filename, md5=md5)


def read_names(path):
    """(name, language) pairs from a gzipped CSV with rows like "Adsit","Czech"."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [(name, language) for name, language in csv.reader(f)]


train_rows = read_names("data/names_train.csv.gz")
test_rows = read_names("data/names_test.csv.gz")
print(f"train {len(train_rows):,} names, test {len(test_rows):,}; first: {train_rows[0]}")
#> train 13,374 names, test 6,700; first: ('Adsit', 'Czech')
# --8<-- [end:download]

# --8<-- [start:languages]
from collections import Counter

languages = sorted({language for _, language in train_rows})  # 18 classes, index = position
counts = Counter(language for _, language in train_rows)
print(f"{len(languages)} languages; most common: {counts.most_common(4)}")
#> 18 languages; most common: [('Russian', 6272), ('English', 2445), ('Arabic', 1333), ('Japanese', 660)]
majority = sum(language == "Russian" for _, language in test_rows) / len(test_rows)
print(f"always answering Russian: {majority:.1%} of the test names")
#> always answering Russian: 46.8% of the test names
# --8<-- [end:languages]

# --8<-- [start:vocabulary]
chars = sorted({ch for name, _ in train_rows for ch in name})
char_to_index = {ch: i + 1 for i, ch in enumerate(chars)}  # 0 is kept for padding
print(f"{len(chars)} characters: {''.join(chars)}")
#> 55 characters:  ',ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz


def encode(name):
    """A name as a 1-D tensor of character indices (a character never seen in training -> 0)."""
    return torch.tensor([char_to_index.get(ch, 0) for ch in name])


print(encode("Adsit").tolist())
#> [4, 33, 48, 38, 49]
# --8<-- [end:vocabulary]

# --8<-- [start:padding]
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

batch_names = ["Adsit", "Li", "Nakamura"]
sequences = [encode(name) for name in batch_names]
lengths = torch.tensor([len(s) for s in sequences])
padded = pad_sequence(sequences, batch_first=True, padding_value=0)  # (batch, longest)
print(f"padded {tuple(padded.shape)}, lengths {lengths.tolist()}")
#> padded (3, 8), lengths [5, 2, 8]
print(padded[1].tolist())  # "Li" and six pads
#> [15, 38, 0, 0, 0, 0, 0, 0]

packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
print(f"packed: {packed.data.numel()} characters, batch size per step {packed.batch_sizes.tolist()}")
#> packed: 15 characters, batch size per step [3, 3, 2, 2, 2, 1, 1, 1]
# --8<-- [end:padding]

# --8<-- [start:loaders]
import math

from torch.utils.data import DataLoader, Sampler

language_index = {language: i for i, language in enumerate(languages)}
train_data = [(encode(name), language_index[language]) for name, language in train_rows]
test_data = [(encode(name), language_index[language]) for name, language in test_rows]


def collate(batch):
    """A list of (indices, label) -> padded indices (B, longest), lengths (B,), labels (B,)."""
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences])
    return pad_sequence(sequences, batch_first=True), lengths, torch.tensor(labels)


class SimilarLengths(Sampler):
    """Shuffled batches of names of similar length: shuffle, sort each chunk of 8 batches by length,
    cut it into batches, shuffle the batches. A new order every epoch, little padding."""

    def __init__(self, lengths, batch_size, chunk_batches=8):
        self.lengths, self.batch_size, self.chunk = lengths, batch_size, chunk_batches * batch_size

    def __iter__(self):
        order = torch.randperm(len(self.lengths)).tolist()
        batches = []
        for start in range(0, len(order), self.chunk):
            chunk = sorted(order[start : start + self.chunk], key=lambda i: self.lengths[i])
            batches += [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        for i in torch.randperm(len(batches)).tolist():
            yield batches[i]

    def __len__(self):
        full, rest = divmod(len(self.lengths), self.chunk)
        return full * math.ceil(self.chunk / self.batch_size) + math.ceil(rest / self.batch_size)


torch.manual_seed(0)
name_lengths = [len(sequence) for sequence, _ in train_data]
train_loader = DataLoader(train_data, batch_sampler=SimilarLengths(name_lengths, batch_size=256), collate_fn=collate)
test_loader = DataLoader(test_data, batch_size=1024, collate_fn=collate)
shuffled = DataLoader(train_data, batch_size=256, shuffle=True, collate_fn=collate)  # for comparison only


def padding_share(loader):
    """The share of the padded tensors' entries that are padding, over one epoch."""
    real = total = 0
    for x, batch_lengths, _ in loader:
        real, total = real + batch_lengths.sum().item(), total + x.numel()
    return 1 - real / total


print(f"{len(train_loader)} batches of up to 256 names; padding: {padding_share(shuffled):.0%} of a shuffled "
      f"batch, {padding_share(train_loader):.0%} of a batch of similar lengths")
#> 53 batches of up to 256 names; padding: 52% of a shuffled batch, 15% of a batch of similar lengths
x, lengths, y = next(iter(train_loader))
print(f"a batch: {tuple(x.shape)}, lengths {lengths.min()} to {lengths.max()}")
#> a batch: (256, 8), lengths 7 to 8
# --8<-- [end:loaders]

# --8<-- [start:model]
from torch import nn


class NameClassifier(nn.Module):
    """Characters -> embeddings -> bidirectional GRU -> both final states -> language logits."""

    def __init__(self, num_chars, num_classes, embedding_dim=32, hidden_size=128):
        super().__init__()
        self.embed = nn.Embedding(num_chars, embedding_dim, padding_idx=0)  # row 0 stays zero
        self.gru = nn.GRU(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, x, lengths):  # x: (B, longest) indices, lengths: (B,) on the CPU
        packed = pack_padded_sequence(self.embed(x), lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(packed)  # h_n: (2, B, hidden): each direction's state after each name's last real step
        both = torch.cat([h_n[0], h_n[1]], dim=1)  # (B, 2 * hidden): forward read left to right, backward right to left
        return self.fc(self.dropout(both))  # (B, 18) logits


device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
torch.manual_seed(0)
model = NameClassifier(len(chars) + 1, len(languages)).to(device)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
#> 130,834 parameters
print(f"logits {tuple(model(x.to(device), lengths).shape)}")
#> logits (256, 18)
# --8<-- [end:model]

# --8<-- [start:train]
import time

epochs = 10
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, total_steps=epochs * len(train_loader))


def accuracy(loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, lengths, y in loader:
            correct += (model(x.to(device), lengths).argmax(dim=1).cpu() == y).sum().item()
    return correct / len(loader.dataset)


history = {"train_loss": [], "train_accuracy": []}
start = time.perf_counter()
for epoch in range(1, epochs + 1):
    model.train()
    total, correct = 0.0, 0
    for x, lengths, y in train_loader:
        logits = model(x.to(device), lengths)
        loss = loss_fn(logits, y.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()  # OneCycleLR changes the learning rate after every batch
        total += loss.item() * len(y)
        correct += (logits.argmax(dim=1).cpu() == y).sum().item()
    history["train_loss"].append(total / len(train_data))
    history["train_accuracy"].append(correct / len(train_data))  # while training: with dropout, weights moving
    if epoch % 2 == 0:
        print(f"epoch {epoch:2d}: train loss {history['train_loss'][-1]:.3f}, "
              f"train accuracy {history['train_accuracy'][-1]:.1%}")  # ±1 in the last digit
        #> epoch  2: train loss 1.449, train accuracy 67.1%
        #> epoch  4: train loss 1.119, train accuracy 81.1%
        #> epoch  6: train loss 0.961, train accuracy 86.7%
        #> epoch  8: train loss 0.845, train accuracy 91.5%
        #> epoch 10: train loss 0.802, train accuracy 93.5%
train_seconds = time.perf_counter() - start
threads = torch.get_num_threads()
print(f"{epochs} epochs took {train_seconds:.1f} s on {device} ({threads} thread{'s' if threads > 1 else ''})")
#> 10 epochs took 28.4 s on cpu (1 thread)
# --8<-- [end:train]

# --8<-- [start:test]
test_accuracy = accuracy(test_loader)
print(f"test accuracy {test_accuracy:.1%}, majority class {majority:.1%}")  # ±1 in the last digit
#> test accuracy 85.1%, majority class 46.8%
# --8<-- [end:test]

# --8<-- [start:confusion]
model.eval()
predicted, true = [], []
with torch.no_grad():
    for x, lengths, y in test_loader:
        predicted.append(model(x.to(device), lengths).argmax(dim=1).cpu())
        true.append(y)
predicted, true = torch.cat(predicted), torch.cat(true)
n = len(languages)
confusion = torch.bincount(n * true + predicted, minlength=n * n).reshape(n, n)  # rows: true, columns: predicted
diagonal = confusion.diag().sum() / confusion.sum()
print(f"{confusion.sum()} test names; the diagonal holds {diagonal:.1%} of them")  # ±1 in the last digit
#> 6700 test names; the diagonal holds 85.1% of them
# --8<-- [end:confusion]

# --8<-- [start:predict]
def top3(name):
    """The three most probable languages for a name, with their probabilities."""
    model.eval()
    with torch.no_grad():
        logits = model(encode(name).unsqueeze(0).to(device), torch.tensor([len(name)]))
    probabilities, indices = logits.softmax(dim=1)[0].topk(3)
    return [(languages[i], p) for p, i in zip(probabilities.tolist(), indices.tolist())]


for name in ["Jackson", "Garcia", "Novak", "Murphy", "Rossi"]:
    guesses = ", ".join(f"{language} {p:.0%}" for language, p in top3(name))
    print(name, guesses)  # ±1 in the last digit; differs on a GPU (one name's guesses are fragile)
    #> Jackson English 46%, Scottish 39%, Czech 2%
    #> Garcia Spanish 62%, Italian 19%, Czech 6%
    #> Novak Czech 48%, Russian 33%, English 9%
    #> Murphy English 42%, Irish 31%, Scottish 8%
    #> Rossi Italian 46%, English 26%, Spanish 4%
# --8<-- [end:predict]

# --8<-- [start:exercise-packing]
# Exercise 1: without packing, padding changes what the GRU computes; with packing it does not.
model.eval()
names = ["Li", "Nakamura"]
with torch.no_grad():
    x, lengths = pad_sequence([encode(n) for n in names], batch_first=True).to(device), torch.tensor([2, 8])
    alone = model(encode("Li").unsqueeze(0).to(device), torch.tensor([2]))  # no padding at all
    packed_logits = model(x, lengths)  # "Li" padded to 8, then packed
    _, h_n = model.gru(model.embed(x))  # the same padded batch, not packed
    unpacked_logits = model.fc(torch.cat([h_n[0], h_n[1]], dim=1))
# "the same" up to rounding: 1e-2 holds on any device (a CPU differs by about 1e-6; a GPU's
# cuDNN kernels, which use TF32 by default, by up to about 1e-3), while padding read as
# characters moves the logits by far more
packed_gap = (alone[0] - packed_logits[0]).abs().max().item()
unpacked_gap = (alone[0] - unpacked_logits[0]).abs().max().item()
print(f"packed: same as alone {packed_gap < 1e-2}; not packed: same as alone {unpacked_gap < 1e-2}")
#> packed: same as alone True; not packed: same as alone False
assert packed_gap < 1e-2 < unpacked_gap
# --8<-- [end:exercise-packing]

# --8<-- [start:exercise-per-language]
# Exercise 2: accuracy per language, from the rows of the confusion matrix.
per_language = confusion.diag() / confusion.sum(dim=1)
print(", ".join(f"{language} {per_language[language_index[language]]:.1%}"
                for language in ["Russian", "English", "Arabic", "Japanese"]))  # ±1 in the last digit
#> Russian 95.4%, English 87.7%, Arabic 100.0%, Japanese 88.5%
share = confusion.sum(dim=1) / confusion.sum()  # how often each language occurs in the test set
assert torch.isclose((share * per_language).sum(), torch.tensor(test_accuracy))
# --8<-- [end:exercise-per-language]

# --8<-- [start:exercise-seen]
# Exercise 3: test names that also occur in the training file, and new ones.
train_names = {name for name, _ in train_rows}
seen = torch.tensor([name in train_names for name, _ in test_rows])
correct = predicted == true
print(f"{seen.sum()} test names occur in training: accuracy {correct[seen].float().mean():.1%}; "
      f"{(~seen).sum()} new ones: {correct[~seen].float().mean():.1%}")  # ±1 in the last digit
#> 1046 test names occur in training: accuracy 79.3%; 5654 new ones: 86.2%
assert correct[seen].float().mean() < correct[~seen].float().mean()  # names seen in training are not easier
labels_of = {}
for name, language in train_rows + test_rows:
    labels_of.setdefault(name, set()).add(language)
print(f"{sum(len(v) > 1 for v in labels_of.values())} names carry more than one language")
#> 476 names carry more than one language
# --8<-- [end:exercise-seen]
