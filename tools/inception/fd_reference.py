#!/usr/bin/python3
"""Reference Frechet distances for svg.nn.metrics.FrechetDistanceTest (numbers pasted into the test).

The feature sets are closed-form (sin/cos of the indices), so the Java test rebuilds them exactly. The distance is
computed in float64 two independent ways, neither of which is the Java code's route (eigendecomposition of
S1^{1/2} S2 S1^{1/2}):
  1. numpy: tr sqrt(S1 S2) = sum of sqrt(eigenvalues of the non-symmetric product S1 @ S2) (np.linalg.eigvals;
     the eigenvalues are real and >= 0 in exact arithmetic, rounding noise is clipped);
  2. torch: S1^{1/2} and S2^{1/2} from torch.linalg.eigh, then the cross term as the nuclear norm of
     S1^{1/2} S2^{1/2} (its singular values are the square roots of the eigenvalues of S1^{1/2} S2 S1^{1/2}),
     torch.linalg.matrix_norm(S1h @ S2h, 'nuc').
scipy is not used (not installed for /usr/bin/python3). Run: /usr/bin/python3 tools/inception/fd_reference.py
(Debian packages python3-torch 1.13 and python3-numpy 1.24)
"""
import numpy as np
import torch


def features(kind, n, d):
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(d, dtype=np.float64)[None, :]
    if kind == "x":
        return np.sin(0.37 * (i + 1) * (j + 1)) + 0.25 * np.cos(1.3 * i + 0.7 * j * j)
    if kind == "y":
        return 0.8 * np.sin(0.29 * (i + 2) * (j + 1) + 0.5) + 0.1 * j + 0.3 * np.cos(0.9 * i * j)
    if kind == "u":
        return np.sin(1.1 * i + 0.5 * j + 0.3 * i * j)
    if kind == "v":
        return np.cos(0.7 * i * j + 0.2 * j)
    raise ValueError(kind)


def fd_numpy(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ev = np.linalg.eigvals(s1 @ s2)
    cross = np.sqrt(np.clip(ev.real, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * cross)


def psd_sqrt(s):
    w, v = torch.linalg.eigh(s)
    return (v * w.clamp(min=0).sqrt()) @ v.T


def fd_torch(a, b):
    a, b = torch.from_numpy(a), torch.from_numpy(b)
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = torch.cov(a.T), torch.cov(b.T)
    cross = torch.linalg.matrix_norm(psd_sqrt(s1) @ psd_sqrt(s2), ord="nuc")
    return float(((mu1 - mu2) ** 2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * cross)


def main():
    cases = {
        "dense (x 40x5 vs y 30x5)": (features("x", 40, 5), features("y", 30, 5)),
        "singular (u 4x7 vs v 5x7)": (features("u", 4, 7), features("v", 5, 7)),
    }
    for name, (a, b) in cases.items():
        n1, n2 = fd_numpy(a, b), fd_torch(a, b)
        print(f"{name}: numpy {n1!r}  torch {n2!r}  |diff| {abs(n1 - n2):.3g}")
        print(f"   |mu1-mu2|^2 = {float(((a.mean(0) - b.mean(0)) ** 2).sum())!r}")


if __name__ == "__main__":
    main()
