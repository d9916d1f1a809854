// Reads hand out the stored bytes in place (no copy) and the wrapper
// allocates nothing on the read paths, nor for writes and small batches:
// counted with a replaced global operator new, which is where every C++
// allocation goes (the C library allocates with malloc, not counted).
// Under valgrind, which puts its own operator new in place of every other,
// the counts cannot be taken: those checks are skipped there (the plain and
// sanitizer runs make them) and the rest runs.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"

static std::atomic<long> allocations{0};

// Not inlined, so that valgrind replaces both or neither.
[[gnu::noinline]] void *operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size != 0 ? size : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void *p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void *p, std::size_t) noexcept { std::free(p); }

static bool under_valgrind() {
    const char *preload = std::getenv("LD_PRELOAD");
    return preload != nullptr && std::strstr(preload, "vgpreload") != nullptr;
}

// Allocations made by `f`.
template <class F>
static long count_allocations(F &&f) {
    const long before = allocations.load();
    f();
    return allocations.load() - before;
}

int main() {
    TempDir dir;
    rdrive::Store s{dir.file("zero.rdrive")};
    const std::string big(4096, 'v');
    s.write("big", big);
    s.write("small", "tiny");
    std::vector<std::pair<std::string, std::string>> batch;
    for (int i = 0; i < 100; i++) batch.emplace_back(numbered("k", i), "batched");

    // The counter sees C++ allocations at all (positive controls).
    static int *volatile sink = nullptr;  // volatile: the compiler may not elide the new
    const long control = count_allocations([] {
        sink = new int(1);
        delete sink;
    });
    const long large_batch = count_allocations([&] { s.batch_write(batch); });  // past the on-stack buffer
    const long batch_read = count_allocations([&] { (void)s.batch_read(std::vector<std::string_view>{"big"}); });

    // Reads: no C++ allocation.
    std::optional<rdrive::Entry> entry;
    const long reads = count_allocations([&] {
        entry = s.read("big");
        CHECK(entry && entry->view() == big);
        rdrive::Entry copy = entry->clone();
        CHECK(copy.data() == entry->data());
    });
    const void *peeked = nullptr;
    const long other_reads = count_allocations([&] {
        CHECK(s.peek("big", [&](std::string_view v) { peeked = v.data(); }));
        CHECK(s.contains("small") && !s.contains("absent"));
        CHECK(!s.read("absent").has_value());
        char buf[16];
        CHECK(s.read_into("small", buf, sizeof buf) == std::optional<std::size_t>(4));
        std::size_t seen = 0;
        s.scan([&](std::uint64_t, std::string_view v) { seen += v.size(); });
        CHECK(seen == big.size() + 4 + 100 * 7);
        std::size_t iterated = 0;
        for (const rdrive::Entry &e : s.entries()) iterated += e.size();
        CHECK(iterated == seen);
        CHECK(s.read_hashed(rdrive::hash_key("small")).has_value());
        CHECK(s.size() == 102);
    });
    // Writes and small batches: no C++ allocation either.
    const long writes = count_allocations([&] {
        s.write("w", "written");
        s.write("w2", big.data(), big.size());
        s.batch_write({{"b1", "x"}, {"b2", "y"}});
        CHECK(s.erase("b1"));
        CHECK(s.batch_erase({"b2", "absent"}) == 1);
        CHECK(s.rename("w", "w3"));
    });
    if (under_valgrind()) {
        std::printf("under valgrind: allocation counts not checked\n");
    } else {
        CHECK(control == 1);
        CHECK(large_batch > 0);
        CHECK(batch_read > 0);
        CHECK(reads == 0);
        CHECK(other_reads == 0);
        CHECK(writes == 0);
    }

    // In place: peek sees the Entry's address; every entry of one mapping
    // sits at the same distance from its file offset (a copy would not).
    CHECK(peeked == static_cast<const void *>(entry->data()));
    auto small = s.read("small");
    const auto base = [](const rdrive::Entry &e) {
        return reinterpret_cast<std::uintptr_t>(e.data()) - static_cast<std::uintptr_t>(e.start_offset());
    };
    CHECK(small && base(*small) == base(*entry));
    CHECK(reinterpret_cast<std::uintptr_t>(entry->data()) % RDRIVE_PAYLOAD_ALIGNMENT == 0);
    CHECK(static_cast<const void *>(entry->view().data()) == static_cast<const void *>(entry->data()));
    return finish("reads_copy_and_allocate_nothing");
}
