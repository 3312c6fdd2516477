# Deployment: inference mode, torch.export to a .pt2 file with a dynamic batch
# dimension, ONNX run by onnxruntime, their speed, and a small HTTP prediction service.
# Run it: python snippets/practice/deployment.py  (needs: pip install onnx onnxscript onnxruntime)

# --8<-- [start:train]
import time

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import datasets

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
train_file = datasets.MNIST(root="data", train=True, download=True)
test_file = datasets.MNIST(root="data", train=False, download=True)
MEAN, STD = 0.1307, 0.3081


def normalise(images):
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), with MNIST's mean and std."""
    return ((images.float() / 255 - MEAN) / STD).unsqueeze(1)


train_images, train_labels = normalise(train_file.data[:15000]), train_file.targets[:15000]  # a quarter
test_images, test_labels = normalise(test_file.data), test_file.targets


class Net(nn.Module):
    """The MNIST CNN of Part 3: two 5x5 convolutions with pooling, then one linear layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # (B, 10, 12, 12)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))  # (B, 20, 4, 4)
        return self.fc(x.flatten(start_dim=1))  # (B, 10) logits


torch.manual_seed(0)
model = Net().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
start = time.perf_counter()
model.train()
for i, batch in enumerate(torch.randperm(len(train_images)).split(64)):  # one epoch of the subset
    loss = F.cross_entropy(model(train_images[batch].to(device)), train_labels[batch].to(device))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"trained on {len(train_images):,} images in {time.perf_counter() - start:.1f} s")
#>
model = model.cpu().eval()  # what we deploy: on the CPU, in evaluation mode
# --8<-- [end:train]

# --8<-- [start:inference-mode]
with torch.inference_mode():
    logits = model(test_images)
accuracy = (logits.argmax(dim=1) == test_labels).float().mean().item()
print(f"test accuracy {accuracy:.1%}; requires_grad {logits.requires_grad}, inference tensor {logits.is_inference()}")  # ±3 in the last digit
#>

weights = torch.ones(10, requires_grad=True)
try:
    (logits * weights).sum().backward()  # autograd would have to save `logits` for backward
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}")
    #>
# --8<-- [end:inference-mode]

# --8<-- [start:export]
import os

batch = torch.export.Dim("batch", min=1, max=1024)  # the first dimension may vary in [1, 1024]
example = test_images[:8].clone()  # a clone: the file keeps the example, and a slice would keep all 10,000
program = torch.export.export(model, (example,), dynamic_shapes={"x": {0: batch}})
print([node.target.__name__ for node in program.graph.nodes if node.op == "call_function"])
#>
print(f"batch sizes allowed: {list(program.range_constraints.values())}")
#>

torch.export.save(program, "mnist_cnn.pt2")
print(f"mnist_cnn.pt2: {os.path.getsize('mnist_cnn.pt2') / 1024:.0f} KiB")
#>
exported = torch.export.load("mnist_cnn.pt2").module()  # a GraphModule: call it like the model
for n in (1, 7, 1000):
    with torch.inference_mode():
        same = torch.equal(exported(test_images[:n]), model(test_images[:n]))
    print(f"batch of {n:>4}: exported == eager: {same}")
    #>
    assert same
# --8<-- [end:export]

# --8<-- [start:onnx]
import numpy as np
import onnx
import onnxruntime

torch.onnx.export(model, (example,), "mnist_cnn.onnx", dynamic_shapes={"x": {0: batch}},
                  input_names=["x"], output_names=["logits"], dynamo=True, external_data=False, verbose=False)
onnx.checker.check_model(onnx.load("mnist_cnn.onnx"))
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = torch.get_num_threads()  # as many threads as torch uses: a fair race
session = onnxruntime.InferenceSession("mnist_cnn.onnx", options, providers=["CPUExecutionProvider"])
print([(i.name, i.shape) for i in session.get_inputs()], [(o.name, o.shape) for o in session.get_outputs()])
#>

(onnx_logits,) = session.run(None, {"x": test_images.numpy()})  # numpy in, numpy out
difference = np.abs(onnx_logits - logits.numpy()).max()
print(f"ONNX vs eager on 10,000 test images: max |difference| < 1e-4: {difference < 1e-4}, "
      f"same digits: {np.array_equal(onnx_logits.argmax(axis=1), logits.argmax(dim=1).numpy())}")
#>
assert difference < 1e-4
# --8<-- [end:onnx]

# --8<-- [start:bench]
import statistics


def benchmark(predict, batch_size, repeats=30):
    """Median seconds of `predict` on a batch of real test images, after one warm-up call."""
    x = test_images[:batch_size]
    predict(x)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(x)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


@torch.inference_mode()
def eager_predict(x):
    return model(x)


@torch.inference_mode()
def exported_predict(x):
    return exported(x)


def onnx_predict(x):
    return session.run(None, {"x": x.numpy()})[0]


bench = {}
for name, predict in [("eager", eager_predict), ("torch.export", exported_predict), ("onnxruntime", onnx_predict)]:
    for batch_size in (1, 256):
        seconds = benchmark(predict, batch_size)
        bench[f"{name}, batch {batch_size}"] = {"latency_ms": 1000 * seconds, "images_per_s": batch_size / seconds}
        print(f"{name:<12} batch {batch_size:>3}: {1000 * seconds:6.2f} ms, {batch_size / seconds:>7,.0f} images/s")
        #>
# --8<-- [end:bench]

# --8<-- [start:service]
import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BYTES = 4096  # a 28x28 PGM is 799 bytes; refuse anything much larger before reading it
PGM = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s")  # binary greymap header: width height maxval


class BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def read_pgm(data):
    """A binary PGM image as a (28, 28) uint8 tensor, or BadRequest saying what is wrong."""
    header = PGM.match(data)
    if header is None:
        raise BadRequest(400, "the body is not a binary PGM image (it must start with P5)")
    width, height, maxval = map(int, header.groups())
    pixels = data[header.end():]
    if maxval != 255 or len(pixels) != width * height:
        raise BadRequest(400, f"a {width}x{height} PGM with maxval 255 has {width * height} pixel "
                              f"bytes; this one has maxval {maxval} and {len(pixels)} bytes")
    if (width, height) != (28, 28):
        raise BadRequest(422, f"the image is {width}x{height}; the model reads 28x28 digits")
    return torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(28, 28)


class PredictHandler(BaseHTTPRequestHandler):
    model = None  # set by serve()
    protocol_version = "HTTP/1.1"  # keep connections open between requests

    def do_POST(self):
        try:
            length = self.headers.get("Content-Length")
            if length is None:
                raise BadRequest(411, "a Content-Length header is required")
            if not length.isdigit():
                raise BadRequest(400, "Content-Length must be a number of bytes")
            if int(length) > MAX_BYTES:
                raise BadRequest(413, f"the body has {int(length):,} bytes; the limit is {MAX_BYTES:,}")
            body = self.rfile.read(int(length))  # read before any other check: the connection stays usable
            if self.path != "/predict":
                raise BadRequest(404, "POST images to /predict")
            if self.headers.get_content_type() != "image/x-portable-graymap":
                raise BadRequest(415, "send Content-Type: image/x-portable-graymap (a binary PGM)")
            image = read_pgm(body)
        except BadRequest as error:
            if error.status in (400, 411, 413):  # the body may be unread: it must not be
                self.close_connection = True  # parsed as the next request, so hang up after answering
            return self.reply(error.status, {"error": str(error)})
        with torch.inference_mode():  # per request: inference mode is a thread-local setting
            probabilities = self.model(normalise(image[None]))[0].softmax(dim=0)
        self.reply(200, {"digit": int(probabilities.argmax()),
                         "probabilities": [round(p, 4) for p in probabilities.tolist()]})

    def reply(self, status, answer):
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # quiet; a real service logs to its own logger
        pass


def serve(model_path, host="127.0.0.1", port=0):
    """A server answering on host:port (port 0: any free port) with the exported model."""
    PredictHandler.model = torch.export.load(model_path).module()
    return ThreadingHTTPServer((host, port), PredictHandler)
# --8<-- [end:service]

# --8<-- [start:client]
import http.client
import threading


def pgm(image):
    """A (H, W) uint8 tensor as the bytes of a binary PGM file."""
    height, width = image.shape
    return f"P5\n{width} {height}\n255\n".encode() + image.numpy().tobytes()


server = serve("mnist_cnn.pt2")
host, port = server.server_address
thread = threading.Thread(target=server.serve_forever, daemon=True)  # daemon: never blocks exit
thread.start()


def post(body, content_type="image/x-portable-graymap", path="/predict"):
    """POST `body` to the service; returns the status code and the decoded JSON answer."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


