"""The three image networks. Shapes and contracts are documented in each model's CARD.md."""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


class AutoColor(nn.Module):
    """The design paper's effect-rendering network, unchanged.

    conv3x3(pad 1) 3->64 -> ReLU -> conv3x3 64->128 -> ReLU -> conv3x3 128->256 -> ReLU on 8x8,
    flatten 256*8*8 = 16384 -> fc 1024 -> ReLU -> fc 256 -> ReLU -> fc 3.
    Input: linear RGB [N,3,8,8] in [0,1]; output: [N,3] per-channel gains that remove the cast.

    normalise (v2): before conv1 the thumbnail is divided by its own mean over all pixels and
    channels (plus 1e-3), a parameter-free brightness normalisation (ReduceMean, Add, Div in the
    exported graph). Angular error does not depend on exposure, so the layers need not spend capacity
    on it; the contract (linear [N,3,8,8] in, gains out) is unchanged. v1 (normalise=False) had none.
    """

    def __init__(self, normalise: bool = True) -> None:
        super().__init__()
        self.normalise = normalise
        self.conv1 = nn.Conv2d(3, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv3 = nn.Conv2d(128, 256, 3, padding=1)
        self.fc1 = nn.Linear(256 * 8 * 8, 1024)
        self.fc2 = nn.Linear(1024, 256)
        self.fc3 = nn.Linear(256, 3)
        with torch.no_grad():
            self.fc3.bias.fill_(1.0)  # start at "no correction"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.normalise:
            x = x / (x.mean(dim=(1, 2, 3), keepdim=True) + 1e-3)
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.relu(self.conv3(x))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def he_init(body: nn.Sequential) -> None:
    """He (fan-in, ReLU) initialisation: PyTorch's default shrinks activations layer by layer, and
    the 7-layer denoiser then barely trains in the few minutes it gets."""
    for m in body:
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            assert m.bias is not None
            nn.init.zeros_(m.bias)


class Denoise(nn.Module):
    """A small DnCNN-style residual network: predicts the noise and subtracts it.

    conv3x3 Cin->C, ReLU, (depth-2) x [conv3x3 C->C, ReLU], conv3x3 C->3; out = clamp(x - noise, 0, 1).
    sRGB [N,3,H,W] in [0,1] in, same shape out; any H and W (zero padding keeps the size).

    v2 (sigma_input, the default) is told the noise level, as FFDNet is: `sigma` [N,1,1,1] is the
    noise's standard deviation as a fraction of full range (sigma255 / 255); 5 x sigma joins the image
    as a constant fourth channel of the first convolution (Cin = 4). The app feeds the Auto estimate
    (src/shared/effects/noise.ts) or a named level. v1 (sigma_input=False, Cin = 3) was blind; its
    weights started v2 (the sigma channel's weights at zero, so v2 at step 0 equalled v1).
    v3 (the default, build()) is v2 narrowed to DENOISE_CHANNELS channels (load_narrowed) and
    fine-tuned: the CPU preview runs it on the whole preview-sized image, and v2's 48 k
    multiply-adds per pixel took 3.8 s at 1 MP there.
    """

    def __init__(self, channels: int = 32, depth: int = 7, sigma_input: bool = True) -> None:
        super().__init__()
        self.sigma_input = sigma_input
        cin = 4 if sigma_input else 3
        layers: list[nn.Module] = [nn.Conv2d(cin, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(channels, 3, 3, padding=1))
        self.body = nn.Sequential(*layers)
        he_init(self.body)
        with torch.no_grad():
            last = self.body[-1]
            assert isinstance(last, nn.Conv2d)
            last.weight.mul_(0.1)
            assert last.bias is not None
            last.bias.zero_()

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | None = None) -> torch.Tensor:
        if self.sigma_input:
            assert sigma is not None, "the denoiser needs sigma"
            # the level map as x's first channel times 0 plus 5 sigma: in ONNX a Slice, Mul, Add
            # (no Shape/ConstantOfShape), the same on every backend
            x_in = torch.cat([x, x[:, :1] * 0.0 + sigma * 5.0], dim=1)
        else:
            x_in = x
        return torch.clamp(x - self.body(x_in), 0.0, 1.0)

    def load_narrowed(self, wide: dict) -> None:
        """Start from a wider state dict (v2's, 32 channels): each hidden layer keeps this net's
        number of channels, those with the largest |incoming| x |outgoing| weights."""
        channels = self.body[0].out_channels
        convs = sorted({int(k.split(".")[1]) for k in wide if k.endswith(".weight")})
        sd = {k: v.clone() for k, v in wide.items()}
        prev = None
        for n, i in enumerate(convs):
            w, b = sd[f"body.{i}.weight"], sd[f"body.{i}.bias"]
            if prev is not None:
                w = w[:, prev]
            if n < len(convs) - 1:
                nxt = sd[f"body.{convs[n + 1]}.weight"]
                score = w.abs().sum(dim=(1, 2, 3)) * nxt.abs().sum(dim=(0, 2, 3))
                prev = torch.argsort(score, descending=True)[:channels].sort().values
                w, b = w[prev], b[prev]
            sd[f"body.{i}.weight"], sd[f"body.{i}.bias"] = w, b
        self.load_state_dict(sd)


class Upscale2x(nn.Module):
    """ESPCN-style 2x super-resolution with a linear skip.

    All convolutions run at the input resolution: conv 5x5 3->C, ReLU, `depth` x (conv 3x3 C->C,
    ReLU), conv 3x3 C->12; beside them a linear skip 3->12 (k x k, initialised to copy each input
    channel into its four sub-pixels: nearest neighbour). Their sum is rearranged by pixel shuffle
    (ONNX DepthToSpace, blocksize 2) and clamped. sRGB [1,3,H,W] in [0,1] in, [1,3,2H,2W] out.
    Reach: 2 + depth + 1 input px.

    v1: C 32, depth 2, 1x1 skip (24,432 parameters). v2 (the default): C 32, depth 4, a 5x5 skip
    that training turns into an interpolation filter fitted to the data (43,792 parameters, about
    43 k multiply-adds per input pixel: 1.8x v1, to keep the CPU preview within its 1.5 s).
    """

    def __init__(self, channels: int = 32, depth: int = 4, skip: int = 5) -> None:
        super().__init__()
        self.depth = depth
        layers: list[nn.Module] = [nn.Conv2d(3, channels, 5, padding=2), nn.ReLU(inplace=True)]
        for _ in range(depth):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(channels, 3 * 4, 3, padding=1))
        self.body = nn.Sequential(*layers)
        he_init(self.body)
        self.skip = nn.Conv2d(3, 3 * 4, skip, padding=skip // 2, bias=False)
        with torch.no_grad():
            self.skip.weight.zero_()
            for c in range(3):
                for k in range(4):
                    self.skip.weight[c * 4 + k, c, skip // 2, skip // 2] = 1.0
            last = self.body[-1]
            assert isinstance(last, nn.Conv2d)
            last.weight.mul_(0.1)

    @staticmethod
    def v1() -> "Upscale2x":
        return Upscale2x(channels=32, depth=2, skip=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(F.pixel_shuffle(self.body(x) + self.skip(x), 2), 0.0, 1.0)


# Denoise v3: v2 narrowed to this many channels and fine-tuned (Denoise.load_narrowed)
DENOISE_CHANNELS = 24


def build(model_id: str) -> nn.Module:
    if model_id == "denoise":
        return Denoise(channels=DENOISE_CHANNELS)
    return {"autocolor": AutoColor, "upscale2x": Upscale2x}[model_id]()
