"""Questions about a picture, with one-word answers read off the scene.

    kind     question                                        answer
    colour   "what colour is the circle"                     "red"     (a shape seen once)
    shape    "what shape is the red thing"                   "circle"  (a colour seen once)
    count    "how many things are there"                     "two"
             "how many circles are there"                    "zero" .. "three"
    exists   "is there a blue square"                        "yes" / "no"
    side     "is the circle left or right of the square"     "left" / "right"
             "is the red thing left or right of the blue thing"   (both seen once)

Questions are lower case, words separated by single spaces, no punctuation. A question
only names a thing that picks out exactly one object ("the circle" when there is one
circle), so every answer is well defined.

Balance over a world (`ask_questions`): for every question the kind asked least so far
among those the scene allows is chosen (ties broken at random), so the kinds come out in
about equal numbers; "exists" asks "yes" when fewer yes than no answers have been given,
otherwise "no", so its answers are 50/50 (a model that ignores the picture gets half).

Read next: picture_world.py (the world that draws the scenes and asks these).
"""

from collections import Counter
from dataclasses import dataclass

from .pictures import PictureObject

QUESTION_KINDS = ("colour", "shape", "count", "exists", "side")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight")
YES_NO = ("yes", "no")
LEFT_RIGHT = ("left", "right")


@dataclass(frozen=True)
class Question:
    """A question about image number `image` of a world, its one-word `answer`, and its
    `kind` (one of QUESTION_KINDS)."""

    image: int
    text: str
    answer: str
    kind: str


def seen_once(values) -> list:
    """The values that occur exactly once, in their first order: ["circle", "square"]."""
    counts = Counter(values)
    return [value for value in dict.fromkeys(values) if counts[value] == 1]


def colour_questions(scene) -> list[tuple[str, str]]:
    """("what colour is the circle", "red") for every shape seen once in the scene."""
    pairs = []
    for shape in seen_once([thing.shape for thing in scene]):
        thing = next(t for t in scene if t.shape == shape)
        pairs.append((f"what colour is the {shape}", thing.colour))
    return pairs


def shape_questions(scene) -> list[tuple[str, str]]:
    """("what shape is the red thing", "circle") for every colour seen once in the scene."""
    pairs = []
    for colour in seen_once([thing.colour for thing in scene]):
        thing = next(t for t in scene if t.colour == colour)
        pairs.append((f"what shape is the {colour} thing", thing.shape))
    return pairs


def count_questions(scene, shapes) -> list[tuple[str, str]]:
    """("how many things are there", "two") and ("how many circles are there", "zero")
    for every shape of the world."""
    pairs = [("how many things are there", NUMBER_WORDS[len(scene)])]
    for shape in shapes:
        count = sum(1 for thing in scene if thing.shape == shape)
        pairs.append((f"how many {shape}s are there", NUMBER_WORDS[count]))
    return pairs


def exists_questions(scene, shapes, colours) -> tuple[list, list]:
    """The "is there a blue square" questions answered "yes" (a colour and shape in the
    scene) and those answered "no" (every other colour and shape of the world)."""
    present = {(thing.colour, thing.shape) for thing in scene}
    yes, no = [], []
    for colour in colours:
        for shape in shapes:
            text = f"is there a {colour} {shape}"
            if (colour, shape) in present:
                yes.append((text, "yes"))
            else:
                no.append((text, "no"))
    return yes, no


def side_word(a: PictureObject, b: PictureObject) -> str:
    """ "left" when a's centre is left of b's (smaller x), else "right"."""
    return "left" if a.x < b.x else "right"


