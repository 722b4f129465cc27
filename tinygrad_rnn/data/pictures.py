"""The picture world's objects: what a scene holds, where things go, how they are drawn.

A scene is a tuple of `PictureObject`s, LEFT TO RIGHT (increasing x). Each object is a
shape, a colour, a size and the pixel at its centre:

    PictureObject("circle", "red", "small", x=6, y=20)

    draw_scene(scene, size=32)   # (3, 32, 32) float32: black background, filled shapes
    caption_of(scene)            # "a small red circle left of a large blue square"

The rules that make captions and questions well defined:
  - objects never overlap: their boxes (centre ± radius) are at least one pixel apart,
    side by side or one above the other;
  - centres differ horizontally by at least `min_x_gap(size)` pixels (4 at size 32), so
    "left of" is always clear and the caption's left-to-right order is unique.

Sizes scale with the image: a small object has radius 4 and a large one 7 at size 32
(`radius_of`). A circle is a disc of that radius, a square a little smaller (so the two
cover about the same area), a triangle stands upright in the box (apex up, base down),
a diamond touches the box in the middle of each side.

Read next: questions.py (the questions asked about a scene), then picture_world.py.
"""

from dataclasses import dataclass

import numpy as np

from ..checks import check_int, describe
from .errors import DataError

# Pure RGB values in [0, 1]; every name starts with a consonant, so the grammar's "a" fits.
COLOURS = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
    "magenta": (1.0, 0.0, 1.0),
    "cyan": (0.0, 1.0, 1.0),
    "white": (1.0, 1.0, 1.0),
}
SHAPES = ("circle", "square", "triangle", "diamond")
# The radius of each size at an image size of 32; `radius_of` scales it to other sizes.
SIZE_RADII = {"small": 4, "large": 7}
REFERENCE_SIZE = 32
BOX_GAP = 1  # empty pixels at least between two objects' boxes
PLACE_ATTEMPTS = 50  # random positions tried for one object before the scene starts again
SCENE_ATTEMPTS = 10  # fresh starts before the scene falls back to `row_positions`


@dataclass(frozen=True)
class PictureObject:
    """One thing in a picture: `shape`, `colour`, `size` ("small"/"large") and its centre
    `x` (column) and `y` (row) in pixels, counted from the top-left corner."""

    shape: str
    colour: str
    size: str
    x: int
    y: int


def radius_of(size_name: str, image_size: int) -> int:
    """The half-width of an object's box: SIZE_RADII[size_name] * image_size / 32, rounded,
    at least 1 (small 4 and large 7 at size 32, small 2 and large 4 at size 16)."""
    scaled = SIZE_RADII[size_name] * image_size / REFERENCE_SIZE
    return max(1, int(scaled + 0.5))


def min_x_gap(image_size: int) -> int:
    """The smallest horizontal distance between two centres: size / 8, at least 2 (4 at 32)."""
    return max(2, int(image_size / 8 + 0.5))


def objects_clear(a: PictureObject, b: PictureObject, image_size: int) -> bool:
    """True when `a` and `b` may share a picture: centres at least min_x_gap apart in x,
    and their boxes BOX_GAP pixels apart either side by side or one above the other."""
    apart = radius_of(a.size, image_size) + radius_of(b.size, image_size) + 1 + BOX_GAP
    if abs(a.x - b.x) < min_x_gap(image_size):
        return False
    return abs(a.x - b.x) >= apart or abs(a.y - b.y) >= apart


def scene_is_clear(scene, image_size: int) -> bool:
    """Every pair of objects in `scene` is clear (`objects_clear`) and every box lies
    inside the image."""
    for i, a in enumerate(scene):
        r = radius_of(a.size, image_size)
        if min(a.x, a.y) < r or max(a.x, a.y) > image_size - 1 - r:
            return False
        for b in scene[i + 1 :]:
            if not objects_clear(a, b, image_size):
                return False
    return True


def left_to_right(objects) -> tuple[PictureObject, ...]:
    """The objects sorted by their centre's x: the caption's order."""
    return tuple(sorted(objects, key=lambda thing: thing.x))


