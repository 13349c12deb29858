"""Checks a `plaquefem surrogate train` model file against `plaquefem predict` output with an
independent NumPy forward pass (used by the test suite).

    python3 docs/python/check_model.py surrogate.h5 predicted.h5

The weights are read by their PyTorch state_dict keys ("encoder.0.weight" is the dataset
/encoder/0/weight) in PyTorch layouts: Conv2d [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw],
BatchNorm running_mean / running_var [C] and num_batches_tracked int64. The forward pass below
follows torch.nn semantics (cross-correlation, floor-mode max pooling, nearest x2 upsampling,
evaluation-mode batch normalization with eps = 1e-5), so agreement checks the layouts for real.
Both surrogate networks are covered: the paper's (surrogate_network "paper" or absent) and the
U-Net ("unet": 3x3 convolutions with zero padding 1, 2x2 stride-2 transposed convolutions, skip
concatenation [upsampled, skip] along the channels), with the output times the mask when
architecture_masked_output = 1 (times the channel sum for several input channels).
Component models (surrogate_inputs "components", architecture_input_channels 3) take the one-hot
channels of codes 1, 2, 3 of the class maps that `plaquefem predict` copied to /components.
When PyTorch is installed, docs/pytorch/models.py is checked the same way (load + predict).
"""
import os
import sys

import h5py
import numpy as np

AUXILIARY = {"history", "latent", "latent_rows", "meta"}


def state_dict(path):
    """The weights of a model file as {PyTorch key: NumPy array}, plus the root attributes."""
    state = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] not in AUXILIARY:
                value = obj[()]
                key = name.replace("/", ".")
                if key.endswith("num_batches_tracked"):
                    value = np.asarray(value, dtype=np.int64).reshape(())  # 0-d, as in PyTorch
                state[key] = value
        f.visititems(visit)
        attributes = dict(f.attrs)
    return state, attributes


def conv2d(x, weight, bias, padding=0):
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k = weight.shape[-1]
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))  # N C H' W' k k
    return np.einsum("nchwpq,ocpq->nohw", windows, weight, optimize=True) + bias[None, :, None, None]


def conv_transpose2d(x, weight, bias):
    n, c, h, w = x.shape
    k = weight.shape[-1]
    out = np.zeros((n, weight.shape[1], h + k - 1, w + k - 1), dtype=np.float64)
    for p in range(k):
        for q in range(k):
            out[:, :, p:p + h, q:q + w] += np.einsum("nchw,co->nohw", x, weight[:, :, p, q])
    return out + bias[None, :, None, None]


def conv_transpose2d_stride2(x, weight, bias):
    """Kernel 2, stride 2: out[n, o, 2i + p, 2j + q] = sum_c x[n, c, i, j] weight[c, o, p, q] + bias[o]."""
    n, c, h, w = x.shape
    out = np.einsum("nchw,copq->nohpwq", x, weight).reshape(n, weight.shape[1], 2 * h, 2 * w)
    return out + bias[None, :, None, None]


def batch_norm(x, state, prefix):
    mean, var = state[prefix + "running_mean"], state[prefix + "running_var"]
    gamma, beta = state[prefix + "weight"], state[prefix + "bias"]
    scale = gamma / np.sqrt(var.astype(np.float64) + 1e-5)
    return (x - mean[None, :, None, None]) * scale[None, :, None, None] + beta[None, :, None, None]


