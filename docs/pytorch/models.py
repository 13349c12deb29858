"""PyTorch equivalents of PlaqueFEM's networks, and a loader for its HDF5 model files.

    import models
    surrogate = models.load("surrogate.h5")           # eval mode, our weights
    stress_kpa = surrogate.predict(masks)              # masks: (N, 64, 64) 0/1 array -> (N, 64, 64) kPa
    vae = models.load("vae.h5"); classifier = models.load("classifier.h5")

Model files store one dataset per state_dict entry at the key with "." replaced by "/"
(encoder.0.weight -> /encoder/0/weight), in PyTorch layouts; num_batches_tracked is int64 of
shape (1,) and is reshaped to 0-d here. Root attributes: format = "plaquefem-model",
model_kind ("surrogate", "vae", "mnist-classifier"), architecture_* hyper-parameters, and for
the surrogate stress_scale_kpa (output = sigmoid(...) = stress / stress_scale_kpa).
Needs torch, h5py and numpy. See docs/neural-models.md.
"""
import h5py
import numpy as np
import torch
from torch import nn

AUXILIARY = {"history", "latent", "latent_rows", "meta"}


class Surrogate(nn.Module):
    """Mask (N, 1, 64, 64) -> normalized stress map (N, 1, 64, 64) in (0, 1).

    Encoder: 5 x [Conv2d 2x2, BatchNorm2d, ReLU, MaxPool2d 2], channels 8, 16, 32, 64, 64
    (64 -> 63 -> 31 -> 30 -> 15 -> 14 -> 7 -> 6 -> 3 -> 2 -> 1).
    Decoder: 4 x [Upsample x2, ConvTranspose2d 2x2, BatchNorm2d, ReLU], channels 64, 32, 16, 8
    (1 -> 2 -> 3 -> 6 -> 7 -> 14 -> 15 -> 30 -> 31), then Upsample x2, ConvTranspose2d 3x3 (8 -> 1),
    Sigmoid (62 -> 64).
    """

    def __init__(self, stress_scale_kpa=1.0):
        super().__init__()
        enc, c = [], 1
        for k in [8, 16, 32, 64, 64]:
            enc += [nn.Conv2d(c, k, 2), nn.BatchNorm2d(k), nn.ReLU(), nn.MaxPool2d(2)]
            c = k
        dec = []
        for k in [64, 32, 16, 8]:
            dec += [nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c, k, 2), nn.BatchNorm2d(k), nn.ReLU()]
            c = k
        dec += [nn.Upsample(scale_factor=2), nn.ConvTranspose2d(8, 1, 3), nn.Sigmoid()]
        self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
        self.stress_scale_kpa = stress_scale_kpa

    def forward(self, x):
        return self.decoder(self.encoder(x))

    @torch.no_grad()
    def predict(self, masks, batch_size=128):
        """Stress maps in kPa, as `plaquefem predict`: masks (N, 64, 64) of 0/1 -> float32 (N, 64, 64)."""
        was_training = self.training
        self.eval()
        x = torch.as_tensor(np.asarray(masks), dtype=torch.float32)
        x = (x != 0).float().reshape(-1, 1, 64, 64)
        out = torch.cat([self(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)])
        self.train(was_training)
        return (out[:, 0] * self.stress_scale_kpa).numpy()


class VAE(nn.Module):
    """Flattened image (N, input_size) -> (mean, log-variance) of dimension d -> image logits."""

    def __init__(self, input_size=4096, hidden_size=400, latent_dimension=3):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_size, hidden_size), nn.ReLU(),
                                     nn.Linear(hidden_size, hidden_size), nn.ReLU())
        self.mean = nn.Linear(hidden_size, latent_dimension)
        self.log_variance = nn.Linear(hidden_size, latent_dimension)
        self.decoder = nn.Sequential(nn.Linear(latent_dimension, hidden_size), nn.ReLU(),
                                     nn.Linear(hidden_size, hidden_size), nn.ReLU(),
                                     nn.Linear(hidden_size, input_size))

    def encode(self, x):
        h = self.encoder(x)
        return self.mean(h), self.log_variance(h)

    def decode(self, z):
        """Image probabilities sigmoid(decoder(z))."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar  # logits; loss = BCE-with-logits (sum) + KL


class MNISTClassifier(nn.Module):
    """28 x 28 digits -> 10 logits: conv 5x5 (20), max pool, conv 5x5 (50), max pool, 800 -> 500 -> ReLU -> 10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def read_state_dict(path):
    """{state_dict key: tensor} and the root attributes of a PlaqueFEM model file."""
    state = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] not in AUXILIARY:
                value = np.asarray(obj[()])
                key = name.replace("/", ".")
                if key.endswith("num_batches_tracked"):
                    value = value.astype(np.int64).reshape(())
                state[key] = torch.from_numpy(value)
        f.visititems(visit)
        attributes = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return state, attributes


def load(path):
    """The module stored in a PlaqueFEM model file, weights loaded (strict), in eval mode."""
    state, attributes = read_state_dict(path)
    if attributes.get("format") != "plaquefem-model":
        raise ValueError(f"{path} is not a plaquefem model file (format {attributes.get('format')!r})")
    kind = attributes["model_kind"]
    if kind == "surrogate":
        model = Surrogate(float(attributes["stress_scale_kpa"]))
    elif kind == "vae":
        model = VAE(int(attributes["architecture_input_size"]), int(attributes["architecture_hidden_size"]),
                    int(attributes["architecture_latent_dimension"]))
    elif kind == "mnist-classifier":
        model = MNISTClassifier()
    else:
        raise ValueError(f"unknown model_kind {kind!r} in {path}")
    model.load_state_dict(state, strict=True)
    return model.eval()


def predict(model, masks):
    """Stress maps in kPa of masks (N, 64, 64) with a loaded surrogate, like `plaquefem predict`."""
    return model.predict(masks)
