"""The generated picture world (tinygrad_rnn.data.picture_world): scenes, pictures, captions
and questions checked against each other by code written independently here."""

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import data

RGB = {"red": (1, 0, 0), "green": (0, 1, 0), "blue": (0, 0, 1), "yellow": (1, 1, 0)}
MORE_RGB = {"magenta": (1, 0, 1), "cyan": (0, 1, 1), "white": (1, 1, 1)}
RADIUS_AT_32 = {"small": 4, "large": 7}
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight"]


@pytest.fixture(scope="module")
def world():
    return data.picture_world(600, seed=3)


def radius(size_name, image_size):
    """Half the box's side, as the task describes it: 4 or 7 pixels at size 32, scaled."""
    return max(1, int(np.floor(RADIUS_AT_32[size_name] * image_size / 32 + 0.5)))


def parse_caption(caption):
    """ "a small red circle left of a large blue square" -> [("small", "red", "circle"), ...]."""
    parts = caption.split(" left of ")
    objects = []
    for part in parts:
        match = re.fullmatch(r"a (small|large) ([a-z]+) ([a-z]+)", part)
        assert match is not None, caption
        objects.append(match.groups())
    return objects


def test_same_seed_same_world_and_other_seeds_differ():
    a = data.picture_world(30, seed=7)
    b = data.picture_world(30, seed=7)
    c = data.picture_world(30, seed=8)
    assert np.array_equal(a.images, b.images)
    assert a.scenes == b.scenes and a.captions == b.captions and a.questions == b.questions
    assert not np.array_equal(a.images, c.images)
    assert a.captions != c.captions


def test_fields_shapes_types_and_lengths(world):
    assert len(world) == 600
    assert world.images.shape == (600, 3, 32, 32)
    assert world.images.dtype == np.float32
    assert world.images.min() == 0.0 and world.images.max() == 1.0
    assert len(world.scenes) == len(world.captions) == 600
    assert all(1 <= len(scene) <= 3 for scene in world.scenes)
    assert {len(scene) for scene in world.scenes} == {1, 2, 3}
    assert len(world.questions) == 4 * 600
    assert data.QUESTION_KINDS == ("colour", "shape", "count", "exists", "side")


def test_every_caption_parses_back_into_its_scene(world):
    for scene, caption in zip(world.scenes, world.captions):
        parsed = parse_caption(caption)
        assert parsed == [(thing.size, thing.colour, thing.shape) for thing in scene]
        assert caption == data.caption_of(scene)
        assert caption == data.caption_of(tuple(reversed(scene)))  # order comes from x


def test_caption_grammar_by_hand():
    red = data.PictureObject("circle", "red", "small", 6, 20)
    blue = data.PictureObject("square", "blue", "large", 20, 10)
    green = data.PictureObject("triangle", "green", "small", 27, 26)
    assert data.caption_of((red,)) == "a small red circle"
    assert data.caption_of((red, blue)) == "a small red circle left of a large blue square"
    assert data.caption_of((green, red, blue)) == (
        "a small red circle left of a large blue square left of a small green triangle"
    )


def test_objects_are_drawn_where_the_scene_says(world):
    for image, scene in zip(world.images[:200], world.scenes[:200]):
        inside = np.zeros((32, 32), dtype=bool)
        for thing in scene:
            assert tuple(image[:, thing.y, thing.x]) == RGB[thing.colour]
            r = radius(thing.size, 32)
            box = image[:, thing.y - r : thing.y + r + 1, thing.x - r : thing.x + r + 1]
            lit = box.reshape(3, -1).T[box.any(axis=0).ravel()]
            assert (lit == np.array(RGB[thing.colour])).all()  # only its own colour
            inside[thing.y - r : thing.y + r + 1, thing.x - r : thing.x + r + 1] = True
        assert (image[:, ~inside] == 0).all()  # the background is black


def test_draw_scene_is_the_world_image_and_sizes_differ_in_area(world):
    for i in range(20):
        assert np.array_equal(data.draw_scene(world.scenes[i]), world.images[i])
    for shape in ("circle", "square", "triangle"):
        small = data.draw_scene([data.PictureObject(shape, "red", "small", 16, 16)])
        large = data.draw_scene([data.PictureObject(shape, "red", "large", 16, 16)])
        assert (large[0] > 0).sum() > 2 * (small[0] > 0).sum()
        assert large[1:].sum() == 0 and small[1:].sum() == 0


