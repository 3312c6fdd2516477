# A linear model y_hat = x * w, and the weight found by trying every w on a grid.
# Run it: python snippets/basics/linear_model.py

# --8<-- [start:data]
x_data = [1.0, 2.0, 3.0]  # hours studied
y_data = [2.0, 4.0, 6.0]  # points scored
# --8<-- [end:data]


# --8<-- [start:model]
def forward(x, w):
    """The model: a prediction y_hat for input x, given the weight w."""
    return x * w


def loss(x, y, w):
    """Squared error of one prediction."""
    y_hat = forward(x, w)
    return (y_hat - y) ** 2


def cost(w):
    """Mean squared error (MSE) over the whole dataset."""
    return sum(loss(x, y, w) for x, y in zip(x_data, y_data)) / len(x_data)
# --8<-- [end:model]


# --8<-- [start:one-weight]
w = 3.0
for x, y in zip(x_data, y_data):
    print(f"x = {x}, y = {y}, y_hat = {forward(x, w)}, loss = {loss(x, y, w)}")
    #> x = 1.0, y = 2.0, y_hat = 3.0, loss = 1.0
    #> x = 2.0, y = 4.0, y_hat = 6.0, loss = 4.0
    #> x = 3.0, y = 6.0, y_hat = 9.0, loss = 9.0
print(f"MSE at w = {w}: {cost(w):.3f}")
#> MSE at w = 3.0: 4.667
# --8<-- [end:one-weight]

# --8<-- [start:grid-search]
w_list = [i / 10 for i in range(41)]  # 0.0, 0.1, ..., 4.0 (no float drift)
mse_list = [cost(w) for w in w_list]

for w, mse in zip(w_list[::5], mse_list[::5]):  # every 0.5, to keep the table short
    print(f"w = {w:.1f}   MSE = {mse:6.3f}")
    #> w = 0.0   MSE = 18.667
    #> w = 0.5   MSE = 10.500
    #> w = 1.0   MSE =  4.667
    #> w = 1.5   MSE =  1.167
    #> w = 2.0   MSE =  0.000
    #> w = 2.5   MSE =  1.167
    #> w = 3.0   MSE =  4.667
    #> w = 3.5   MSE = 10.500
    #> w = 4.0   MSE = 18.667

best = min(range(len(w_list)), key=lambda i: mse_list[i])
print(f"lowest MSE {mse_list[best]:.3f} at w = {w_list[best]:.1f}")
#> lowest MSE 0.000 at w = 2.0
print(f"prediction for x = 4: {forward(4.0, w_list[best]):.1f}")
#> prediction for x = 4: 8.0
# --8<-- [end:grid-search]


# --8<-- [start:with-bias]
def forward_wb(x, w, b):
    return x * w + b


def cost_wb(w, b):
    return sum((forward_wb(x, w, b) - y) ** 2 for x, y in zip(x_data, y_data)) / len(x_data)


b_list = [(i - 20) / 10 for i in range(41)]  # -2.0, -1.9, ..., 2.0 (integers first: no drift)
cost_grid = [[cost_wb(w, b) for w in w_list] for b in b_list]  # rows: b, columns: w

mse, w_best, b_best = min(
    (cost_grid[i][j], w_list[j], b_list[i])
    for i in range(len(b_list))
    for j in range(len(w_list))
)
print(f"{len(w_list) * len(b_list)} models tried; lowest MSE {mse:.3f} at w = {w_best:.1f}, b = {b_best:.1f}")
#> 1681 models tried; lowest MSE 0.000 at w = 2.0, b = 0.0
# --8<-- [end:with-bias]

# --8<-- [start:exercise-line]
# Exercise 1: the data now lie on y = 3x + 1. Search w in [0, 4] and b in [-2, 2].
ys = [3 * x + 1 for x in x_data]  # 4, 7, 10
mse, w_fit, b_fit = min(
    (sum((x * w + b - y) ** 2 for x, y in zip(x_data, ys)) / len(ys), w, b)
    for w in w_list
    for b in b_list
)
print(f"w = {w_fit:.1f}, b = {b_fit:.1f}, MSE = {mse:.3f}")
#> w = 3.0, b = 1.0, MSE = 0.000
assert abs(w_fit - 3.0) < 1e-9 and abs(b_fit - 1.0) < 1e-9
# --8<-- [end:exercise-line]

# --8<-- [start:exercise-outlier]
# Exercise 2: one wrong label (x = 4 scored 20, not 8). Which w does each loss pick?
xs, ys = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 20.0]


def best_w(point_loss):
    return min(w_list, key=lambda w: sum(point_loss(x * w - y) for x, y in zip(xs, ys)))


w_mse = best_w(lambda e: e**2)  # squared error
w_mae = best_w(abs)  # absolute error
print(f"MSE picks w = {w_mse:.1f}, MAE picks w = {w_mae:.1f}")
#> MSE picks w = 3.6, MAE picks w = 2.0
assert w_mae == 2.0 and abs(w_mse - 3.6) < 1e-9  # the square lets one outlier drag the fit
# --8<-- [end:exercise-outlier]

# --8<-- [start:exercise-count]
# Exercise 3: a grid with step 0.001 on [0, 4], for one parameter and for three.
points_per_param = round((4.0 - 0.0) / 0.001) + 1  # 0.000, 0.001, ..., 4.000
print(f"{points_per_param} points per parameter, {points_per_param**3:.2e} models for 3 parameters")
#> 4001 points per parameter, 6.40e+10 models for 3 parameters
assert points_per_param == 4001
# --8<-- [end:exercise-count]
