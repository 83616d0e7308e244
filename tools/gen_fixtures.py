#!/usr/bin/env python3
"""Regenerates the op conformance fixtures in Tests/TeenygradTests/Fixtures/ops/.

Usage: python3 tools/gen_fixtures.py        (numpy only; rewrites identical files on every run)

Every case is a named op over small deterministic inputs (numpy's default_rng seeded from the case name, so
adding a case leaves the others unchanged). For each case the fixture holds:
  - the inputs, float32-representable, written with the shortest float32 repr;
  - the reference output, computed in float64 by an independent numpy implementation (tools/fixtures_ref.py
    holds conv, transposed conv, pooling, PyTorch-style indexing, gather, attention);
  - for float outputs, the gradient of teenygrad's test loss L = mean((out + 1) ** 2) with respect to every
    input marked "grad": true, by central finite differences in float64 (checked against a second step size,
    so an input sitting on a kink of relu/abs/max/clip fails generation), or by an analytic vector-Jacobian
    product where differences cannot work (NaN/inf, exact ties, teenygrad's subgradient conventions);
  - tolerances (atol/rtol for values, grad_atol/grad_rtol for gradients).
optim.json instead holds optimizer trajectories on teenygrad's TinyNet (see tools/fixtures_optim.py).

NaN and infinities are written as the strings "nan", "inf" and "-inf". The Swift tests in
Tests/TeenygradTests/Ops*Tests.swift and Optim*Tests.swift map each case name to the Tensor expression
under test.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixtures_binary  # noqa: E402
import fixtures_creation  # noqa: E402
import fixtures_indexing  # noqa: E402
import fixtures_movement  # noqa: E402
import fixtures_nn  # noqa: E402
import fixtures_optim  # noqa: E402
import fixtures_reduce  # noqa: E402
import fixtures_unary  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TeenygradTests", "Fixtures", "ops")

BUILDERS = [fixtures_unary.build, fixtures_binary.build, fixtures_reduce.build, fixtures_movement.build,
            fixtures_indexing.build, fixtures_nn.build, fixtures_creation.build_creation,
            fixtures_creation.build_dtype, fixtures_optim.build]


def main():
  os.makedirs(OUT_DIR, exist_ok=True)
  total_bytes, total_cases = 0, 0
  for build in BUILDERS:
    suite = build()
    text = suite.dumps()
    path = os.path.join(OUT_DIR, f"{suite.area}.json")
    with open(path, "w") as f:
      f.write(text)
    total_bytes += len(text)
    total_cases += len(suite.cases)
    print(f"{suite.area + '.json':16} {len(suite.cases):4} cases {len(text) / 1024:8.1f} KiB")
  print(f"{'total':16} {total_cases:4} cases {total_bytes / 1024:8.1f} KiB")


if __name__ == "__main__":
  main()
