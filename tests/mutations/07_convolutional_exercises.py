"""Wrong answers for chapters/07_convolutional_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

WINDOW = "out[n, o, r, c] = np.sum(window * W[o]) + b[o]"
DX = "dx[n, c] += correlate_valid(padded, W[o, c, ::-1, ::-1])"
OFFSET = "cols[:, i, j] = xp[:, :, i:i + Ho, j:j + Wo].transpose(1, 0, 2, 3)"
HEAD = "head = [nnlib.Flatten(), nnlib.Linear(2 * c * 2 * 2, 10, rng=r)]"

WRONG = {
    "cnn-params": {
        "no bias in the dense layer": swap("dense = n_in * n_out + n_out", "dense = n_in * n_out",
                                          expect="dense layer's biases"),
        "no bias in the convolution": swap("conv = C_out * C_in * k * k + C_out",
                                           "conv = C_out * C_in * k * k", expect="convolution's biases"),
        "the kernel ignores the input channels": swap("conv = C_out * C_in * k * k + C_out",
                                                      "conv = C_out * k * k + C_out",
                                                      expect="every input channel"),
        "a kernel per position (no weight sharing)": swap(
            "conv = C_out * C_in * k * k + C_out", "conv = (C_out * C_in * k * k + C_out) * H * W"),
        "the dense layer forgets the channels": swap("n_in, n_out = C_in * H * W, C_out * H * W",
                                                     "n_in, n_out = H * W, H * W"),
    },
    "cnn-conv-loops": {
        "the kernel flipped (a true convolution)": swap(WINDOW,
                                                        "out[n, o, r, c] = np.sum(window * W[o, :, ::-1, ::-1]) + b[o]",
                                                        expect="flipped"),
        "the bias forgotten": swap(WINDOW, "out[n, o, r, c] = np.sum(window * W[o])",
                                   expect="bias is missing"),
        "the stride ignored when placing the window": swap("r0, c0 = r * stride, c * stride", "r0, c0 = r, c"),
        "the output size without the + 1": swap("H_out = (H + 2 * p - k) // stride + 1",
                                                "H_out = (H + 2 * p - k) // stride"),
        "no padding": swap("xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))", "xp = x"),
        "only the first input channel": swap("window = xp[n, :, r0:r0 + k, c0:c0 + k]",
                                             "window = xp[n, :1, r0:r0 + k, c0:c0 + k]"),
        "nnlib's layer, the shortcut": code('''
            def my_conv2d(x, W, b, stride=1, padding=0):
                layer = nnlib.Conv2d(W.shape[1], W.shape[0], W.shape[2], stride=stride,
                                     padding=padding)
                layer.W.data[...], layer.b.data[...] = W, b
                return layer(x)
        ''', expect="nnlib.Conv2d"),
    },
    "cnn-receptive-field": {
        "the strides ignored": swap("r += (k - 1) * jump", "r += k - 1", expect="strides are ignored"),
        "the spacing updated before the kernel is added": swap(
            "        r += (k - 1) * jump\n        jump *= s",
            "        jump *= s\n        r += (k - 1) * jump", expect="before its own kernel"),
        "a layer's own stride times its kernel": swap("r += (k - 1) * jump", "r += (k - 1) * s"),
        "k instead of k - 1 per layer": swap("r += (k - 1) * jump", "r += k * jump"),
    },
    "cnn-maxpool": {
        "the mean of each window": swap("max(axis=(3, 5))", "mean(axis=(3, 5))", expect="average pooling"),
        "the window axes in the wrong place of the reshape": swap(
            "x.reshape(N, C, Ho, k, Wo, k).max(axis=(3, 5))",
            "x.reshape(N, C, k, Ho, k, Wo).max(axis=(2, 4))"),
        "partial windows not dropped": swap("x = x[:, :, :Ho * k, :Wo * k]", "pass"),
        "the max over one window axis only": swap("max(axis=(3, 5))", "max(axis=3).max(axis=3)"),
        "nnlib's layer, the shortcut": code('''
            def my_maxpool(x, k):
                return nnlib.MaxPool2d(k)(x)
        ''', expect="nnlib.MaxPool2d"),
    },
    "cnn-backward": {
        "dx with the kernel not flipped": swap(DX, "dx[n, c] += correlate_valid(padded, W[o, c])",
                                               expect="unflipped"),
        "db as a mean": swap("db = dout.sum(axis=(0, 2, 3))", "db = dout.mean(axis=(0, 2, 3))",
                             expect="mean"),
        "db summed over the batch only": swap("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=0)"),
        "dout padded with k zeros instead of k - 1": swap("padded = np.pad(dout[n, o], k - 1)",
                                                          "padded = np.pad(dout[n, o], k)"),
        "dW from the first image only": swap("dW[o, c] += correlate_valid(x[n, c], dout[n, o])",
                                             "dW[o, c] = correlate_valid(x[n, c], dout[n, o])"),
        "dx from the last output channel only": swap(DX, "dx[n, c] = correlate_valid(padded, W[o, c, ::-1, ::-1])"),
    },
    "cnn-im2col": {
        "the batch and channel axes not swapped": swap(OFFSET, "cols[:, i, j] = xp[:, :, i:i + Ho, j:j + Wo]"),
        "rows and columns of the offset exchanged": swap(
            OFFSET, "cols[:, i, j] = xp[:, :, j:j + Ho, i:i + Wo].transpose(1, 0, 2, 3)"),
        "windows as rows, transposed": swap("return cols.reshape(C * k * k, N * Ho * Wo)",
                                            "return cols.reshape(N * Ho * Wo, C * k * k)"),
        "the channel axis last in a row": swap("cols = np.empty((C, k, k, N, Ho, Wo))",
                                               "cols = np.empty((k, k, C, N, Ho, Wo))",
                                               "cols[:, i, j] = ", "cols[i, j] = "),
        "sliding_window_view, the shortcut": code('''
            def my_im2col(xp, k):
                from numpy.lib.stride_tricks import sliding_window_view
                w = sliding_window_view(xp, (k, k), axis=(2, 3))
                return w.transpose(1, 4, 5, 0, 2, 3).reshape(xp.shape[1] * k * k, -1)
        ''', expect="sliding_window_view"),
    },
    "cnn-digits": {
        "the Linear layer sized for one map": swap(HEAD, "head = [nnlib.Flatten(), nnlib.Linear(2 * c, 10, rng=r)]"),
        "no padding: the maps shrink": swap(
            "nnlib.Conv2d(1, c, 3, padding=1, rng=r)", "nnlib.Conv2d(1, c, 3, rng=r)",
            "nnlib.Conv2d(c, 2 * c, 3, padding=1, rng=r)", "nnlib.Conv2d(c, 2 * c, 3, rng=r)"),
        "c channels in the second block too": swap(
            "nnlib.Conv2d(c, 2 * c, 3, padding=1, rng=r)", "nnlib.Conv2d(c, c, 3, padding=1, rng=r)",
            HEAD, "head = [nnlib.Flatten(), nnlib.Linear(c * 2 * 2, 10, rng=r)]"),
        "the second ReLU forgotten": swap(
            "nnlib.Conv2d(c, 2 * c, 3, padding=1, rng=r), nnlib.ReLU(),",
            "nnlib.Conv2d(c, 2 * c, 3, padding=1, rng=r),"),
        "a dense hidden layer instead of the second block": code('''
            def my_digits_cnn(c, seed):
                r = np.random.default_rng(seed)
                return nnlib.Sequential(
                    nnlib.Conv2d(1, c, 3, padding=1, rng=r), nnlib.ReLU(), nnlib.MaxPool2d(2),
                    nnlib.Flatten(), nnlib.Linear(16 * c, 10, rng=r))
        '''),
    },
    "cnn-edge-match": {
        "no absolute value": swap("return np.abs(a @ e.T).max(axis=1)", "return (a @ e.T).max(axis=1)",
                                  expect="no absolute value"),
        "the edges not normalised": swap("e = e / np.linalg.norm(e, axis=1, keepdims=True)", "pass"),
        "the kernels not normalised": swap("a = a / np.linalg.norm(a, axis=1, keepdims=True)", "pass"),
        "the max over the kernels instead of the edges": swap(
            "return np.abs(a @ e.T).max(axis=1)", "return np.abs(a @ e.T).max(axis=0)"),
        "the mean instead of the best match": swap(
            "return np.abs(a @ e.T).max(axis=1)", "return np.abs(a @ e.T).mean(axis=1)"),
        "a loop over the kernels": swap(
            "return np.abs(a @ e.T).max(axis=1)",
            "return np.array([np.abs(e @ row).max() for row in a])", expect="loops"),
    },
}