def side_questions(scene) -> list[tuple[str, str]]:
    """("is the circle left or right of the square", "left") for every ordered pair of
    shapes seen once, and the same with colours ("the red thing") seen once."""
    pairs = []
    for shape_a in seen_once([thing.shape for thing in scene]):
        for shape_b in seen_once([thing.shape for thing in scene]):
            if shape_a != shape_b:
                a = next(t for t in scene if t.shape == shape_a)
                b = next(t for t in scene if t.shape == shape_b)
                text = f"is the {shape_a} left or right of the {shape_b}"
                pairs.append((text, side_word(a, b)))
    for colour_a in seen_once([thing.colour for thing in scene]):
        for colour_b in seen_once([thing.colour for thing in scene]):
            if colour_a != colour_b:
                a = next(t for t in scene if t.colour == colour_a)
                b = next(t for t in scene if t.colour == colour_b)
                text = f"is the {colour_a} thing left or right of the {colour_b} thing"
                pairs.append((text, side_word(a, b)))
    return pairs


def candidate_questions(scene, shapes, colours) -> dict[str, list]:
    """Every question the scene allows, by kind; "exists" is split into "yes" and "no"."""
    yes, no = exists_questions(scene, shapes, colours)
    return {
        "colour": colour_questions(scene),
        "shape": shape_questions(scene),
        "count": count_questions(scene, shapes),
        "yes": yes,
        "no": no,
        "side": side_questions(scene),
    }


def least_asked_kind(candidates: dict, tally: Counter, rng) -> str | None:
    """Among the kinds the scene still has questions for, one asked least so far (ties
    broken at random); None when no question is left."""
    open_kinds = [
        kind
        for kind in QUESTION_KINDS
        if (candidates["yes"] or candidates["no"] if kind == "exists" else candidates[kind])
    ]
    if not open_kinds:
        return None
    fewest = min(tally[kind] for kind in open_kinds)
    tied = [kind for kind in open_kinds if tally[kind] == fewest]
    return tied[int(rng.integers(len(tied)))]


def take_one(pool: list, rng) -> tuple[str, str]:
    """Remove and return a random (question, answer) pair from `pool`."""
    return pool.pop(int(rng.integers(len(pool))))


def exists_pool(candidates: dict, tally: Counter) -> list:
    """The "yes" questions when fewer yes than no have been asked (or no "no" is left),
    otherwise the "no" questions: this keeps the answers 50/50."""
    if not candidates["no"]:
        return candidates["yes"]
    if not candidates["yes"]:
        return candidates["no"]
    return candidates["yes"] if tally["yes"] <= tally["no"] else candidates["no"]


def ask_about_scene(image: int, scene, n_questions: int, world: tuple, tally: Counter, rng):
    """Up to `n_questions` different questions about `scene` (image number `image`);
    `world` is (shapes, colours); `tally` counts the kinds and exists answers asked so far
    and is updated."""
    shapes, colours = world
    candidates = candidate_questions(scene, shapes, colours)
    questions = []
    for _ in range(n_questions):
        kind = least_asked_kind(candidates, tally, rng)
        if kind is None:
            break
        pool = exists_pool(candidates, tally) if kind == "exists" else candidates[kind]
        text, answer = take_one(pool, rng)
        tally[kind] += 1
        if kind == "exists":
            tally[answer] += 1
        questions.append(Question(image, text, answer, kind))
    return questions


def ask_questions(scenes, questions_per_image: int, shapes, colours, rng) -> list[Question]:
    """`questions_per_image` questions about each scene (fewer when a scene allows fewer),
    image by image, balanced over kinds and over exists' yes/no (see the module docstring)."""
    tally = Counter()
    questions = []
    for image, scene in enumerate(scenes):
        asked = ask_about_scene(image, scene, questions_per_image, (shapes, colours), tally, rng)
        questions.extend(asked)
    return questions


def answer_vocabulary(shapes, colours, max_objects: int) -> tuple[str, ...]:
    """Every answer a world with these settings can give, in a fixed order: the colours,
    the shapes, the numbers zero .. max_objects, yes, no, left, right."""
    numbers = NUMBER_WORDS[: max_objects + 1]
    return tuple(colours) + tuple(shapes) + numbers + YES_NO + LEFT_RIGHT
