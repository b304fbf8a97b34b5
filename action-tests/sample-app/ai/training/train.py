"""Offline training: writes full-precision checkpoints (large, build-time only) and exports the
small model the server loads. Deterministic, so every build exports the same weights."""
import argparse
import json
import os
import random
from array import array

FEATURES = 16
# Each checkpoint holds the optimiser state of a (pretend) full network: 2**20 doubles = 8 MiB.
CHECKPOINT_VALUES = 2**20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoints", required=True)
    parser.add_argument("--export", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(20240601)
    weights = [rng.uniform(-1.0, 1.0) for _ in range(FEATURES)]
    os.makedirs(args.checkpoints, exist_ok=True)
    for epoch in range(1, args.epochs + 1):
        weights = [w * 0.9 + rng.uniform(-0.1, 0.1) for w in weights]
        state = array("d", (rng.random() for _ in range(CHECKPOINT_VALUES)))
        with open(os.path.join(args.checkpoints, f"epoch-{epoch:03d}.ckpt"), "wb") as f:
            state.tofile(f)
    os.makedirs(os.path.dirname(args.export) or ".", exist_ok=True)
    model = {
        "version": f"sample-diagnosis-{args.epochs}e",
        "weights": [round(w, 6) for w in weights],
        "bias": 0.05,
        "threshold": 0.5,
    }
    with open(args.export, "w", encoding="utf-8") as f:
        json.dump(model, f, indent=1)
    print(f"exported {args.export} after {args.epochs} epochs")


if __name__ == "__main__":
    main()
