"""Times PyTorch's training step of the U-Net twin (models.UNet), as `neural-bench N unet` times ours.

    python bench_unet.py [runs] [--threads 1] [--batch 32]

One step: zero_grad, forward of a batch of 32 masks (1, 64, 64) with the output multiplied by the
mask (the `--network unet` default), mean squared error against a fixed random target, backward,
Adam.step (lr 1e-3). Two untimed warm-up steps, then `runs` timed steps. Prints one line of JSON:
torch version, threads, batch, runs, and the medians of the wall time and of the calling thread's
CPU time in ms (with one intra-op thread all work runs on the calling thread). Used by
`neural-bench N unet-torch`; needs torch and numpy.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def disc_masks(batch, generator):
    """Binary 64 x 64 masks, one disc of random centre (16-48 px) and radius (6-20 px) per sample."""
    masks = np.zeros((batch, 1, 64, 64), dtype=np.float32)
    y, x = np.mgrid[0:64, 0:64]
    for n in range(batch):
        cx, cy = 16 + 32 * generator.random(), 16 + 32 * generator.random()
        radius = 6 + 14 * generator.random()
        masks[n, 0] = ((x - cx) ** 2 + (y - cy) ** 2 < radius ** 2).astype(np.float32)
    return torch.from_numpy(masks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=int, nargs="?", default=9)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--warm-up", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(3)
    generator = np.random.default_rng(2024)
    model = models.UNet(masked_output=True).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = disc_masks(arguments.batch, generator)
    target = torch.from_numpy(generator.random((arguments.batch, 1, 64, 64), dtype=np.float32))

    def step():
        optimizer.zero_grad(set_to_none=False)
        loss = torch.nn.functional.mse_loss(model(x), target)
        loss.backward()
        optimizer.step()

    for _ in range(arguments.warm_up):
        step()
    wall, cpu = [], []
    for _ in range(arguments.runs):
        start_wall, start_cpu = time.perf_counter(), time.thread_time()
        step()
        wall.append((time.perf_counter() - start_wall) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": arguments.batch,
        "runs": arguments.runs, "wall_ms": statistics.median(wall), "cpu_ms": statistics.median(cpu),
    }))


if __name__ == "__main__":
    main()
