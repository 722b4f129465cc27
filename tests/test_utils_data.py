"""tinygrad_rnn.utils.data: datasets, samplers, default_collate and the DataLoader, with
PyTorch's spellings and rules, checked against hand-derived batches and orders."""

import collections
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn import nn, optim
from tinygrad_rnn.generator import Generator
from tinygrad_rnn.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)


def arange_dataset(n: int, features: int = 2) -> TensorDataset:
    """Sample i is (x_i, i) with x_i = [features·i, features·i + 1, ...] (float64)."""
    X = tg.tensor(np.arange(n * features, dtype=np.float64).reshape(n, features))
    return TensorDataset(X, tg.tensor(np.arange(n)))


def epoch_indices(loader) -> list[int]:
    """The sample indices of one epoch, in the order the loader gave them."""
    return [i for _, yb in loader for i in yb.tolist()]


class Squares(Dataset):
    def __getitem__(self, index):
        return index * index

    def __len__(self):
        return 4


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


# --- Datasets -----------------------------------------------------------------------
def test_tensor_dataset_sample_i_is_row_i_of_each_tensor():
    data = arange_dataset(5)
    assert len(data) == 5
    x, y = data[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3 and y.dtype == np.int64


@pytest.mark.parametrize(
    "args, message",
    [
        ((tg.zeros(5, 2), tg.zeros(4)), r"same first dimension.*\[\(5, 2\), \(4,\)\]"),
        ((), "at least one tensor"),
        ((np.zeros(3),), "ndarray of shape"),
        ((tg.tensor(1.0),), "Tensor of shape \\(\\)"),
    ],
)
def test_tensor_dataset_refuses_tensors_that_are_no_table_of_examples(args, message):
    with pytest.raises(ValueError, match=message):  # ShapeError or ArgumentError
        TensorDataset(*args)


def test_subset_reads_the_dataset_at_its_indices():
    subset = Subset(Squares(), [3, 1])
    assert len(subset) == 2 and subset[0] == 9 and subset[1] == 1
    assert Subset(arange_dataset(5), [4, 0])[[1, 0]][1].tolist() == [0, 4]


def test_concat_dataset_counts_on_from_one_dataset_to_the_next():
    joined = ConcatDataset([Squares(), Subset(Squares(), [2, 3])])
    assert joined.cumulative_sizes == [4, 6]
    assert [joined[i] for i in range(len(joined))] == [0, 1, 4, 9, 4, 9]
    assert joined[-1] == 9 and joined[-6] == 0
    with pytest.raises(tg.TensorIndexError, match=r"index 6 is out of range for 6 samples"):
        joined[6]
    with pytest.raises(IndexError, match=r"index -7 is out of range"):
        joined[-7]


def test_plus_joins_datasets_and_chains_streams():
    assert [x for x in Squares() + Squares()] == [0, 1, 4, 9, 0, 1, 4, 9]
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2]
    assert len(chained) == 5
    with pytest.raises(tg.ArgumentError, match=r"dataset 1 is an IterableDataset"):
        ConcatDataset([Squares(), Stream(2)])
    with pytest.raises(tg.ArgumentError, match=r"must not be empty"):
        ConcatDataset([])


