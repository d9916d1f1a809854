// Store, Entry and Entries are move-only owners: copies do not compile,
// moves transfer the C handle and leave the source owning nothing, a
// move-assignment releases what the target held (a store's writer lock),
// and release()/adopt() hand handles to and from C.
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "check.hpp"

template <class T>
constexpr bool move_only = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                           std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T> &&
                           std::is_nothrow_destructible_v<T>;
static_assert(move_only<rdrive::Store>);
static_assert(move_only<rdrive::Entry>);
static_assert(move_only<rdrive::Entries>);
static_assert(move_only<std::optional<rdrive::Entry>>);
static_assert(std::is_nothrow_default_constructible_v<rdrive::Store>);
static_assert(!std::is_default_constructible_v<rdrive::Entry>);  // an Entry comes from a read
// Opening needs a path: no implicit conversions into a Store.
static_assert(!std::is_convertible_v<const char *, rdrive::Store>);
static_assert(!std::is_convertible_v<std::string, rdrive::Store>);
static_assert(!std::is_convertible_v<rdrive_entry *, rdrive::Entry>);
// Values are views, not owners: a ByteView is two words and trivially copied.
static_assert(std::is_trivially_copyable_v<rdrive::ByteView>);
static_assert(sizeof(rdrive::Entry) == 3 * sizeof(void *));

int main() {
    TempDir dir;
    const std::string first_path = dir.file("first.rdrive");
    const std::string second_path = dir.file("second.rdrive");

    // Store: moving transfers the handle; the source owns nothing after.
    rdrive::Store a{first_path};
    a.write("k", "first");
    rdrive_store *const raw = a.get();
    rdrive::Store b{std::move(a)};
    CHECK(b.get() == raw && b.is_open());
    CHECK(!a.is_open() && a.get() == nullptr);
    CHECK_THROWS_STATUS(a.read("k"), RDRIVE_ERR_INVALID_ARG);
    CHECK(b.read("k")->view() == "first");

    // Move-assignment closes the target's store first: its writer lock is
    // released, so the file opens read-write again.
    rdrive::Store c{second_path};
    c.write("k", "second");
    CHECK_THROWS_STATUS(rdrive::Store(second_path), RDRIVE_ERR_LOCKED);
    c = std::move(b);
    CHECK(c.get() == raw && !b.is_open());
    CHECK(c.read("k")->view() == "first");
    {
        rdrive::Store again{second_path};  // not locked any more
        CHECK(again.read("k")->view() == "second");
    }
    // Self-move leaves the store as it was.
    rdrive::Store &same = c;
    c = std::move(same);
    CHECK(c.is_open() && c.read("k")->view() == "first");

    // Swapping through moves keeps both handles.
    rdrive::Store d{second_path};
    std::swap(c, d);
    CHECK(c.read("k")->view() == "second" && d.read("k")->view() == "first");

    // close() releases the lock at once, then the Store owns nothing.
    d.close();
    CHECK(!d.is_open());
    d.close();  // a no-op now
    {
        rdrive::Store reopened{first_path};
        CHECK(reopened.read("k")->view() == "first");
    }

    // release() gives the handle to C; adopt() takes one back.
    rdrive_store *released = c.release();
    CHECK(!c.is_open() && released != nullptr);
    rdrive::Store adopted = rdrive::Store::adopt(released);
    CHECK(adopted.get() == released && adopted.read("k")->view() == "second");

    // Entry: moves keep the bytes where they are; the source is emptied.
    std::optional<rdrive::Entry> read = adopted.read("k");
    CHECK(read.has_value());
    const std::byte *bytes = read->data();
    rdrive::Entry e{std::move(*read)};
    CHECK(e.data() == bytes && e.view() == "second");
    CHECK(read->data() == nullptr && read->size() == 0 && read->get() == nullptr);
    CHECK(read->view().empty() && !read->is_valid_checksum());
    rdrive::Entry other = adopted.read("k")->clone();
    other = std::move(e);  // frees other's entry, takes e's
    CHECK(other.data() == bytes && e.get() == nullptr);
    std::vector<rdrive::Entry> kept;
    for (int i = 0; i < 3; i++) kept.push_back(other.clone());  // vector growth moves them
    for (const rdrive::Entry &k : kept) CHECK(k.data() == bytes && k.view() == "second");
    // An Entry that owns nothing clones into another empty one.
    CHECK(e.clone().get() == nullptr);
    CHECK_THROWS_STATUS(e.read_at(0, nullptr, 0), RDRIVE_ERR_INVALID_ARG);

    // Entry::release() and the adopting constructor round-trip through C.
    rdrive_entry *raw_entry = other.release();
    CHECK(other.get() == nullptr && other.data() == nullptr);
    rdrive::Entry adopted_entry{raw_entry};
    CHECK(adopted_entry.data() == bytes);

    // Entries: a moved range continues where the source stopped.
    adopted.write("k2", "v2");
    rdrive::Entries range = adopted.entries();
    auto it = range.begin();
    CHECK(it != range.end() && it->view() == "v2");
    rdrive::Entries moved{std::move(range)};
    CHECK(range.get() == nullptr);
    std::vector<std::string> rest;
    for (const rdrive::Entry &x : moved) rest.emplace_back(x.view());
    CHECK(rest.size() == 2 && rest[0] == "v2" && rest[1] == "second");
    rdrive::Entries assigned = adopted.entries();
    assigned = std::move(moved);
    CHECK(assigned.begin() == assigned.end());  // exhausted, as moved was
    return finish("handles_are_move_only_owners");
}