def clear_of_placed(xs: np.ndarray, ys: np.ndarray, r: int, placed: list, image_size: int):
    """For candidate centres (xs[i], ys[i]) of an object of radius r: True where it is
    clear of every object already `placed` (the rule of `objects_clear`, for many
    candidates at once)."""
    clear = np.ones(len(xs), dtype=bool)
    for other in placed:
        apart = r + radius_of(other.size, image_size) + 1 + BOX_GAP
        dx = np.abs(xs - other.x)
        dy = np.abs(ys - other.y)
        clear &= (dx >= min_x_gap(image_size)) & ((dx >= apart) | (dy >= apart))
    return clear


def place_one(kind: tuple, placed: list, image_size: int, rng) -> PictureObject | None:
    """Draw PLACE_ATTEMPTS random centres for `kind` = (shape, colour, size), each box
    inside the image; the first one clear of everything already `placed`, or None."""
    shape, colour, size = kind
    r = radius_of(size, image_size)
    xs = rng.integers(r, image_size - r, size=PLACE_ATTEMPTS)
    ys = rng.integers(r, image_size - r, size=PLACE_ATTEMPTS)
    clear = clear_of_placed(xs, ys, r, placed, image_size)
    if not clear.any():
        return None
    first = int(np.argmax(clear))  # the first True
    return PictureObject(shape, colour, size, int(xs[first]), int(ys[first]))