def test_a_dataset_without_getitem_says_what_to_define():
    with pytest.raises(NotImplementedError, match=r"Dataset must define __getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match=r"IterableDataset must define __iter__"):
        iter(IterableDataset())


# --- random_split -------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, fractions, sizes",
    [
        (10, [0.3, 0.3, 0.4], [3, 3, 4]),  # ⌊3.0000000000000004⌋ = 3, ⌊3⌋, ⌊4⌋: no remainder
        (5, [0.5, 0.5], [3, 2]),  # ⌊2.5⌋ = 2 each, the 1 left goes to split 0
        (10, [1 / 3, 1 / 3, 1 / 3], [4, 3, 3]),  # 3 each, 1 left over
        (11, [0.25, 0.25, 0.25, 0.25], [3, 3, 3, 2]),  # 2 each, 3 left: splits 0, 1, 2
        (7, [0.1] * 10, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),  # ⌊0.7⌋ = 0 each, 7 left
    ],
)
def test_random_split_rounds_fractions_as_pytorch_does(n, fractions, sizes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the empty splits of the last case warn
        splits = random_split(range(n), fractions, generator=Generator().manual_seed(0))
    assert [len(split) for split in splits] == sizes


def test_random_split_cuts_one_permutation_into_disjoint_pieces():
    splits = random_split(range(10), [3, 7], generator=Generator().manual_seed(1))
    first, second = ([split[i] for i in range(len(split))] for split in splits)
    assert sorted(first + second) == list(range(10))
    expected = np.random.default_rng(1).permutation(10).tolist()  # the documented draw
    assert first + second == expected


def test_random_split_repeats_with_the_same_seed_and_follows_tg_manual_seed():
    def pieces(**kwargs):
        return [split.indices for split in random_split(range(20), [0.5, 0.5], **kwargs)]

    assert pieces(generator=Generator().manual_seed(4)) == pieces(
        generator=Generator().manual_seed(4)
    )
    tg.manual_seed(8)
    without_generator = pieces()
    tg.manual_seed(8)
    assert pieces() == without_generator


def test_random_split_warns_about_an_empty_split():
    with pytest.warns(UserWarning, match=r"split at index 0 has length 0"):
        random_split(range(10), [0.0, 0.5, 0.5])


@pytest.mark.parametrize(
    "lengths, message",
    [
        ([3, 3], r"sum to the dataset's length 10.*lengths=\[3, 3\] \(sum 6\)"),
        ([0.3, 0.3], r"fractions that sum to 1"),
        ([-1, 11], r"lengths\[0\] must be a non-negative int or fraction, got -1"),
        (["5", 5], r"lengths\[0\]"),
        (10, r"lengths must be a list of numbers, got 10"),
    ],
)
def test_random_split_names_bad_lengths(lengths, message):
    with pytest.raises(tg.ArgumentError, match=message):
        random_split(range(10), lengths)


# --- Samplers -----------------------------------------------------------------------
def test_random_sampler_draws_a_new_permutation_each_epoch_from_its_generator():
    sampler = RandomSampler(range(6), generator=Generator().manual_seed(2))
    rng = np.random.default_rng(2)
    for _ in range(3):
        assert list(sampler) == rng.permutation(6).tolist()
    assert len(sampler) == 6


def test_random_sampler_with_more_samples_than_data_chains_permutations():
    indices = list(RandomSampler(range(4), num_samples=10, generator=Generator().manual_seed(0)))
    assert len(indices) == 10
    assert sorted(indices[:4]) == sorted(indices[4:8]) == [0, 1, 2, 3]
    assert len(set(indices[8:])) == 2


def test_random_sampler_with_replacement_draws_independently():
    g = Generator().manual_seed(0)
    indices = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=g))
    assert len(indices) == 50 and set(indices) == {0, 1, 2}
    assert indices == np.random.default_rng(0).integers(0, 3, size=50).tolist()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_samples": 0}, r"num_samples must be >= 1, got 0"),
        ({"replacement": "no"}, r"replacement must be True or False"),
        ({"generator": 3}, r"generator must be a tg.Generator.*got int"),
    ],
)
def test_random_sampler_names_a_bad_argument(kwargs, message):
    with pytest.raises(tg.ArgumentError, match=message):
        RandomSampler(range(3), **kwargs)


def test_subset_random_sampler_shuffles_the_given_indices():
    indices = list(SubsetRandomSampler([10, 20, 30], generator=Generator().manual_seed(0)))
    assert sorted(indices) == [10, 20, 30]
    order = np.random.default_rng(0).permutation(3).tolist()
    assert indices == [[10, 20, 30][i] for i in order]


def test_weighted_random_sampler_never_draws_a_zero_weight():
    g = Generator().manual_seed(0)
    assert list(WeightedRandomSampler([0.0, 1.0, 0.0], 5, generator=g)) == [1] * 5
    no_repeats = list(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=g))
    assert sorted(no_repeats) == [0, 1, 2]
    with pytest.raises(tg.ArgumentError, match=r"non-negative numbers with a positive sum"):
        WeightedRandomSampler([0.0, 0.0], 2)


