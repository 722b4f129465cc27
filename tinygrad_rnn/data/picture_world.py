"""The generated picture world: images, their scenes, captions and questions, by seed.

    from tinygrad_rnn import data

    world = data.picture_world(1000, size=32, seed=0)
    world.images      # (1000, 3, 32, 32) float32 in [0, 1], PyTorch's (N, C, H, W)
    world.scenes[0]   # (PictureObject('circle', 'red', 'small', x=6, y=20), ...) left to right
    world.captions[0] # "a small red circle left of a large blue square"
    world.questions[0]  # Question(image=0, text='what colour is the circle', answer='red',
                        #          kind='colour')
    train, test = world.subset(range(800)), world.subset(range(800, 1000))
    print(world.summary())

Everything comes from one numpy Generator made from `seed`: the number of objects, each
object's shape, colour and size, its position (pictures.py), then the questions
(questions.py). The same seed gives the same world, object for object.

Read next: examples/13_image_captioning.py and examples/14_vqa.py, which learn from it.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..checks import check_int, describe
from .checks import check_sized, make_rng
from .errors import DataError
from .pictures import (
    COLOURS,
    REFERENCE_SIZE,
    SHAPES,
    SIZE_RADII,
    caption_of,
    draw_scene,
    fallback_rows,
    random_scene,
)
from .questions import NUMBER_WORDS, QUESTION_KINDS, Question, answer_vocabulary, ask_questions

DEFAULT_SHAPES = ("circle", "square", "triangle")
DEFAULT_COLOURS = ("red", "green", "blue", "yellow")
DEFAULT_SIZES = ("small", "large")
# The answers of a world with the default shapes, colours and max_objects=3.
ANSWERS = answer_vocabulary(DEFAULT_SHAPES, DEFAULT_COLOURS, 3)
MAX_OBJECTS = len(NUMBER_WORDS) - 1  # the count answers are words up to this number
WHERE = "picture_world"


@dataclass
class PictureWorld:
    """The images of a generated world with what is in them (see the module docstring).

    images (N, 3, size, size) float32; scenes, captions: one per image; questions: a flat
    list, each naming its image by index. shapes, colours, sizes, max_objects: the
    settings it was made with (they fix the vocabulary of captions and answers).
    """

    images: np.ndarray
    scenes: list
    captions: list
    questions: list
    shapes: tuple
    colours: tuple
    sizes: tuple
    max_objects: int

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        # short, so a debugger does not print thousands of scenes and questions
        return (
            f"PictureWorld({len(self)} images of {self.size}x{self.size}, "
            f"{len(self.questions)} questions)"
        )

    @property
    def size(self) -> int:
        """The side of the square images in pixels."""
        return self.images.shape[-1]

    @property
    def answers(self) -> tuple[str, ...]:
        """Every answer a world with these settings can give (the classifier's classes)."""
        return answer_vocabulary(self.shapes, self.colours, self.max_objects)

    def questions_about(self, image: int) -> list[Question]:
        """The questions about image number `image` (a loop over all questions: to go
        through every image, use `questions_by_image()` once instead)."""
        return [question for question in self.questions if question.image == image]

    def questions_by_image(self) -> list[list[Question]]:
        """For every image, in order, the list of its questions."""
        by_image = [[] for _ in range(len(self))]
        for question in self.questions:
            by_image[question.image].append(question)
        return by_image

    def subset(self, indices) -> "PictureWorld":
        """The world of images `indices` (in that order): images, scenes, captions, and
        their questions with `image` renumbered to the new positions."""
        picked = check_indices(indices, len(self), "PictureWorld.subset")
        by_image = self.questions_by_image()
        questions = []
        for new, old in enumerate(picked):
            for question in by_image[old]:
                questions.append(Question(new, question.text, question.answer, question.kind))
        return PictureWorld(
            images=self.images[picked],
            scenes=[self.scenes[i] for i in picked],
            captions=[self.captions[i] for i in picked],
            questions=questions,
            shapes=self.shapes,
            colours=self.colours,
            sizes=self.sizes,
            max_objects=self.max_objects,
        )

    def summary(self) -> str:
        """A few lines: how many images, objects per image, questions per kind, answers."""
        objects = Counter(len(scene) for scene in self.scenes)
        kinds = Counter(question.kind for question in self.questions)
        answers = Counter(question.answer for question in self.questions)
        lines = [
            f"{len(self)} images of {self.size}x{self.size}, {len(self.questions)} questions",
            "objects per image: " + ", ".join(f"{n}: {objects[n]}" for n in sorted(objects)),
            "questions per kind: " + ", ".join(f"{k}: {kinds[k]}" for k in QUESTION_KINDS),
            "answers: " + ", ".join(f"{a}: {answers[a]}" for a in self.answers if answers[a]),
        ]
        return "\n".join(lines)


def check_indices(indices, n: int, where: str) -> list[int]:
    """`indices` as a list of ints in 0 .. n-1 (negative ones count from the end)."""
    items = check_sized(indices, "indices", where)  # a range or generator becomes a list
    picked = []
    for index in items:
        check_int(index, "every index", where, error=DataError)
        if not -n <= index < n:
            raise DataError(f"{where}: index {index} is out of range for {n} images")
        picked.append(int(index) % n)
    return picked


def check_names(values, name: str, known: Sequence, where: str) -> tuple:
    """`values` as a tuple of known, distinct names, or a DataError naming `name`."""
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise DataError(f"{where}: {name} must be a list or tuple of names, got {describe(values)}")
    if len(values) == 0:
        raise DataError(f"{where}: {name} is empty; give at least one of {', '.join(known)}")
    for value in values:
        if value not in known:
            raise DataError(
                f"{where}: {name} holds the unknown name {describe(value)}; "
                f"known: {', '.join(known)}"
            )
    repeated = [value for value, count in Counter(values).items() if count > 1]
    if repeated:
        raise DataError(f"{where}: {name} names {repeated[0]!r} twice; give each name once")
    return tuple(values)


def layout_fits(size: int, min_objects: int, max_objects: int, biggest: str) -> bool:
    """True when min_objects .. max_objects objects of size `biggest` fit in rows in a
    size x size image (pictures.fallback_rows), so every scene can be placed."""
    for n in range(min_objects, max_objects + 1):
        if fallback_rows(n, size, biggest) is None:
            return False
    return True


def smallest_size(min_objects: int, max_objects: int, biggest: str) -> int | None:
    """The smallest image size from which on every size up to 256 has room for the
    objects (rounding the radii lets a few small sizes fit where bigger ones do not),
    or None when 256 has no room."""
    if not layout_fits(256, min_objects, max_objects, biggest):
        return None
    size = 256
    while size > 1 and layout_fits(size - 1, min_objects, max_objects, biggest):
        size -= 1
    return size


def check_room(size: int, min_objects: int, max_objects: int, sizes: tuple) -> None:
    """DataError unless max_objects objects of the biggest of `sizes` fit in the image."""
    biggest = max(sizes, key=SIZE_RADII.get)
    if layout_fits(size, min_objects, max_objects, biggest):
        return
    needed = smallest_size(min_objects, max_objects, biggest)
    if needed is None:
        raise DataError(
            f"{WHERE}: max_objects={max_objects} {biggest} objects never fit in one picture "
            f"(a {biggest} object is {2 * SIZE_RADII[biggest] + 1}/{REFERENCE_SIZE} of its "
            f"width); use a smaller max_objects or smaller sizes"
        )
    raise DataError(
        f"{WHERE}: size={size} is too small for max_objects={max_objects} {biggest} "
        f"objects; use size >= {needed}"
    )


def check_counts(n_images, size, min_objects, max_objects, questions_per_image) -> None:
    """The numbers picture_world takes: n_images >= 1, size >= 8, 1 <= min_objects <=
    max_objects <= MAX_OBJECTS, questions_per_image >= 0."""
    check_int(n_images, "n_images", WHERE, error=DataError, minimum=1)
    check_int(size, "size", WHERE, error=DataError, minimum=8)
    check_int(min_objects, "min_objects", WHERE, error=DataError, minimum=1)
    check_int(max_objects, "max_objects", WHERE, error=DataError, minimum=1)
    check_int(questions_per_image, "questions_per_image", WHERE, error=DataError, minimum=0)
    if min_objects > max_objects:
        raise DataError(
            f"{WHERE}: min_objects={min_objects} is more than max_objects={max_objects}"
        )
    if max_objects > MAX_OBJECTS:
        raise DataError(f"{WHERE}: max_objects must be <= {MAX_OBJECTS}, got {max_objects}")


def picture_world(
    n_images: int,
    *,
    size: int = 32,
    min_objects: int = 1,
    max_objects: int = 3,
    shapes: Sequence[str] = DEFAULT_SHAPES,
    colours: Sequence[str] = DEFAULT_COLOURS,
    sizes: Sequence[str] = DEFAULT_SIZES,
    questions_per_image: int = 4,
    seed=0,
) -> PictureWorld:
    """`n_images` generated pictures with their scenes, captions and questions.

    Each scene holds min_objects .. max_objects objects (uniformly), each a shape, colour
    and size drawn uniformly from `shapes`, `colours` and `sizes`, placed without overlap
    (pictures.py); then `questions_per_image` questions per image (questions.py). All of
    it is drawn from np.random.default_rng(seed), so a seed always gives the same world.
    """
    check_counts(n_images, size, min_objects, max_objects, questions_per_image)
    shapes = check_names(shapes, "shapes", SHAPES, WHERE)
    colours = check_names(colours, "colours", tuple(COLOURS), WHERE)
    sizes = check_names(sizes, "sizes", tuple(SIZE_RADII), WHERE)
    check_room(size, min_objects, max_objects, sizes)
    rng = make_rng(seed, WHERE)
    scenes = []
    for _ in range(n_images):
        n_objects = int(rng.integers(min_objects, max_objects + 1))
        scenes.append(random_scene(n_objects, shapes, colours, sizes, size, rng))
    images = np.zeros((n_images, 3, size, size), dtype=np.float32)  # (N, 3, size, size)
    for i, scene in enumerate(scenes):
        images[i] = draw_scene(scene, size)
    questions = ask_questions(scenes, questions_per_image, shapes, colours, rng)
    return PictureWorld(
        images=images,
        scenes=scenes,
        captions=[caption_of(scene) for scene in scenes],
        questions=questions,
        shapes=shapes,
        colours=colours,
        sizes=sizes,
        max_objects=max_objects,
    )