def test_triangle_stands_upright():
    image = data.draw_scene([data.PictureObject("triangle", "green", "large", 16, 16)])
    widths = (image[1] > 0).sum(axis=1)  # pixels per row
    rows = widths[widths > 0]
    assert rows[0] < rows[-1]  # narrow at the top, wide at the bottom
    assert (np.diff(rows) >= 0).all()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(31, 64) | st.sampled_from([11, 15, 19, 20, 23]),
    counts=st.sampled_from([(1, 1), (1, 2), (2, 3), (3, 3)]),
)
def test_no_overlaps_and_left_to_right(seed, size, counts):
    world = data.picture_world(12, size=size, min_objects=counts[0], max_objects=counts[1],
                               questions_per_image=0, seed=seed)  # fmt: skip
    for image, scene in zip(world.images, world.scenes):
        xs = [thing.x for thing in scene]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)
        assert all(b - a >= 2 for a, b in zip(xs, xs[1:]))  # a clear horizontal margin
        masks = [data.draw_scene([thing], size).any(axis=0) for thing in scene]
        for i, thing in enumerate(scene):
            r = radius(thing.size, size)
            assert r <= thing.x <= size - 1 - r and r <= thing.y <= size - 1 - r
            for other in masks[i + 1 :]:
                assert not (masks[i] & other).any()  # no shared pixel
        assert np.array_equal(np.maximum.reduce(masks), image.any(axis=0))


def answer_from_scene(text, scene):
    """The answer to `text`, worked out from the scene by regular expressions."""
    things = list(scene)
    m = re.fullmatch(r"what colour is the (\w+)", text)
    if m:
        (only,) = [t for t in things if t.shape == m[1]]
        return only.colour
    m = re.fullmatch(r"what shape is the (\w+) thing", text)
    if m:
        (only,) = [t for t in things if t.colour == m[1]]
        return only.shape
    if text == "how many things are there":
        return NUMBERS[len(things)]
    m = re.fullmatch(r"how many (\w+)s are there", text)
    if m:
        return NUMBERS[sum(t.shape == m[1] for t in things)]
    m = re.fullmatch(r"is there a (\w+) (\w+)", text)
    if m:
        return "yes" if any((t.colour, t.shape) == (m[1], m[2]) for t in things) else "no"
    m = re.fullmatch(r"is the (\w+)( thing)? left or right of the (\w+)( thing)?", text)
    if m:
        key = (lambda t: t.colour) if m[2] else (lambda t: t.shape)
        (a,) = [t for t in things if key(t) == m[1]]
        (b,) = [t for t in things if key(t) == m[3]]
        return "left" if a.x < b.x else "right"
    raise AssertionError(f"a question the test cannot read: {text!r}")


def test_every_answer_is_right_for_its_scene(world):
    kinds_seen = set()
    for question in world.questions:
        assert re.fullmatch(r"[a-z]+( [a-z]+)*", question.text)
        assert question.answer in world.answers and " " not in question.answer
        assert answer_from_scene(question.text, world.scenes[question.image]) == question.answer
        kinds_seen.add(question.kind)
    assert kinds_seen == set(data.QUESTION_KINDS)


def test_every_shape_and_colour_draws_and_answers():
    shapes = ("circle", "square", "triangle", "diamond")
    colours = (*RGB, *MORE_RGB)
    world = data.picture_world(150, shapes=shapes, colours=colours, questions_per_image=6, seed=5)
    rgb = {**RGB, **MORE_RGB}
    for image, scene in zip(world.images, world.scenes):
        for thing in scene:
            assert tuple(image[:, thing.y, thing.x]) == rgb[thing.colour]
    for question in world.questions:
        assert answer_from_scene(question.text, world.scenes[question.image]) == question.answer
    assert {thing.shape for scene in world.scenes for thing in scene} == {
        "circle", "square", "triangle", "diamond"
    }  # fmt: skip


def test_questions_per_image_are_different_and_in_order(world):
    by_image = Counter(question.image for question in world.questions)
    assert set(by_image.values()) == {4}
    images = [question.image for question in world.questions]
    assert images == sorted(images)
    by_image = world.questions_by_image()
    for i in range(0, 600, 50):
        texts = [question.text for question in world.questions_about(i)]
        assert len(texts) == len(set(texts))
        assert by_image[i] == world.questions_about(i)
    assert repr(world) == "PictureWorld(600 images of 32x32, 2400 questions)"


