"""Wrong answers for chapters/09_transformers_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

SCORES = "scores = Q @ K.T / math.sqrt(Q.shape[1])"
SPLIT = "return x.reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)"
MERGE = "return y.transpose(0, 2, 1, 3).reshape(B, T, h * d)"
SOFTMAX_STEP = "dS = A * (dA - np.sum(dA * A, axis=1, keepdims=True))"
STEP_4 = "dQ = dS @ K / math.sqrt(d)\n    dK = dS.T @ Q / math.sqrt(d)"
GAP = "return float(np.max(np.abs(shuffled_first - shuffled_after)))"

WRONG = {
    "transformers-causal-mask": {
        "j < i: the diagonal masked too": swap("return j <= i", "return j < i", expect="itself"),
        "j >= i: the transposed mask": swap("return j <= i", "return j >= i", expect="transpose"),
        "0/1 integers instead of booleans": swap("return j <= i", "return (j <= i).astype(int)",
                                                 expect="dtype"),
        "nnlib's causal_mask": code('''
            def my_causal_mask(T):
                return attention.causal_mask(T)
        ''', expect="causal_mask"),
        "an all-True mask (no masking)": swap("return j <= i", "return np.ones((T, T), dtype=bool)"),
    },
    "transformers-attention": {
        "no division by sqrt(d)": swap(SCORES, "scores = Q @ K.T", expect="not divided by sqrt(d)"),
        "divided by d instead of sqrt(d)": swap("math.sqrt(Q.shape[1])", "Q.shape[1]",
                                                expect="divided by d instead"),
        "the softmax down the columns (axis 0)": swap(
            "scores.max(axis=1, keepdims=True)", "scores.max(axis=0, keepdims=True)",
            "weights.sum(axis=1, keepdims=True)", "weights.sum(axis=0, keepdims=True)", expect="axis 0"),
        "no subtraction of the maximum: overflow": swap(
            "    scores = scores - scores.max(axis=1, keepdims=True)\n", "", expect="overflow"),
        "out and weights returned in the wrong order": swap("return weights @ V, weights",
                                                            "return weights, weights @ V"),
        "K Qᵀ: the scores transposed": swap(SCORES, "scores = K @ Q.T / math.sqrt(Q.shape[1])"),
        "nnlib's attention": code('''
            def my_attention(Q, K, V):
                return attention.scaled_dot_product_attention(Q, K, V)
        ''', expect="scaled_dot_product_attention"),
    },
    "transformers-heads": {
        "a reshape straight to (B, h, T, d)": swap(SPLIT, "return x.reshape(B, n_heads, T, d)",
                                                   expect="reshaped straight"),
        "every h-th channel to one head (B, T, d, h)": swap(
            SPLIT, "return x.reshape(B, T, d, n_heads).transpose(0, 3, 1, 2)", expect="every h-th channel"),
        "split: the wrong transpose (B, h, d, T)": swap(SPLIT, "return x.reshape(B, T, n_heads, d).transpose(0, 2, 3, 1)",
                                                        expect="shape"),
        "merge: a reshape without transposing back": swap(MERGE, "return y.reshape(B, T, h * d)",
                                                          expect="transposing back"),
        "merge: the heads concatenated along the tokens": swap(
            MERGE, "return y.reshape(B, h * T, d)", expect="shape"),
    },
    "transformers-attention-backward": {
        "dS = A * dA: the row sums forgotten": swap(SOFTMAX_STEP, "dS = A * dA", expect="row sums"),
        "no 1/sqrt(d) in dQ and dK": swap(STEP_4, "dQ = dS @ K\n    dK = dS.T @ Q", expect="1/sqrt(d)"),
        "dK = dS Q: a missing transpose": swap("dK = dS.T @ Q", "dK = dS @ Q", expect="dK needs"),
        "dV = A G: a missing transpose": swap("dV = A.T @ G", "dV = A @ G", expect="dV needs"),
        "the row sums over axis 0 (columns)": swap("np.sum(dA * A, axis=1, keepdims=True)",
                                                   "np.sum(dA * A, axis=0, keepdims=True)"),
        "dA = Gᵀ V: the wrong product": swap("dA = G @ V.T", "dA = (G.T @ V).T"),
        "nnlib's backward pass": code('''
            def my_attention_backward(G, Q, K, V, A):
                return attention.scaled_dot_product_attention_backward(G, Q, K, V, A)
        ''', expect="scaled_dot_product_attention_backward"),
    },
    "transformers-positions": {
        "compared with the unshuffled output (invariance)": swap(
            "shuffled_after = layer(x)[:, perm]", "shuffled_after = layer(x)", expect="the identity"),
        "the signed difference, no abs": swap(GAP, "return float(np.max(shuffled_first - shuffled_after))"),
        "the permutation on the batch axis": swap("shuffled_first = layer(x[:, perm])",
                                                  "shuffled_first = layer(x[perm])",
                                                  "shuffled_after = layer(x)[:, perm]",
                                                  "shuffled_after = layer(x)[perm]"),
        "no tolerance: rounding counts as order": swap("> tol:", "> 0:", expect="plain_attention"),
        "only the identity permutation tried": swap("r.permutation(T)", "np.arange(T)",
                                                    expect="positions_then_attention"),
        "the verdict the wrong way round": swap("            return False\n    return True",
                                                "            return True\n    return False"),
    },
    "transformers-block": {
        "no positions": swap("x = W_E[ids] + P[:T]", "x = W_E[ids]", expect="positions are missing"),
        "the whole position table added": swap("x = W_E[ids] + P[:T]", "x = W_E[ids] + P",
                                               expect="broadcast"),
        "the post-norm order": swap("h = x + block.attn(block.ln1(x))", "h = block.ln1(x + block.attn(x))",
                                    "return h + block.mlp(block.ln2(h))", "return block.ln2(h + block.mlp(h))",
                                    expect="post-norm"),
        "the MLP half normalises x, not h": swap("return h + block.mlp(block.ln2(h))",
                                                 "return h + block.mlp(block.ln2(x))", expect="normalise h"),
        "no residual around the MLP": swap("return h + block.mlp(block.ln2(h))",
                                           "return block.mlp(block.ln2(h))"),
        "layer norm 1 in both halves": swap("return h + block.mlp(block.ln2(h))",
                                            "return h + block.mlp(block.ln1(h))"),
    },
    "transformers-count-block": {
        "attention without biases": swap("attention_params = 4 * (C * C + C)", "attention_params = 4 * C * C",
                                         expect="attention projections need their biases"),
        "an MLP without biases": swap("mlp_params = (C * M + M) + (M * C + C)", "mlp_params = 2 * C * M",
                                      expect="MLP's two layers need their biases"),
        "one layer norm": swap("norms = 2 * (2 * C)", "norms = 2 * C", expect="two layer norms"),
        "only three projections": swap("attention_params = 4 * (C * C + C)",
                                       "attention_params = 3 * (C * C + C)"),
        "the MLP as 4C whatever M": swap("mlp_params = (C * M + M) + (M * C + C)",
                                         "mlp_params = 8 * C * C + 5 * C"),
    },
    "transformers-count-gpt2": {
        "the head counted although tied": swap("head = 0 if tied else C * V", "head = C * V",
                                               expect="although it is tied"),
        "the head never counted": swap("head = 0 if tied else C * V", "head = 0", expect="untied head"),
        "no final layer norm": swap("final_norm = 2 * C", "final_norm = 0", expect="final layer norm"),
        "no position table": swap("embeddings = V * C + context_length * C", "embeddings = V * C",
                                  expect="learned positions"),
        "a bias on the untied head": swap("head = 0 if tied else C * V", "head = 0 if tied else C * V + V"),
        "tied read the wrong way round": swap("head = 0 if tied else C * V", "head = C * V if tied else 0"),
    },
    "transformers-read-map": {
        "argmin instead of argmax": swap("weights[1:].argmax(axis=1)", "weights[1:].argmin(axis=1)"),
        "the largest weight down the columns": swap("weights[1:].argmax(axis=1)", "weights[1:].argmax(axis=0)"),
        "previous compared with i + 1": swap("top == queries - 1", "top == queries + 1"),
        "the pattern with the fewest votes": swap("max(votes, key=votes.get)", "min(votes, key=votes.get)"),
        "the votes returned instead of the name": swap("return max(votes, key=votes.get)", "return votes"),
    },
    "transformers-sorting": {
        "the loss on every position": swap("out = slice(n_in, None)", "out = slice(None)",
                                           expect="the loss it returns"),
        "targets not shifted: predicting the current token": swap(
            "inputs, targets = seqs[:, :-1], seqs[:, 1:]", "inputs, targets = seqs[:, :-1], seqs[:, :-1]",
            expect="the loss it returns"),
        "the output positions one too late": swap("out = slice(n_in, None)", "out = slice(n_in + 1, None)"),
        "no zero_grad: stale gradients": swap("    optimizer.zero_grad()\n", "", expect="gradient"),
        "the optimizer step before the backward pass": swap(
            "    model.backward(dlogits)\n    optimizer.step()\n", "    optimizer.step()\n    model.backward(dlogits)\n",
            expect="gradient"),
        "the gradient of every position backpropagated": code('''
            def sorting_step(model, optimizer, seqs, n_in):
                loss_fn = nnlib.CrossEntropyLoss()
                inputs, targets = seqs[:, :-1], seqs[:, 1:]
                optimizer.zero_grad()
                logits = model(inputs)
                loss = nnlib.CrossEntropyLoss()(logits[:, n_in:], targets[:, n_in:])
                loss_fn(logits, targets)
                model.backward(loss_fn.backward())
                optimizer.step()
                return loss
        ''', expect="gradient"),
    },
}
