"""Store as a mapping: store[key], get, in, len, del."""

from __future__ import annotations

import array

import pytest

import rdrive


def test_a_written_value_reads_back_as_bytes(store: rdrive.Store) -> None:
    store[b"alice"] = b"hello"
    value = store[b"alice"]
    assert value == b"hello" and type(value) is bytes


def test_the_latest_write_wins(store: rdrive.Store) -> None:
    store["k"] = b"one"
    store["k"] = b"two"
    assert store["k"] == b"two"
    assert len(store) == 1


def test_str_keys_are_their_utf8_bytes(store: rdrive.Store) -> None:
    store["clé"] = b"v"
    assert store["clé".encode("utf-8")] == b"v"
    assert rdrive.hash_key("clé") == rdrive.hash_key("clé".encode("utf-8"))


def test_keys_may_be_any_bytes_including_nul_and_empty(store: rdrive.Store) -> None:
    store[b"\x00\xff\x00"] = b"binary"
    store[b""] = b"empty key"
    assert store[b"\x00\xff\x00"] == b"binary"
    assert store[""] == b"empty key"


def test_keys_and_values_may_be_any_bytes_like_object(store: rdrive.Store) -> None:
    store[bytearray(b"k1")] = bytearray(b"from a bytearray")
    store[memoryview(b"k2")] = memoryview(b"xxfrom a memoryviewxx")[2:-2]
    store["k3"] = array.array("i", [1, 2, 3])
    assert store["k1"] == b"from a bytearray"
    assert store[b"k2"] == b"from a memoryview"
    assert store["k3"] == array.array("i", [1, 2, 3]).tobytes()


def test_an_absent_key_raises_key_error(store: rdrive.Store) -> None:
    with pytest.raises(KeyError) as caught:
        store["missing"]
    assert caught.value.args == ("missing",)


def test_get_returns_the_default_for_an_absent_key(store: rdrive.Store) -> None:
    store["k"] = b"v"
    assert store.get("k") == b"v"
    assert store.get("missing") is None
    assert store.get("missing", b"fallback") == b"fallback"


def test_in_and_len_count_live_keys(store: rdrive.Store) -> None:
    assert len(store) == 0 and "a" not in store
    store["a"] = b"1"
    store["b"] = b"2"
    assert "a" in store and b"b" in store and "c" not in store
    assert len(store) == 2


def test_del_hides_a_key_now_and_after_reopen(path: str) -> None:
    with rdrive.Store(path) as store:
        store["a"] = b"1"
        store["b"] = b"2"
        del store["a"]
        assert "a" not in store and len(store) == 1
    with rdrive.Store(path, read_only=True) as store:
        assert "a" not in store and store["b"] == b"2" and len(store) == 1


def test_deleting_an_absent_key_raises_key_error_and_writes_nothing(store: rdrive.Store) -> None:
    store["a"] = b"1"
    size = store.file_size
    with pytest.raises(KeyError):
        del store["never"]
    del store["a"]
    with pytest.raises(KeyError):
        del store["a"]
    assert store.file_size == size + 21  # one tombstone


def test_empty_and_single_zero_byte_values_are_refused(store: rdrive.Store) -> None:
    for bad in (b"", b"\x00"):
        with pytest.raises(rdrive.InvalidArgumentError):
            store["k"] = bad
    assert len(store) == 0 and store.file_size == 0


def test_values_of_several_zero_bytes_are_fine(store: rdrive.Store) -> None:
    store["zeros"] = bytes(100)
    assert store["zeros"] == bytes(100)


def test_wrong_types_raise_type_error(store: rdrive.Store) -> None:
    with pytest.raises(TypeError):
        store["k"] = "text"  # type: ignore[assignment]
    with pytest.raises(TypeError):
        store[42] = b"v"  # type: ignore[index]
    with pytest.raises(TypeError):
        store["k"] = 5  # type: ignore[assignment]


def test_a_store_cannot_list_its_keys_and_says_so(store: rdrive.Store) -> None:
    with pytest.raises(TypeError, match="entries"):
        iter(store)


def test_rename_moves_a_value_to_a_new_key(store: rdrive.Store) -> None:
    store["old"] = b"v"
    store.rename("old", "new")
    assert "old" not in store and store["new"] == b"v"
    with pytest.raises(KeyError):
        store.rename("old", "other")


def test_copy_and_transfer_move_values_between_stores(store: rdrive.Store, tmp_path) -> None:
    with rdrive.Store(str(tmp_path / "other.rdrive")) as other:
        store["a"] = b"1"
        store["b"] = b"2"
        store.copy("a", other)
        store.transfer("b", other)
        assert store["a"] == b"1" and "b" not in store
        assert other["a"] == b"1" and other["b"] == b"2"
        with pytest.raises(KeyError):
            store.copy("missing", other)
        with pytest.raises(rdrive.InvalidArgumentError):
            store.copy("a", store)


def test_read_into_copies_into_a_caller_buffer(store: rdrive.Store) -> None:
    store["k"] = b"hello"
    buffer = bytearray(8)
    assert store.read_into("k", buffer) == 5
    assert buffer == b"hello\x00\x00\x00"
    with pytest.raises(KeyError):
        store.read_into("missing", buffer)


def test_namespaced_keys_match_the_reference_vector(store: rdrive.Store) -> None:
    key = rdrive.namespace_key("namespace1", "key1")
    assert key.hex() == "7c066c9df2e6eccbe229d8d50c074d38"
    store[key] = b"v"
    assert store[key] == b"v"


def test_key_hashes_match_the_reference_vectors() -> None:
    assert rdrive.hash_key("") == 0x2D06800538D394C2
    assert rdrive.hash_key("alice") == 0x4DA10DD61A0116B0
    assert rdrive.hash_key(b"key1") == 0x384D070CD5D829E2


@pytest.mark.parametrize("size", [4095, 4096, 4097, 100_000])
def test_values_around_and_beyond_the_copy_buffer_read_back_whole(
    store: rdrive.Store, size: int
) -> None:
    value = bytes(i % 251 for i in range(size))
    store["k"] = value
    assert store["k"] == value and store.get("k") == value
