"""PyTorch equivalents of PlaqueFEM's networks, and a loader for its HDF5 model files.

    import models
    surrogate = models.load("surrogate.h5")           # eval mode, our weights (Surrogate or UNet)
    stress_kpa = surrogate.predict(masks)              # masks: (N, 64, 64) 0/1 array -> (N, 64, 64) kPa
    stress_kpa = components_model.predict(classes)     # surrogate_inputs "components": class maps 0-3
    vae = models.load("vae.h5"); classifier = models.load("classifier.h5")

Model files store one dataset per state_dict entry at the key with "." replaced by "/"
(encoder.0.weight -> /encoder/0/weight), in PyTorch layouts; num_batches_tracked is int64 of
shape (1,) and is reshaped to 0-d here. Root attributes: format = "plaquefem-model",
model_kind ("surrogate", "vae", "mnist-classifier"), architecture_* hyper-parameters, and for
the surrogate stress_scale_kpa (output = sigmoid(...) = stress / stress_scale_kpa),
surrogate_network ("paper" -> Surrogate, "unet" -> UNet; absent in older files = "paper") and
architecture_masked_output (1: the output is multiplied by the input mask), surrogate_inputs
("mask", or "components": one-hot channels fibrous, lipid, calcium of class maps with codes 0
outside, 1 fibrous, 2 lipid, 3 calcium) and architecture_input_channels (1 or 3; both absent in
older files = one mask channel).
Needs torch, h5py and numpy. See docs/neural-models.md.
"""
import h5py
import numpy as np
import torch
from torch import nn

AUXILIARY = {"history", "latent", "latent_rows", "meta"}


class StressMapPredictor:
    """`predict` of the surrogate networks (needs stress_scale_kpa and forward)."""

    @torch.no_grad()
    def predict(self, masks, batch_size=128):
        """Stress maps in kPa, as `plaquefem predict`: masks (N, 64, 64) of 0/1 -> float32 (N, 64, 64).

        A model with 3 input channels (surrogate_inputs "components") takes class maps (codes 0-3)
        and feeds their one-hot channels for codes 1, 2, 3; a 1-channel model takes the wall (!= 0).
        """
        was_training = self.training
        self.eval()
        x = torch.as_tensor(np.asarray(masks), dtype=torch.float32).reshape(-1, 64, 64)
        x = one_hot_components(x) if self.in_channels == 3 else (x != 0).float()[:, None]
        out = torch.cat([self(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)])
        self.train(was_training)
        return (out[:, 0] * self.stress_scale_kpa).numpy()


def one_hot_components(classes):
    """Class maps (N, H, W) with codes 0-3 -> (N, 3, H, W): channels fibrous (1), lipid (2), calcium (3)."""
    return torch.stack([(classes == code) for code in (1, 2, 3)], dim=1).float()


def wall_mask(x):
    """The wall mask (N, 1, H, W) of an input: the mask itself, or the sum of one-hot class channels."""
    return x.sum(dim=1, keepdim=True)


class Surrogate(StressMapPredictor, nn.Module):
    """Mask (N, 1, 64, 64) -> normalized stress map (N, 1, 64, 64) in (0, 1).

    With in_channels C (3 for one-hot components) only the first convolution changes: Conv2d(C, 8, 2).

    Encoder: 5 x [Conv2d 2x2, BatchNorm2d, ReLU, MaxPool2d 2], channels 8, 16, 32, 64, 64
    (64 -> 63 -> 31 -> 30 -> 15 -> 14 -> 7 -> 6 -> 3 -> 2 -> 1).
    Decoder: 4 x [Upsample x2, ConvTranspose2d 2x2, BatchNorm2d, ReLU], channels 64, 32, 16, 8
    (1 -> 2 -> 3 -> 6 -> 7 -> 14 -> 15 -> 30 -> 31), then Upsample x2, ConvTranspose2d 3x3 (8 -> 1),
    Sigmoid (62 -> 64).
    """

    def __init__(self, stress_scale_kpa=1.0, masked_output=False, in_channels=1):
        super().__init__()
        self.in_channels = in_channels
        enc, c = [], in_channels
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
        self.masked_output = masked_output

    def forward(self, x):
        y = self.decoder(self.encoder(x))
        return y * wall_mask(x) if self.masked_output else y


class UNet(StressMapPredictor, nn.Module):
    """Mask (N, 1, 64, 64) -> normalized stress map (N, 1, 64, 64), PlaqueFEM's `--network unet`.

    Widths w = base, 2 base, ... (default 16, 32, 64, 128 over 4 levels). down.i: two
    [Conv2d 3x3 padding 1, BatchNorm2d, ReLU] (max pool 2 after every level but the last);
    up.i: ConvTranspose2d(w[i+1], w[i], 2, stride=2); decode.i: the same double convolution on
    torch.cat([up.i(d), skip_i], dim=1); head: Conv2d 1x1 -> sigmoid; times the mask when
    masked_output (the default for this network). 483,153 parameters at the defaults. With
    in_channels C only down.0.0 changes: Conv2d(C, w[0], 3, padding=1).
    """

    def __init__(self, stress_scale_kpa=1.0, masked_output=True, levels=4, base_channels=16, in_channels=1):
        super().__init__()
        self.in_channels = in_channels
        w = [base_channels * 2 ** i for i in range(levels)]

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
                                 nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())

        self.down = nn.ModuleList([block(in_channels if i == 0 else w[i - 1], w[i]) for i in range(levels)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 2, stride=2) for i in range(levels - 1)])
        self.decode = nn.ModuleList([block(2 * w[i], w[i]) for i in range(levels - 1)])
        self.head = nn.Conv2d(w[0], 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.stress_scale_kpa = stress_scale_kpa
        self.masked_output = masked_output

    def forward(self, x):
        skips, h = [], x
        for i, block in enumerate(self.down):
            h = block(h)
            if i < len(self.down) - 1:
                skips.append(h)
                h = self.pool(h)
        for i in reversed(range(len(self.up))):
            h = self.decode[i](torch.cat([self.up[i](h), skips[i]], dim=1))
        y = torch.sigmoid(self.head(h))
        return y * wall_mask(x) if self.masked_output else y


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
        network = attributes.get("surrogate_network", "paper")
        masked = bool(int(attributes.get("architecture_masked_output", 0)))
        scale = float(attributes["stress_scale_kpa"])
        channels = int(attributes.get("architecture_input_channels", 1))
        if network == "paper":
            model = Surrogate(scale, masked, channels)
        elif network == "unet":
            model = UNet(scale, masked, int(attributes["architecture_levels"]), int(attributes["architecture_base_channels"]),
                         channels)
        else:
            raise ValueError(f"unknown surrogate_network {network!r} in {path}")
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
    """Stress maps in kPa of masks (N, 64, 64) with a loaded surrogate, like `plaquefem predict`
    (class maps for a component model)."""
    return model.predict(masks)