def test_kinds_are_balanced_and_exists_is_half_yes(world):
    kinds = Counter(question.kind for question in world.questions)
    mean = len(world.questions) / len(data.QUESTION_KINDS)
    assert all(abs(kinds[kind] - mean) <= 0.1 * mean for kind in data.QUESTION_KINDS)
    exists = Counter(q.answer for q in world.questions if q.kind == "exists")
    assert abs(exists["yes"] - exists["no"]) <= 1
    sides = Counter(q.answer for q in world.questions if q.kind == "side")
    assert abs(sides["left"] - sides["right"]) <= 0.2 * sum(sides.values())


def test_fewer_questions_when_a_scene_allows_fewer():
    world = data.picture_world(5, max_objects=1, shapes=("circle",), colours=("red",),
                               sizes=("small",), questions_per_image=50)  # fmt: skip
    # one red circle: colour, shape, 2 counts, "is there a red circle"; nothing "no" or "side"
    for i in range(5):
        kinds = Counter(question.kind for question in world.questions_about(i))
        assert kinds == {"colour": 1, "shape": 1, "count": 2, "exists": 1}


def test_subset_keeps_fields_and_renumbers_questions(world):
    part = world.subset([5, 2, 5])
    assert len(part) == 3
    assert np.array_equal(part.images, world.images[[5, 2, 5]])
    assert part.scenes == [world.scenes[5], world.scenes[2], world.scenes[5]]
    assert part.captions == [world.captions[5], world.captions[2], world.captions[5]]
    for new, old in enumerate([5, 2, 5]):
        got = [(q.text, q.answer, q.kind) for q in part.questions_about(new)]
        want = [(q.text, q.answer, q.kind) for q in world.questions_about(old)]
        assert got == want
    assert len(world.subset(range(10, 20))) == 10
    assert world.subset(np.arange(3)).captions == world.captions[:3]


def test_answer_vocabulary():
    assert data.ANSWERS == data.picture_world(1).answers
    assert set(data.ANSWERS) == {*RGB, "circle", "square", "triangle", *NUMBERS[:4],
                                 "yes", "no", "left", "right"}  # fmt: skip


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"n_images": 0}, "n_images"),
        ({"n_images": 2.5}, "n_images"),
        ({"size": "32"}, "size"),
        ({"size": 10}, "size=10"),
        ({"size": 4}, "size must be >= 8"),
        ({"min_objects": 0}, "min_objects"),
        ({"min_objects": 3, "max_objects": 2}, "min_objects=3"),
        ({"max_objects": 4}, "max_objects=4"),
        ({"shapes": ("circle", "hexagon")}, "'hexagon'"),
        ({"shapes": "circle"}, "shapes"),
        ({"shapes": ()}, "shapes"),
        ({"colours": ("red", "red")}, "colours names 'red' twice"),
        ({"colours": ("red", "mauve")}, "'mauve'"),
        ({"sizes": ("huge",)}, "'huge'"),
        ({"questions_per_image": -1}, "questions_per_image"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_are_named(kwargs, named):
    arguments = {"n_images": 2, **kwargs}
    with pytest.raises(data.DataError, match=re.escape(named)) as caught:
        data.picture_world(**arguments)
    assert str(caught.value).startswith("picture_world:")
    assert "test_data_pictures.py" in str(caught.value)  # the user's line


def test_the_size_hint_is_right():
    with pytest.raises(data.DataError, match=r"use size >= 31"):
        data.picture_world(2, size=30)
    for size in range(31, 40):
        assert len(data.picture_world(2, size=size, min_objects=3, seed=1)) == 2
    small_only = data.picture_world(20, max_objects=6, sizes=("small",), seed=2)
    assert max(len(scene) for scene in small_only.scenes) == 6


def test_subset_and_draw_scene_errors(world):
    with pytest.raises(data.DataError, match="out of range"):
        world.subset([600])
    with pytest.raises(data.DataError, match="index"):
        world.subset([1.5])
    with pytest.raises(data.DataError, match="does not fit"):
        data.draw_scene([data.PictureObject("circle", "red", "large", 3, 16)])
    with pytest.raises(data.DataError, match="unknown"):
        data.draw_scene([data.PictureObject("blob", "red", "large", 16, 16)])