def row_positions(n: int, rows: int, image_size: int, radius: int, first_row: int = 0):
    """n centres evenly spread in x from `radius` to size-1-radius; object i sits in row
    (i + first_row) % rows, the rows evenly spread in y the same way (one row: the middle)."""
    low, high = radius, image_size - 1 - radius
    xs = np.linspace(low, high, n) if n > 1 else np.array([image_size // 2])
    ys = np.linspace(low, high, rows) if rows > 1 else np.array([image_size // 2])
    return [(int(round(xs[i])), int(round(ys[(i + first_row) % rows]))) for i in range(n)]


def fallback_rows(n: int, image_size: int, biggest: str) -> int | None:
    """The fewest rows (1 .. n) in which `row_positions` holds n objects of size `biggest`
    clear of each other, or None when no number of rows does."""
    radius = radius_of(biggest, image_size)
    for rows in range(1, n + 1):
        positions = row_positions(n, rows, image_size, radius)
        scene = [PictureObject("circle", "red", biggest, x, y) for x, y in positions]
        if scene_is_clear(scene, image_size):
            return rows
    return None


def place_objects(kinds: list, image_size: int, rng, biggest: str = "large"):
    """Random non-overlapping centres for `kinds` (a list of (shape, colour, size)), left
    to right. Objects are placed one at a time; when one finds no room the scene starts
    again, and after SCENE_ATTEMPTS starts the objects go in rows (`row_positions`, room
    for objects of size `biggest`, the first row at random): at size 32 that is how three
    large objects fit, two in the top row and one in the bottom row or the other way."""
    for _ in range(SCENE_ATTEMPTS):
        placed = []
        for kind in kinds:
            thing = place_one(kind, placed, image_size, rng)
            if thing is None:
                break
            placed.append(thing)
        if len(placed) == len(kinds):
            return left_to_right(placed)
    rows = fallback_rows(len(kinds), image_size, biggest)
    if rows is None:
        raise DataError(f"{len(kinds)} {biggest} objects do not fit in size {image_size}")
    first_row = int(rng.integers(rows))
    positions = row_positions(
        len(kinds), rows, image_size, radius_of(biggest, image_size), first_row
    )
    placed = [PictureObject(*kind, x, y) for kind, (x, y) in zip(kinds, positions)]
    return left_to_right(placed)


def random_scene(n_objects: int, shapes, colours, sizes, image_size: int, rng):
    """A scene of `n_objects` objects, each shape, colour and size drawn uniformly."""
    kinds = []
    for _ in range(n_objects):
        shape = shapes[int(rng.integers(len(shapes)))]
        colour = colours[int(rng.integers(len(colours)))]
        size = sizes[int(rng.integers(len(sizes)))]
        kinds.append((shape, colour, size))
    biggest = max(sizes, key=SIZE_RADII.get)
    return place_objects(kinds, image_size, rng, biggest)


def shape_mask(shape: str, dy: np.ndarray, dx: np.ndarray, r: int) -> np.ndarray:
    """Which pixels of the box belong to the shape; dy, dx are the offsets from the centre
    (a column and a row of -r .. r, broadcast to the (2r+1, 2r+1) box).

        circle    dx² + dy² <= (r + 1/2)²
        square    |dx| <= s and |dy| <= s, with s = 0.85 r rounded (about the disc's area)
        triangle  |dx| <= (dy + r) / 2   (apex at the top row, base r wide each side)
        diamond   |dx| + |dy| <= r
    """
    if shape == "circle":
        return dx**2 + dy**2 <= (r + 0.5) ** 2
    if shape == "square":
        s = max(1, int(0.85 * r + 0.5))
        return (np.abs(dx) <= s) & (np.abs(dy) <= s)
    if shape == "triangle":
        return np.abs(dx) <= (dy + r) / 2
    if shape == "diamond":
        return np.abs(dx) + np.abs(dy) <= r
    raise DataError(f"draw_scene: unknown shape {shape!r}; known: {', '.join(SHAPES)}")


def draw_object(image: np.ndarray, thing: PictureObject) -> None:
    """Fill `thing`'s pixels of `image` (3, H, W) with its colour, in place."""
    size = image.shape[-1]
    r = radius_of(thing.size, size)
    offsets = np.arange(-r, r + 1)
    dy = offsets[:, None]  # (2r+1, 1)
    dx = offsets[None, :]  # (1, 2r+1)
    mask = shape_mask(thing.shape, dy, dx, r)  # (2r+1, 2r+1)
    box = image[:, thing.y - r : thing.y + r + 1, thing.x - r : thing.x + r + 1]
    colour = np.asarray(COLOURS[thing.colour], dtype=np.float32)
    box[:, mask] = colour[:, None]


def check_drawable(scene, size) -> None:
    """DataError unless `scene` is PictureObjects with known names, each box inside a
    size x size image."""
    check_int(size, "size", "draw_scene", error=DataError, minimum=1)
    for thing in scene:
        if not isinstance(thing, PictureObject):
            raise DataError(f"draw_scene: a scene holds PictureObjects, got {describe(thing)}")
        known = (thing.shape in SHAPES, thing.colour in COLOURS, thing.size in SIZE_RADII)
        if not all(known):
            raise DataError(
                f"draw_scene: {thing} has an unknown shape, colour or size; known: "
                f"{', '.join(SHAPES)}; {', '.join(COLOURS)}; {', '.join(SIZE_RADII)}"
            )
        r = radius_of(thing.size, size)
        if min(thing.x, thing.y) < r or max(thing.x, thing.y) > size - 1 - r:
            raise DataError(
                f"draw_scene: {thing} does not fit in a {size}x{size} image: its box "
                f"reaches {r} pixels either side of the centre"
            )


def draw_scene(scene, size: int = 32) -> np.ndarray:
    """The picture of `scene`: (3, size, size) float32 in [0, 1], black (0) background,
    each object filled with its colour (PyTorch's channels-first layout)."""
    check_drawable(scene, size)
    image = np.zeros((3, size, size), dtype=np.float32)
    for thing in scene:
        draw_object(image, thing)
    return image


def describe_object(thing: PictureObject) -> str:
    """ "a small red circle": the article, the size, the colour and the shape."""
    return f"a {thing.size} {thing.colour} {thing.shape}"


def caption_of(scene) -> str:
    """The scene's caption: its objects left to right, joined by "left of".

    1 object   "a small red circle"
    2 objects  "a small red circle left of a large blue square"
    3 objects  "a small red circle left of a large blue square left of a small
                green triangle"
    """
    return " left of ".join(describe_object(thing) for thing in left_to_right(scene))