def test_batch_sampler_cuts_the_indices_into_lists():
    sampler = SequentialSampler(range(5))
    assert list(sampler) == [0, 1, 2, 3, 4] and len(sampler) == 5
    assert list(BatchSampler(sampler, 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(sampler, 2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(sampler, 2, False)) == 3 and len(BatchSampler(sampler, 2, True)) == 2
    with pytest.raises(tg.ArgumentError, match=r"batch_size must be an int, got 2.0"):
        BatchSampler(sampler, 2.0, False)
    with pytest.raises(tg.ArgumentError, match=r"drop_last must be True or False"):
        BatchSampler(sampler, 2, "False")


# --- default_collate and default_convert --------------------------------------------
def test_collate_stacks_tensors_along_a_new_first_axis():
    batch = default_collate([tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0]), tg.tensor([5.0, 6.0])])
    assert batch.shape == (3, 2) and batch.tolist() == [[1, 2], [3, 4], [5, 6]]


def test_collate_keeps_the_dtype_of_numpy_arrays_and_scalars():
    floats = default_collate([np.ones(2, dtype=np.float32), np.zeros(2, dtype=np.float32)])
    assert floats.dtype == np.float32 and floats.tolist() == [[1, 1], [0, 0]]
    assert default_collate([np.int32(3), np.int32(4)]).dtype == np.int32


def test_collate_makes_python_numbers_int64_float64_and_bool_tensors():
    tg.set_default_dtype(np.float32)
    try:
        floats = default_collate([0.5, 1.5])
    finally:
        tg.set_default_dtype(np.float64)
    assert floats.dtype == np.float64 and floats.tolist() == [0.5, 1.5]  # as PyTorch
    ints = default_collate([3, 1, 2])
    assert ints.dtype == np.int64 and ints.tolist() == [3, 1, 2]
    assert default_collate([True, False]).dtype == np.bool_


def test_collate_recurses_into_dicts_tuples_and_keeps_strings_as_lists():
    samples = [
        {"x": np.array([1.0, 2.0]), "meta": ("a", 7)},
        {"x": np.array([3.0, 4.0]), "meta": ("b", 8)},
    ]
    batch = default_collate(samples)
    assert batch["x"].tolist() == [[1, 2], [3, 4]]
    names, numbers = batch["meta"]  # a tuple becomes a list, as in PyTorch
    assert isinstance(batch["meta"], list) and names == ["a", "b"] and numbers.tolist() == [7, 8]
    Pair = collections.namedtuple("Pair", ["x", "y"])
    batch = default_collate([Pair(1.0, 0), Pair(2.0, 1)])
    assert isinstance(batch, Pair) and batch.x.tolist() == [1.0, 2.0] and batch.y.tolist() == [0, 1]


def test_collate_lets_gradients_flow_back_to_each_sample():
    samples = [tg.tensor([1.0, 2.0], requires_grad=True) for _ in range(3)]
    weights = tg.tensor([[1.0, 10.0]])
    (default_collate(samples) * weights).sum().backward()
    assert all(sample.grad.tolist() == [1.0, 10.0] for sample in samples)


@pytest.mark.parametrize(
    "batch, error, message",
    [
        ([tg.zeros(2), tg.zeros(3)], tg.ShapeError, r"same shape.*\[\(2,\), \(3,\)\]"),
        ([(1, 2), (1, 2, 3)], tg.ShapeError, r"same number of parts, got lengths \[2, 3\]"),
        ([object()], tg.ArgumentError, r"found object"),
        ([], tg.ArgumentError, r"non-empty list of samples"),
    ],
)
def test_collate_explains_what_it_cannot_stack(batch, error, message):
    with pytest.raises(error, match=message):
        default_collate(batch)


def test_default_convert_makes_arrays_tensors_and_leaves_the_rest():
    converted = default_convert({"x": np.arange(3), "n": 5, "pair": (np.ones(1), "s")})
    assert converted["x"].tolist() == [0, 1, 2] and converted["n"] == 5
    assert converted["pair"][0].tolist() == [1.0] and converted["pair"][1] == "s"


