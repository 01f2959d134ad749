"""Wrong answers for chapters/10_scale_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

FLOPS = "return (2 + 4) * float(n_params) * float(n_tokens)"
N_CHECK = ('    if n_params <= 0:\n'
           '        raise ValueError(f"n_params must be positive, got {n_params}")\n')
MASTER = "        per_param += 3 * master_bytes"
OPTIMAL = "n_params = np.sqrt(flops / (6 * tokens_per_param))"
FIT = "slope, intercept = np.polyfit(np.log(n_params), np.log(excess), 1)"
FLOOR = "k = int(np.floor(np.log(target) / np.log(p) + 1e-9))"
SERIAL = "return (1 / speedup - 1 / p) / (1 - 1 / p)"
RING = "return 2 * (workers - 1) / workers * gradient_bytes"

WRONG = {
    "scale-flops": {
        "forward pass only (2 N D)": swap(FLOPS, "return 2 * float(n_params) * float(n_tokens)",
                                          expect="forward pass only"),
        "backward pass only (4 N D)": swap(FLOPS, "return 4 * float(n_params) * float(n_tokens)",
                                           expect="backward pass only"),
        "N + D instead of N D": swap(FLOPS, "return 6 * (float(n_params) + float(n_tokens))"),
        "the tokens forgotten": swap(FLOPS, "return 6 * float(n_params)", expect="tokens are missing"),
        "no check of n_params": swap(N_CHECK, "", expect="ValueError"),
        "a message that does not name the argument": swap(
            '"n_tokens must be positive, got {n_tokens}"', '"must be positive"', expect="n_tokens"),
    },
    "scale-adam-memory": {
        "the gradients forgotten": swap("per_param = 2 * compute_bytes", "per_param = compute_bytes",
                                        expect="three numbers per parameter"),
        "only one of m and v": swap("        per_param += 2 * compute_bytes", "        per_param += compute_bytes",
                                    expect="three numbers per parameter"),
        "no master copy in mixed precision": swap(MASTER, "        per_param += 2 * master_bytes",
                                                  expect="keeps five numbers"),
        "m and v at compute_bytes in mixed precision": swap(
            MASTER, "        per_param += 2 * compute_bytes + master_bytes", expect="m and v are kept at master_bytes"),
        "master_bytes ignored altogether": swap(
            "    if master_bytes is None:\n        per_param += 2 * compute_bytes\n    else:\n"
            "        per_param += 3 * master_bytes\n", "    per_param += 2 * compute_bytes\n"),
    },
    "scale-compute-optimal": {
        "the 6 forgotten": swap(OPTIMAL, "n_params = np.sqrt(flops / tokens_per_param)", expect="6 is missing"),
        "D = N / r": swap("n_tokens = tokens_per_param * n_params", "n_tokens = n_params / tokens_per_param",
                          expect="D = N / r"),
        "no square root": swap(OPTIMAL, "n_params = flops / (6 * tokens_per_param)", expect="no square root"),
        "r fixed at 20 (the argument ignored)": swap(
            OPTIMAL, "n_params = np.sqrt(flops / (6 * 20))"),
    },
    "scale-power-law": {
        "alpha is the slope (a sign error)": swap("return -slope, np.exp(intercept)",
                                                  "return slope, np.exp(intercept)", expect="sign"),
        "the floor not subtracted": swap("excess = np.asarray(loss, dtype=float) - floor",
                                         "excess = np.asarray(loss, dtype=float)",
                                         "    if np.any(excess <= 0):\n", "    if np.any(excess <= floor):\n",
                                         expect="floor is not subtracted"),
        "a = 10**intercept": swap("return -slope, np.exp(intercept)", "return -slope, 10 ** intercept",
                                  expect="natural logarithm"),
        "x and y swapped in the fit": swap(FIT, "slope, intercept = np.polyfit(np.log(excess), np.log(n_params), 1)"),
        "a straight line in log L against N (semi-log)": swap(
            FIT, "slope, intercept = np.polyfit(n_params, np.log(excess), 1)"),
        "no refusal at the floor: log of zero": swap(
            '    if np.any(excess <= 0):\n        raise ValueError(f"every loss must be above the floor {floor}")\n',
            "", expect="ValueError"),
    },
    "scale-exact-match": {
        "exact match over the wrong axis": swap("exact_match = correct.all(axis=1).mean()",
                                                "exact_match = correct.all(axis=0).mean()", expect="wrong axis"),
        "any instead of all": swap("exact_match = correct.all(axis=1).mean()",
                                   "exact_match = correct.any(axis=1).mean()", expect="any instead of all"),
        "p times k": swap("return p, exact_match, p ** k", "return p, exact_match, p * k", expect="p times k"),
        "p to the power k - 1": swap("return p, exact_match, p ** k", "return p, exact_match, p ** (k - 1)"),
        "p from the first position only": swap("p = correct.mean()", "p = correct[:, 0].mean()"),
    },
    "scale-answer-length": {
        "rounded up": swap(FLOOR, "k = int(np.ceil(np.log(target) / np.log(p)))", expect="rounded up"),
        "one token too many": swap(FLOOR, "k = int(np.floor(np.log(target) / np.log(p) + 1e-9)) + 1",
                                   expect="off by one"),
        "the quotient upside down": swap(FLOOR, "k = int(np.floor(np.log(p) / np.log(target) + 1e-9))"),
        "no tolerance: 0.5^2 = 0.25 is lost to rounding": swap(
            FLOOR, "k = int(np.floor(np.log(target) / np.log(p) - 1e-9))"),
        "p = 1 accepted": swap("if not 0 < p < 1:", "if not 0 < p <= 1:", expect="ValueError"),
    },
    "scale-amdahl": {
        "the p = 2 formula for every p": swap(SERIAL, "return 2 / speedup - 1", expect="p = 2 only"),
        "1 - 1/S": swap(SERIAL, "return 1 - 1 / speedup", expect="fraction of time saved"),
        "1/S": swap(SERIAL, "return 1 / speedup", expect="time that is left"),
        "slowdowns accepted": swap("if speedup > p or speedup < 1:", "if speedup > p:", expect="ValueError"),
        "the 1 - 1/p denominator forgotten": swap(SERIAL, "return 1 / speedup - 1 / p"),
        "Amdahl's speed-up upside down": code('''
            def amdahl_speedup(f, p):
                return f + (1 - f) / p


            def serial_fraction(speedup, p):
                if speedup > p or speedup < 1:
                    raise ValueError(f"Amdahl's law allows speed-ups from 1 to p={p}, got {speedup}")
                return (1 / speedup - 1 / p) / (1 - 1 / p)
        '''),
    },
    "scale-allreduce": {
        "the factor 2 forgotten": swap(RING, "return (workers - 1) / workers * gradient_bytes",
                                       expect="factor 2 is missing"),
        "p - 1 without / p": swap(RING, "return 2 * (workers - 1) * gradient_bytes", expect="without the division"),
        "p instead of p - 1": swap(RING, "return 2 * workers / workers * gradient_bytes", expect="one worker sends nothing"),
        "the gradients in bits, not bytes": swap("gradient_bytes = n_params * bytes_per_value",
                                                 "gradient_bytes = n_params * bytes_per_value * 8"),
        "zero workers accepted": swap("if workers < 1:", "if workers < 0:", expect="ValueError"),
    },
}