def max_pool(x):
    n, c, h, w = x.shape
    x = x[:, :, : h // 2 * 2, : w // 2 * 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def upsample(x):
    return x.repeat(2, axis=2).repeat(2, axis=3)


def network_input(attributes, predictions_path):
    """The network input (N, C, 64, 64) float64, the wall masks (N, 64, 64) and what predict() takes."""
    inputs = attributes.get("surrogate_inputs", b"mask")
    inputs = inputs.decode() if isinstance(inputs, bytes) else str(inputs)
    with h5py.File(predictions_path, "r") as f:
        masks = f["masks"][:]
        classes = f["components"][:] if inputs == "components" else None
    if classes is None:
        return masks.astype(np.float64)[:, None], masks != 0, masks
    assert int(attributes["architecture_input_channels"]) == 3, attributes
    assert np.array_equal(classes != 0, masks != 0), "/components and /masks disagree on the wall"
    x = np.stack([(classes == code) for code in (1, 2, 3)], axis=1).astype(np.float64)
    return x, classes != 0, classes


def surrogate_forward(state, x):
    """input (N, C, 64, 64) -> sigmoid output (N, 64, 64) in (0, 1), evaluation mode, float64."""
    for block in range(5):
        i = 4 * block
        x = conv2d(x, state[f"encoder.{i}.weight"].astype(np.float64), state[f"encoder.{i}.bias"])
        x = np.maximum(batch_norm(x, state, f"encoder.{i + 1}."), 0)
        x = max_pool(x)
    for block in range(4):
        i = 4 * block
        x = upsample(x)
        x = conv_transpose2d(x, state[f"decoder.{i + 1}.weight"].astype(np.float64), state[f"decoder.{i + 1}.bias"])
        x = np.maximum(batch_norm(x, state, f"decoder.{i + 2}."), 0)
    x = conv_transpose2d(upsample(x), state["decoder.17.weight"].astype(np.float64), state["decoder.17.bias"])
    return 1 / (1 + np.exp(-x[:, 0]))


def unet_forward(state, x, levels):
    """The U-Net (surrogate_network "unet"): input (N, C, 64, 64) -> sigmoid output (N, 64, 64), float64."""
    def f64(key):
        return state[key].astype(np.float64)

    def block(x, prefix):
        for conv, norm in ((0, 1), (3, 4)):
            x = conv2d(x, f64(f"{prefix}.{conv}.weight"), f64(f"{prefix}.{conv}.bias"), padding=1)
            x = np.maximum(batch_norm(x, state, f"{prefix}.{norm}."), 0)
        return x

    skips = []
    for i in range(levels):
        x = block(x, f"down.{i}")
        if i < levels - 1:
            skips.append(x)
            x = max_pool(x)
    for i in reversed(range(levels - 1)):
        up = conv_transpose2d_stride2(x, f64(f"up.{i}.weight"), f64(f"up.{i}.bias"))
        x = block(np.concatenate([up, skips[i]], axis=1), f"decode.{i}")
    x = conv2d(x, f64("head.weight"), f64("head.bias"))
    return 1 / (1 + np.exp(-x[:, 0]))


def check(model_path, predictions_path):
    state, attributes = state_dict(model_path)
    assert attributes["format"] == "plaquefem-model" and attributes["model_kind"] == "surrogate", attributes
    network = attributes.get("surrogate_network", b"paper")
    network = network.decode() if isinstance(network, bytes) else str(network)
    masked = int(attributes.get("architecture_masked_output", 0)) == 1
    channels = int(attributes.get("architecture_input_channels", 1))
    if network == "unet":
        check_unet(model_path, predictions_path, state, attributes, masked, channels)
        return
    shapes = {
        "encoder.0.weight": (8, channels, 2, 2), "encoder.4.weight": (16, 8, 2, 2), "encoder.16.weight": (64, 64, 2, 2),
        "encoder.1.running_var": (8,), "decoder.1.weight": (64, 64, 2, 2), "decoder.13.weight": (16, 8, 2, 2),
        "decoder.17.weight": (8, 1, 3, 3), "decoder.17.bias": (1,),
    }
    for key, shape in shapes.items():
        assert state[key].shape == shape, (key, state[key].shape, shape)
        assert state[key].dtype == np.float32, (key, state[key].dtype)
    assert state["encoder.1.num_batches_tracked"].dtype == np.int64
    assert len(state) == 5 * 7 + 4 * 7 + 2, len(state)  # per block: conv w, b; bn w, b, mean, var, count
    scale = float(attributes["stress_scale_kpa"])
    with h5py.File(predictions_path, "r") as f:
        predicted = f["stress"][:]
        assert f["stress"].attrs["units"] == "kPa"
    x, wall, images = network_input(attributes, predictions_path)
    reference = surrogate_forward(state, x) * (wall if masked else 1) * scale
    error = np.abs(reference - predicted).max()
    assert error <= 1e-4 * scale, f"NumPy forward differs from plaquefem predict by {error} kPa (scale {scale} kPa)"
    print(f"model file OK: {len(state)} tensors, {channels} input channel(s); NumPy forward matches plaquefem predict "
          f"on {x.shape[0]} masks (max difference {error:.2e} kPa, scale {scale:.2f} kPa)")
    check_pytorch(model_path, images, predicted, scale)


def check_unet(model_path, predictions_path, state, attributes, masked, channels):
    levels, base = int(attributes["architecture_levels"]), int(attributes["architecture_base_channels"])
    widths = [base * 2 ** i for i in range(levels)]
    shapes = {"down.0.0.weight": (widths[0], channels, 3, 3), "down.0.1.running_var": (widths[0],),
              f"up.{levels - 2}.weight": (widths[-1], widths[-2], 2, 2), "decode.0.0.weight": (widths[0], 2 * widths[0], 3, 3),
              "head.weight": (1, widths[0], 1, 1), "head.bias": (1,)}
    for key, shape in shapes.items():
        assert state[key].shape == shape, (key, state[key].shape, shape)
        assert state[key].dtype == np.float32, (key, state[key].dtype)
    assert state["down.0.4.num_batches_tracked"].dtype == np.int64
    # Per double convolution: 2 x (conv w, b; bn w, b, mean, var, count); per up: w, b; head: w, b.
    assert len(state) == (2 * levels - 1) * 14 + (levels - 1) * 2 + 2, len(state)
    scale = float(attributes["stress_scale_kpa"])
    with h5py.File(predictions_path, "r") as f:
        predicted = f["stress"][:]
        assert f["stress"].attrs["units"] == "kPa"
    x, wall, images = network_input(attributes, predictions_path)
    reference = unet_forward(state, x, levels) * (wall if masked else 1) * scale
    error = np.abs(reference - predicted).max()
    assert error <= 1e-4 * scale, f"NumPy U-Net forward differs from plaquefem predict by {error} kPa (scale {scale} kPa)"
    print(f"model file OK (unet): {len(state)} tensors, {channels} input channel(s); NumPy forward matches plaquefem "
          f"predict on {x.shape[0]} masks (max difference {error:.2e} kPa, scale {scale:.2f} kPa)")
    check_pytorch(model_path, images, predicted, scale)


def check_pytorch(model_path, masks, predicted, scale):
    """Loads the model with docs/pytorch/models.py and compares its predict with plaquefem predict
    (masks are class maps for a component model)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch not installed: docs/pytorch/models.py not checked")
        return
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
    import models
    error = np.abs(models.load(model_path).predict(masks) - predicted).max()
    assert error <= 1e-4 * scale, f"models.py differs from plaquefem predict by {error} kPa"
    print(f"PyTorch models.py matches plaquefem predict (max difference {error:.2e} kPa)")


if __name__ == "__main__":
    check(sys.argv[1], sys.argv[2])