answers = []
for i in range(4):
    status, answer = post(pgm(test_file.data[i]))
    answers.append(answer)
    print(f"{status} true digit {test_labels[i].item()}: predicted {answer['digit']}, "
          f"p = {max(answer['probabilities']):.2f}")  # ±3 in the last digit
    #>
    assert answer["digit"] == logits[i].argmax().item()
# --8<-- [end:client]

# --8<-- [start:bad-requests]
digit = test_file.data[0]
bad_requests = {
    "wrong content type": post(json.dumps(digit.tolist()).encode(), content_type="application/json"),
    "not an image": post(b"\x89PNG\r\n\x1a\n" + bytes(100)),
    "wrong shape": post(pgm(torch.zeros(32, 32, dtype=torch.uint8))),
    "truncated image": post(pgm(digit)[:400]),
    "oversized body": post(pgm(torch.zeros(200, 200, dtype=torch.uint8))),
    "wrong path": post(pgm(digit), path="/predict/v2"),
}
for case, (status, answer) in bad_requests.items():
    print(f"{case:<18} {status} {answer['error']}")
    #>
    assert 400 <= status < 500

status, answer = post(pgm(digit))
print(f"and then a good request: {status}, digit {answer['digit']}")
#>
server.shutdown()  # stops serve_forever() ...
thread.join()  # ... so the thread ends
server.server_close()  # and the listening socket is closed
# --8<-- [end:bad-requests]
