"""Record what PyTorch computes for every program here (needs torch installed):

    python tests/pytorch_programs/record_reference.py

writes reference_weights.npz (each program's initial weights, as PyTorch drew them) and
reference_results.json (its losses, predictions and samples, float64). The tests run the
same programs on tinygrad_rnn from those weights and compare (no torch needed there).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import harness  # noqa: E402


def record() -> None:
    weights, results = {}, {}
    for name in harness.PROGRAMS:
        program = harness.load(name, "torch")
        _, initial = program.main(epochs=0)
        start = harness.weights_of(initial)
        numbers, _ = program.main(harness.weights_argument(program, name, start))
        weights.update({f"{name}/{key}": value for key, value in start.items()})
        results[name] = numbers
        print(f"{name}: {len(start)} weight arrays, {sorted(numbers)}")
    np.savez_compressed(harness.REFERENCE_WEIGHTS, **weights)
    harness.REFERENCE_RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    record()
