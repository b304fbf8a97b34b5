"""The diagnosis model: a logistic classifier over features derived from the image reference.

The sample has no image decoder (standard library only), so the features are a stable hash of the
image URL: the same URL always gets the same answer, which is what the end-to-end tests check.
"""
import hashlib
import json
import math
import os

FEATURES = 16


def load(path=None):
    with open(path or os.environ.get("MODEL_PATH", "model/weights.json"), encoding="utf-8") as f:
        model = json.load(f)
    if len(model["weights"]) != FEATURES:
        raise ValueError(f"model has {len(model['weights'])} weights, expected {FEATURES}")
    return model


def features(image_url):
    digest = hashlib.sha256(image_url.encode("utf-8")).digest()
    return [b / 255.0 for b in digest[:FEATURES]]


def predict(model, image_url):
    z = model["bias"] + sum(w * x for w, x in zip(model["weights"], features(image_url)))
    score = 1.0 / (1.0 + math.exp(-z))
    is_normal = score >= model["threshold"]
    return {"is_normal": is_normal, "confidence": round(score if is_normal else 1.0 - score, 4)}


if __name__ == "__main__":
    import sys

    print(json.dumps(predict(load(sys.argv[1]), sys.argv[2])))
