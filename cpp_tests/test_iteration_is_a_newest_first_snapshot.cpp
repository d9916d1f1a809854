// entries() is a snapshot of the live entries, newest first, one per key:
// later writes do not show up; it works in range-for, with standard
// algorithms (and as a C++20 input range); scan() sees the same entries
// without creating them and stops when asked.
#include <algorithm>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>
#if __cplusplus >= 202002L
#include <ranges>
#endif

#include "check.hpp"

using Iterator = rdrive::Entries::iterator;
static_assert(std::is_same_v<std::iterator_traits<Iterator>::iterator_category, std::input_iterator_tag>);
static_assert(std::is_same_v<std::iterator_traits<Iterator>::reference, const rdrive::Entry &>);
static_assert(std::is_same_v<decltype(*std::declval<Iterator &>()), const rdrive::Entry &>);
#if __cplusplus >= 202002L && defined(__cpp_lib_ranges)
static_assert(std::input_iterator<Iterator>);
static_assert(std::sentinel_for<Iterator, Iterator>);
static_assert(std::ranges::input_range<rdrive::Entries>);
static_assert(!std::ranges::forward_range<rdrive::Entries>);  // single pass
#endif

static std::vector<std::string> values_of(rdrive::Entries range) {
    std::vector<std::string> out;
    for (const rdrive::Entry &e : range) out.emplace_back(e.view());
    return out;
}

int main() {
    TempDir dir;
    rdrive::Store s{dir.file("iter.rdrive")};
    CHECK(values_of(s.entries()).empty());

    s.write("a", "a1");
    s.write("b", "b1");
    s.write("c", "c1");
    s.write("a", "a2");  // overwritten: a appears once, as a2, at its new place
    s.erase("b");        // deleted: b does not appear
    const std::vector<std::string> expect{"a2", "c1"};

    // A snapshot: taken by entries(), not by begin(), so writes made between
    // the two do not show up.
    rdrive::Entries snapshot = s.entries();
    s.write("d", "d1");
    s.erase("c");
    CHECK(values_of(std::move(snapshot)) == expect);
    CHECK(values_of(s.entries()) == (std::vector<std::string>{"d1", "a2"}));

    // Key hashes come with the entries.
    std::vector<std::uint64_t> hashes;
    for (const rdrive::Entry &e : s.entries()) hashes.push_back(e.key_hash());
    CHECK(hashes == (std::vector<std::uint64_t>{rdrive::hash_key("d"), rdrive::hash_key("a")}));

    // Standard algorithms over the iterators.
    for (int i = 0; i < 20; i++) s.write(numbered("n", i), numbered("value ", i));
    {
        rdrive::Entries range = s.entries();
        auto found = std::find_if(range.begin(), range.end(),
                                  [](const rdrive::Entry &e) { return e.view() == "value 7"; });
        CHECK(found != range.end() && found->key_hash() == rdrive::hash_key("n7"));
        rdrive::Entry kept = found->clone();
        // Single pass: the range continues after the match.
        CHECK(std::distance(range.begin(), range.end()) == 10);  // n7 (still current)..n0, d1, a2
        CHECK(kept.view() == "value 7");
    }
    {
        rdrive::Entries range = s.entries();
        CHECK(std::count_if(range.begin(), range.end(),
                            [](const rdrive::Entry &e) { return e.view().rfind("value", 0) == 0; }) == 20);
    }
    {
        // Post-increment hands back the entry it was at.
        rdrive::Entries range = s.entries();
        auto it = range.begin();
        auto previous = it++;
        CHECK((*previous).view() == "value 19" && previous->view() == "value 19");
        CHECK(it->view() == "value 18");
        CHECK(it != range.end());
        std::advance(it, 21);  // n18..n0, d1, a2
        CHECK(it == range.end());
        CHECK(range.begin() == range.end());  // exhausted stays exhausted
    }
#if __cplusplus >= 202002L && defined(__cpp_lib_ranges)
    {
        rdrive::Entries range = s.entries();
        auto found = std::ranges::find_if(range, [](const rdrive::Entry &e) { return e.view() == "a2"; });
        CHECK(found != range.end() && found->key_hash() == rdrive::hash_key("a"));
#if !defined(__clang__) || __clang_major__ >= 15  // older clang cannot compile libstdc++ 12's views
        std::vector<std::size_t> sizes;
        rdrive::Entries again = s.entries();
        for (std::size_t n : again | std::views::transform([](const rdrive::Entry &e) { return e.size(); }) |
                                 std::views::take(3))
            sizes.push_back(n);
        CHECK(sizes == (std::vector<std::size_t>{8, 8, 8}));
#endif
    }
#endif

    // scan(): the same entries in the same order, with their hashes.
    std::vector<std::string> scanned;
    std::vector<std::uint64_t> scanned_hashes;
    s.scan([&](std::uint64_t hash, std::string_view value) {
        scanned.emplace_back(value);
        scanned_hashes.push_back(hash);
    });
    CHECK(scanned == values_of(s.entries()));
    CHECK(scanned.size() == 22 && scanned_hashes.back() == rdrive::hash_key("a"));
    // Returning false stops it.
    std::size_t visited = 0;
    s.scan([&](std::uint64_t, std::string_view) { return ++visited < 5; });
    CHECK(visited == 5);
#if RDRIVE_HPP_HAS_SPAN
    std::size_t total = 0;
    s.scan([&](std::uint64_t, std::span<const std::byte> value) { total += value.size(); });
    CHECK(total == 20 * 7 + 10 * 1 + 2 + 2);  // "value 0".."value 19", d1, a2
#endif
    // More entries than one batch of the C scan (64), all seen once.
    for (int i = 0; i < 150; i++) s.write(numbered("m", i), "x");
    std::size_t all = 0;
    s.scan([&](std::uint64_t, std::string_view) { ++all; });
    CHECK(all == s.size() && all == 172);
    return finish("iteration_is_a_newest_first_snapshot");
}