# --- DataLoader ---------------------------------------------------------------------
def test_loader_without_shuffle_gives_consecutive_slices():
    loader = DataLoader(arange_dataset(5), batch_size=2)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [xb.tolist() for xb, _ in batches] == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9]]]
    assert [yb.tolist() for _, yb in batches] == [[0, 1], [2, 3], [4]]
    assert all(yb.dtype == np.int64 for _, yb in batches)


def test_drop_last_leaves_out_the_short_batch():
    loader = DataLoader(arange_dataset(5), batch_size=2, drop_last=True)
    assert len(loader) == 2 and epoch_indices(loader) == [0, 1, 2, 3]


def test_shuffle_visits_every_index_once_in_a_new_order_each_epoch():
    g = Generator().manual_seed(0)
    loader = DataLoader(arange_dataset(20), batch_size=6, shuffle=True, generator=g)
    epochs = [epoch_indices(loader) for _ in range(3)]
    assert all(sorted(epoch) == list(range(20)) for epoch in epochs)
    assert epochs[0] != epochs[1] != epochs[2]
    rng = np.random.default_rng(0)
    assert epochs == [rng.permutation(20).tolist() for _ in range(3)]


def test_shuffle_repeats_with_the_same_seed():
    def orders(seed):
        g = Generator().manual_seed(seed)
        loader = DataLoader(arange_dataset(12), batch_size=5, shuffle=True, generator=g)
        return [epoch_indices(loader) for _ in range(2)]

    assert orders(3) == orders(3) and orders(3) != orders(4)


def test_shuffle_without_a_generator_follows_tg_manual_seed():
    loader = DataLoader(arange_dataset(12), batch_size=4, shuffle=True)
    tg.manual_seed(5)
    first = epoch_indices(loader)
    tg.manual_seed(5)
    assert epoch_indices(loader) == first == np.random.default_rng(5).permutation(12).tolist()


def test_batch_size_none_yields_samples_one_by_one():
    samples = list(DataLoader(Squares(), batch_size=None))
    assert samples == [0, 1, 4, 9]
    arrays = list(DataLoader([np.array([1, 2])], batch_size=None))
    assert isinstance(arrays[0], tg.Tensor) and arrays[0].tolist() == [1, 2]
    assert len(DataLoader(Squares(), batch_size=None)) == 4


def test_a_sampler_a_batch_sampler_and_a_collate_fn_of_your_own():
    in_my_order = DataLoader(arange_dataset(4), batch_size=3, sampler=[3, 2, 1, 0])
    assert epoch_indices(in_my_order) == [3, 2, 1, 0]
    loader = DataLoader(arange_dataset(5), batch_sampler=[[4, 0], [2]])
    assert epoch_indices(loader) == [4, 0, 2] and len(loader) == 2
    sums = list(DataLoader(Squares(), batch_size=2, collate_fn=sum))
    assert sums == [1, 13]


def test_a_dataset_with_getitems_is_read_a_batch_at_a_time():
    class Rows(Squares):
        def __getitems__(self, indices):  # PyTorch's hook: one call per batch
            self.calls.append(indices)
            return [10 * i for i in indices]

    rows = Rows()
    rows.calls = []
    assert [b.tolist() for b in DataLoader(rows, batch_size=3)] == [[0, 10, 20], [30]]
    assert rows.calls == [[0, 1, 2], [3]]


def test_a_stream_is_batched_in_its_own_order():
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in dropped] == [[0, 1, 2], [3, 4, 5]] and len(dropped) == 2
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(tg.ArgumentError, match=r"IterableDataset.*shuffle must not be given"):
        DataLoader(Stream(3), shuffle=True)


