"""The CNN encoder lessons 13 and 14 share: a picture in, a grid of feature vectors out.

    encoder = CNNEncoder()                   # 3 -> 16 -> 32 channels
    grid = encoder.features(images)          # (B, 3, 32, 32) -> (B, 32, 8, 8)
    keys = CNNEncoder.regions(grid)          # (B, 64, 32): one vector per image region
    vector = encoder.pooled(images)          # (B, 128): the whole picture as one vector

The layers, PyTorch's (nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.Linear), in `self.layers`:

    conv1   3 -> 16 channels, 3x3, padding 1      (B, 16, S, S)
    relu1, pool1 (max over 2x2 windows)          (B, 16, S/2, S/2)
    conv2   16 -> 32 channels, 3x3, padding 1     (B, 32, S/2, S/2)
    relu2, pool2                                 (B, 32, S/4, S/4)   <- `features`

Each of the h·w = S/4 · S/4 positions of the grid sees a patch of the picture (its
receptive field: 10x10 pixels at the second layer), so the grid is a map of "what is
where". `pooled` keeps the "where": it max-pools the grid once more (B, 32, S/8, S/8),
flattens it and maps it through a Linear and a ReLU to one vector of `feature_size`
numbers (the fully connected layer of a classic CNN). Averaging the grid over all its
positions would lose the left-to-right order a caption ("... left of ...") needs.

Read next: captioning.py (Show and Tell, Show, Attend and Tell).
"""

from __future__ import annotations

from collections import OrderedDict

from ..errors import ShapeError
from ..graph import scope
from ..nn import Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential
from ..nn.checks import check_float_input, check_int, check_optional_int, fail, layer_name
from ..nn.layers import as_tensor
from ..tensor import Tensor


class CNNEncoder(Module):
    """Two 3x3 convolutions with ReLU and 2x2 max pooling, then a Linear to one vector.

    in_channels   3 for RGB pictures
    channels      (C1, C2): the two convolutions' output channels; C = C2 is the size of
                  every region's feature vector
    image_size    S, the pictures' height and width (a multiple of 8)
    feature_size  the size of `pooled`'s vector; None: no pooled vector (a model that
                  reads only the grid, like Show, Attend and Tell, has no unused weights)

    Modules: layers (conv1, relu1, pool1, conv2, relu2, pool2), pool3, flatten, fc.
    forward(images) is `pooled(images)`.
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: tuple[int, int] = (16, 32),
        image_size: int = 32,
        feature_size: int | None = 128,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        in_channels = check_int(owner, "in_channels", in_channels, 1)
        image_size = check_int(owner, "image_size", image_size, 8)
        feature_size = check_optional_int(owner, "feature_size", feature_size, 1)
        if image_size % 8:
            fail(owner, f"image_size={image_size} must be a multiple of 8 (three 2x2 poolings)")
        if len(channels) != 2:
            fail(owner, f"channels must be two sizes (C1, C2), got {channels!r}")
        C1, C2 = (check_int(owner, "channels", c, 1) for c in channels)
        self.in_channels = in_channels
        self.image_size = image_size
        self.out_channels = C2
        self.grid_size = image_size // 4  # h = w after two poolings
        self.feature_size = feature_size
        self.layers = Sequential(
            OrderedDict(
                conv1=Conv2d(in_channels, C1, kernel_size=3, padding=1),
                relu1=ReLU(),
                pool1=MaxPool2d(2),
                conv2=Conv2d(C1, C2, kernel_size=3, padding=1),
                relu2=ReLU(),
                pool2=MaxPool2d(2),
            )
        )
        if feature_size is not None:
            self.pool3 = MaxPool2d(2)
            self.flatten = Flatten()
            last = self.grid_size // 2
            self.fc = Linear(C2 * last * last, feature_size)

    def features(self, images) -> Tensor:
        """The grid of region features: (B, in_channels, S, S) -> (B, C, S/4, S/4)."""
        images = self.check_images(images)
        with scope(self.scope_name()):
            return self.layers(images)  # (B, C, h, w)

    def pooled(self, images) -> Tensor:
        """One vector per picture: relu(fc(flatten(maxpool(grid)))), (B, feature_size)."""
        grid = self.features(images)
        return self.pool_grid(grid)

    def pool_grid(self, grid: Tensor) -> Tensor:
        """`pooled` from a grid `features` already computed: (B, C, h, w) -> (B, feature_size)."""
        if self.feature_size is None:
            fail(repr(self), "was built with feature_size=None: it has no pooled vector")
        with scope(self.scope_name()):
            x = self.pool3(grid)  # (B, C, h/2, w/2)
            x = self.flatten(x)  # (B, C·h/2·w/2)
            return self.fc(x).relu()  # (B, feature_size)

    def forward(self, images) -> Tensor:
        return self.pooled(images)

    @staticmethod
    def regions(grid: Tensor) -> Tensor:
        """The grid as a sequence of region vectors, the keys attention reads:
        (B, C, h, w) -> (B, h·w, C), region k = row k // w, column k % w."""
        B, C, h, w = grid.shape
        return grid.reshape(B, C, h * w).permute(0, 2, 1)  # (B, h·w, C)

    def check_images(self, images) -> Tensor:
        images = check_float_input(repr(self), as_tensor(images), "images")
        S = self.image_size
        if images.ndim != 4 or images.shape[1:] != (self.in_channels, S, S):
            raise ShapeError(
                f"{self!r}: images must have shape (B, {self.in_channels}, {S}, {S}) "
                f"(PyTorch's NCHW), got {images.shape}"
            )
        return images

    def extra_repr(self) -> str:
        return f"image_size={self.image_size}, feature_size={self.feature_size}"
