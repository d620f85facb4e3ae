"""A small U-Net, the model of the README's `tconv inspect` PyTorch example.

Shaped like milesial/Pytorch-UNet (MaxPool2d downs, ConvTranspose2d(kernel_size=2, stride=2)
ups, torch.cat skips) without its F.pad, so an input whose sizes are not multiples of
2**depth fails in torch.cat. `output_padding` gives each up layer's, bottleneck first.

    tconv inspect examples/models/unet.py:UNet --input 1,3,101,75
"""

import torch
import torch.nn as nn


def block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel_size=3, padding=1), nn.ReLU(inplace=True))


class Down(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = block(cin, cout)

    def forward(self, x):
        return self.conv(self.pool(x))


class Up(nn.Module):
    def __init__(self, cin: int, cout: int, output_padding=0):
        super().__init__()
        self.up = nn.ConvTranspose2d(
            cin, cin // 2, kernel_size=2, stride=2, output_padding=output_padding
        )
        self.conv = block(cin, cout)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class UNet(nn.Module):
    def __init__(self, n_channels: int = 3, n_classes: int = 2, output_padding=(0, 0, 0)):
        super().__init__()
        self.inc = block(n_channels, 16)
        self.down1, self.down2, self.down3 = Down(16, 32), Down(32, 64), Down(64, 128)
        ops = [tuple(op) if isinstance(op, list) else op for op in output_padding]
        self.up1, self.up2, self.up3 = Up(128, 64, ops[0]), Up(64, 32, ops[1]), Up(32, 16, ops[2])
        self.outc = nn.Conv2d(16, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x = self.up1(x4, x3)
        x = self.up2(x, x2)
        x = self.up3(x, x1)
        return self.outc(x)
