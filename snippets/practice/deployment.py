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
batches = torch.randperm(len(train_images)).split(64)  # one epoch of the subset
scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, total_iters=len(batches))  # lr falls to 0
start = time.perf_counter()
model.train()
for batch in batches:
    loss = F.cross_entropy(model(train_images[batch].to(device)), train_labels[batch].to(device))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
print(f"trained on {len(train_images):,} images in {time.perf_counter() - start:.1f} s")
#> trained on 15,000 images in 11.0 s
model = model.cpu().eval()  # what we deploy: on the CPU, in evaluation mode
# --8<-- [end:train]

# --8<-- [start:inference-mode]
with torch.inference_mode():
    logits = model(test_images)
accuracy = (logits.argmax(dim=1) == test_labels).float().mean().item()
print(f"test accuracy {accuracy:.1%}")  # ±1 in the last digit
#> test accuracy 96.8%
print(f"requires_grad {logits.requires_grad}, inference tensor {logits.is_inference()}")
#> requires_grad False, inference tensor True

weights = torch.ones(10, requires_grad=True)
try:
    (logits * weights).sum().backward()  # autograd would have to save `logits` for backward
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}")
    #> RuntimeError: Inference tensors cannot be saved for backward
# --8<-- [end:inference-mode]

# --8<-- [start:export]
import os

batch = torch.export.Dim("batch", min=1, max=1024)  # the first dimension may vary in [1, 1024]
example = test_images[:8].clone()  # a clone: the file keeps the example, and a slice would keep all 10,000
program = torch.export.export(model, (example,), dynamic_shapes={"x": {0: batch}})
print(" -> ".join(node.target.__name__.split(".")[0] for node in program.graph.nodes if node.op == "call_function"))
#> conv2d -> max_pool2d -> relu -> conv2d -> max_pool2d -> relu -> flatten -> linear
print(f"batch sizes allowed: {list(program.range_constraints.values())}")
#> batch sizes allowed: [VR[1, 1024]]

torch.export.save(program, "mnist_cnn.pt2")
print(f"mnist_cnn.pt2: {os.path.getsize('mnist_cnn.pt2') / 1024:.0f} KiB")
#> mnist_cnn.pt2: 75 KiB
exported = torch.export.load("mnist_cnn.pt2").module()  # a GraphModule: call it like the model
for n in (1, 7, 1000):
    with torch.inference_mode():
        same = torch.equal(exported(test_images[:n]), model(test_images[:n]))
    print(f"batch of {n:>4}: exported == eager: {same}")
    #> batch of    1: exported == eager: True
    #> batch of    7: exported == eager: True
    #> batch of 1000: exported == eager: True
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
#> [('x', ['batch', 1, 28, 28])] [('logits', ['batch', 10])]

(onnx_logits,) = session.run(None, {"x": test_images.numpy()})  # numpy in, numpy out
difference = np.abs(onnx_logits - logits.numpy()).max()
print(f"ONNX vs eager on 10,000 test images: max |difference| < 1e-4: {difference < 1e-4}, "
      f"same digits: {np.array_equal(onnx_logits.argmax(axis=1), logits.argmax(dim=1).numpy())}")
#> ONNX vs eager on 10,000 test images: max |difference| < 1e-4: True, same digits: True
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
        print(f"{name:<12} batch {batch_size:>3}: {1000 * seconds:.2f} ms, {batch_size / seconds:,.0f} images/s")
        #> eager        batch   1: 0.40 ms, 2,485 images/s
        #> eager        batch 256: 52.63 ms, 4,864 images/s
        #> torch.export batch   1: 0.64 ms, 1,555 images/s
        #> torch.export batch 256: 54.29 ms, 4,715 images/s
        #> onnxruntime  batch   1: 0.05 ms, 20,843 images/s
        #> onnxruntime  batch 256: 25.61 ms, 9,995 images/s
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
            if not length.isdecimal():  # isdigit() would let "²" through, and int("²") raises
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