def test_num_workers_loads_in_the_main_process_with_a_warning():
    with pytest.warns(UserWarning, match=r"num_workers=2, but this engine runs in one process"):
        loader = DataLoader(arange_dataset(4), batch_size=2, num_workers=2, pin_memory=True)
    assert loader.num_workers == 0 and epoch_indices(loader) == [0, 1, 2, 3]
    assert get_worker_info() is None  # the main process: PyTorch's answer there too
    with pytest.raises(tg.ArgumentError, match=r"num_workers must be >= 0, got -1"):
        DataLoader(arange_dataset(4), num_workers=-1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampler": [0, 1], "shuffle": True}, r"sampler and shuffle=True cannot be used together"),
        ({"batch_sampler": [[0]], "batch_size": 2}, r"batch_sampler cannot be used together"),
        ({"batch_sampler": [[0]], "drop_last": True}, r"batch_sampler cannot be used together"),
        ({"batch_size": None, "drop_last": True}, r"batch_size=None turns batching off"),
        ({"batch_size": 0}, r"batch_size must be >= 1, got 0"),
        ({"batch_size": 2.5}, r"batch_size must be an int, got 2.5"),
        ({"shuffle": "yes"}, r"shuffle must be True or False"),
        ({"shuffle": True, "generator": np.int64(3)}, r"generator must be a tg.Generator"),
    ],
)
def test_loader_names_arguments_that_do_not_go_together(kwargs, message):
    with pytest.raises(tg.ArgumentError, match=message):
        DataLoader(arange_dataset(4), **kwargs)


@given(
    n=st.integers(0, 40),
    batch_size=st.integers(1, 12),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_every_index_once_per_epoch_or_the_full_batches_with_drop_last(
    n, batch_size, drop_last, shuffle, seed
):
    loader = DataLoader(
        arange_dataset(n, features=1),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=Generator().manual_seed(seed),
    )
    sizes = [len(yb) for _, yb in loader]
    indices = epoch_indices(loader)
    full, rest = divmod(n, batch_size)
    if drop_last:
        assert sizes == [batch_size] * full
        assert len(set(indices)) == len(indices) == full * batch_size
    else:
        assert sizes == [batch_size] * full + ([rest] if rest else [])
        assert sorted(indices) == list(range(n))
    assert len(loader) == len(sizes)


# --- End to end: the loader feeds a training loop -----------------------------------
def test_int64_targets_from_the_loader_go_into_cross_entropy():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0], [0.0, 1.0, 0.0], [1.0, 2.0, 3.0]])
    loader = DataLoader(TensorDataset(tg.tensor(logits), tg.tensor([0, 2, 1, 0])), batch_size=4)
    xb, yb = next(iter(loader))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(4), [0, 2, 1, 0]].mean()
    assert F.cross_entropy(xb, yb).item() == pytest.approx(expected, rel=1e-12)


def test_sgd_on_loader_batches_matches_numpy_and_the_loss_decreases():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3  # (8, 1)
    tg.manual_seed(0)
    model = nn.Linear(3, 1)
    W, b = model.weight.data.copy(), model.bias.data.copy()
    opt = optim.SGD(model.parameters(), lr=0.1)
    data = TensorDataset(tg.tensor(X), tg.tensor(y))
    for xb, yb in DataLoader(data, batch_size=4):  # one epoch in order: rows 0-3, then rows 4-7
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        opt.step()
    for rows in (slice(0, 4), slice(4, 8)):  # the same two steps in numpy
        grad_pred = 2 * (X[rows] @ W.T + b - y[rows]) / 4  # d mean((ŷ - y)²) / dŷ, (4, 1)
        W, b = W - 0.1 * grad_pred.T @ X[rows], b - 0.1 * grad_pred.sum(axis=0)
    np.testing.assert_allclose(model.weight.data, W, rtol=1e-12)
    np.testing.assert_allclose(model.bias.data, b, rtol=1e-12)

    def full_loss():
        return float(np.mean((X @ model.weight.data.T + model.bias.data - y) ** 2))

    shuffled = DataLoader(data, batch_size=4, shuffle=True, generator=Generator().manual_seed(1))
    losses = [full_loss()]
    for _ in range(5):
        for xb, yb in shuffled:
            opt.zero_grad()
            F.mse_loss(model(xb), yb).backward()
            opt.step()
        losses.append(full_loss())
    assert losses[-1] < 0.5 * losses[0]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
