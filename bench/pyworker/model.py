"""Benchmark model: a fixed linear map of 16 features to 4 outputs."""
import numpy as np

W = (np.arange(64, dtype=np.float64).reshape(16, 4) % 7 - 3) / 8


class Linear:
    def predict(self, inputs):
        return inputs["x"] @ W


def load(path):
    return Linear()