def post(body, content_type="image/x-portable-graymap", path="/predict", headers=None):
    """POST `body` to the service; returns the status code and the decoded JSON answer."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


digits = test_file.data[:4]  # four real test images, uint8 (28, 28) each
answers = []
for image, label, eager_logits in zip(digits, test_labels, logits):
    status, answer = post(pgm(image))
    answers.append(answer)
    print(f"{status} true digit {label}: predicted {answer['digit']}, "
          f"p = {max(answer['probabilities']):.2f}")
    #> 200 true digit 7: predicted 7, p = 1.00
    #> 200 true digit 2: predicted 2, p = 0.99
    #> 200 true digit 1: predicted 1, p = 1.00
    #> 200 true digit 0: predicted 0, p = 1.00
    assert answer["digit"] == eager_logits.argmax().item()

doubtful = int(logits.softmax(dim=1).max(dim=1).values.argmin())  # the test image the model doubts most
doubtful_image = test_file.data[doubtful]
status, doubtful_answer = post(pgm(doubtful_image))
top = max(doubtful_answer["probabilities"])
print(f"{status} the test image the model doubts most: top probability below 0.5: {top < 0.5}")
#> 200 the test image the model doubts most: top probability below 0.5: True
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
    "bad Content-Length": post(pgm(digit), headers={"Content-Length": "\u00b2"}),  # "²": a digit, not a number
}
for case, (status, answer) in bad_requests.items():
    print(f"{case:<18} {status} {answer['error']}")
    #> wrong content type 415 send Content-Type: image/x-portable-graymap (a binary PGM)
    #> not an image       400 the body is not a binary PGM image (it must start with P5)
    #> wrong shape        422 the image is 32x32; the model reads 28x28 digits
    #> truncated image    400 a 28x28 PGM with maxval 255 has 784 pixel bytes; this one has maxval 255 and 387 bytes
    #> oversized body     413 the body has 40,015 bytes; the limit is 4,096
    #> wrong path         404 POST images to /predict
    #> bad Content-Length 400 Content-Length must be a number of bytes
    assert 400 <= status < 500

status, answer = post(pgm(digit))
print(f"and then a good request: {status}, digit {answer['digit']}")
#> and then a good request: 200, digit 7
server.shutdown()  # stops serve_forever() ...
thread.join()  # ... so the thread ends
server.server_close()  # and the listening socket is closed
# --8<-- [end:bad-requests]

# --8<-- [start:exercise-train-mode]
# Exercise 1: export a model with dropout while it is in training mode.
torch.manual_seed(0)
dropout_model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(64, 10))
in_training = torch.export.export(dropout_model.train(), (example,)).module()
with torch.inference_mode():
    print(f"exported in training mode: two calls equal {torch.equal(in_training(example), in_training(example))}")
    #> exported in training mode: two calls equal False
try:
    in_training.eval()
except NotImplementedError as error:
    print(f"and .eval() on it: NotImplementedError: {error}")
    #> and .eval() on it: NotImplementedError: Calling eval() is not supported yet.
in_eval = torch.export.export(dropout_model.eval(), (example,)).module()
with torch.inference_mode():
    assert torch.equal(in_eval(example), in_eval(example))
# --8<-- [end:exercise-train-mode]

# --8<-- [start:exercise-health]
# Exercise 2: a GET /health endpoint that says the service is up.
class HealthHandler(PredictHandler):
    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, {"status": "ok"})
        self.reply(404, {"error": "GET /health, or POST images to /predict"})


health_server = ThreadingHTTPServer(("127.0.0.1", 0), HealthHandler)
health_thread = threading.Thread(target=health_server.serve_forever, daemon=True)
health_thread.start()
connection = http.client.HTTPConnection(*health_server.server_address, timeout=10)
connection.request("GET", "/health")
response = connection.getresponse()
print(response.status, json.loads(response.read()))
#> 200 {'status': 'ok'}
connection.close()
health_server.shutdown()
health_thread.join()
health_server.server_close()
# --8<-- [end:exercise-health]

# --8<-- [start:exercise-batch-range]
# Exercise 3: 2,000 images at once, to the exported program and to the ONNX session.
many = test_images[:2000]
try:
    with torch.inference_mode():
        exported(many)
except AssertionError as error:
    print(f"torch.export: {type(error).__name__}: {error}")
    #> torch.export: AssertionError: Guard failed: x.size()[0] <= 1024
print(f"onnxruntime: {session.run(None, {'x': many.numpy()})[0].shape}")
#> onnxruntime: (2000, 10)
# --8<-- [end:exercise-batch-range]
