// batch_write, batch_read and batch_erase take standard containers (maps,
// vectors of pairs or tuples, arrays, braced lists), small or larger than
// the on-stack buffer; a batch is all or nothing.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "check.hpp"

static std::string value_of(const rdrive::Store &s, std::string_view key) {
    std::optional<rdrive::Entry> e = s.read(key);
    return e ? std::string(e->view()) : std::string("<absent>");
}

int main() {
    TempDir dir;
    rdrive::Store s{dir.file("batch.rdrive")};

    // A braced list.
    s.batch_write({{"a", "1"}, {"b", "2"}});
    CHECK(value_of(s, "a") == "1" && value_of(s, "b") == "2");

    // A map of strings.
    const std::map<std::string, std::string> map{{"m1", "one"}, {"m2", "two"}, {"m3", "three"}};
    s.batch_write(map);
    for (const auto &[k, v] : map) CHECK(value_of(s, k) == v);

    // An unordered map with byte-vector values.
    const std::unordered_map<std::string, std::vector<std::byte>> bytes{
        {"u1", {std::byte{1}, std::byte{2}}}, {"u2", {std::byte{3}}}};
    s.batch_write(bytes);
    CHECK(value_of(s, "u1") == std::string("\x01\x02") && value_of(s, "u2") == "\x03");

    // A vector of tuples of views, and an array of pairs.
    const std::vector<std::tuple<std::string_view, std::string_view>> tuples{{"t1", "x"}, {"t2", "y"}};
    s.batch_write(tuples);
    const std::array<std::pair<const char *, std::string>, 2> pairs{{{"p1", "first"}, {"p2", "second"}}};
    s.batch_write(pairs);
    CHECK(value_of(s, "t2") == "y" && value_of(s, "p1") == "first");

    // Within a batch the last write of a key wins; an empty batch is a no-op.
    s.batch_write({{"dup", "old"}, {"dup", "new"}});
    CHECK(value_of(s, "dup") == "new");
    const std::uint64_t size_before = s.file_size();
    s.batch_write(std::vector<std::pair<std::string, std::string>>{});
    CHECK(s.file_size() == size_before);

    // All or nothing: one invalid value (empty) and nothing is written, in a
    // batch that fits on the stack and in one that does not.
    for (int count : {3, 40}) {
        std::vector<std::pair<std::string, std::string>> items;
        for (int i = 0; i < count; i++) items.emplace_back(numbered("bad", i), "fine");
        items[static_cast<std::size_t>(count - 1)].second.clear();
        const std::uint64_t before = s.file_size();
        CHECK_THROWS_STATUS(s.batch_write(items), RDRIVE_ERR_INVALID_ARG);
        CHECK(s.file_size() == before);
        CHECK(!s.contains("bad0"));
    }

    // A large batch (past the on-stack buffer) keeps order and content.
    std::vector<std::pair<std::string, std::string>> many;
    for (int i = 0; i < 100; i++) many.emplace_back(numbered("k", i), numbered("value-", i));
    s.batch_write(many);
    for (const auto &[k, v] : many) CHECK(value_of(s, k) == v);

    // batch_read: one slot per key, in order, nullopt for absent keys.
    const std::vector<std::string> keys{"a", "absent", "m2", "u2"};
    std::vector<std::optional<rdrive::Entry>> got = s.batch_read(keys);
    CHECK(got.size() == 4);
    CHECK(got[0] && got[0]->view() == "1");
    CHECK(!got[1]);
    CHECK(got[2] && got[2]->view() == "two");
    CHECK(got[3] && got[3]->view() == "\x03");
    const auto listed = s.batch_read({"b", "nope"});
    CHECK(listed.size() == 2 && listed[0] && listed[0]->view() == "2" && !listed[1]);
    std::vector<std::string> many_keys;
    for (int i = 0; i < 100; i++) many_keys.push_back(numbered(i % 2 ? "k" : "missing", i));
    const auto large = s.batch_read(many_keys);
    CHECK(large.size() == 100);
    for (int i = 0; i < 100; i++) {
        const auto &slot = large[static_cast<std::size_t>(i)];
        CHECK(i % 2 ? (slot && slot->view() == numbered("value-", i)) : !slot);
    }
    const std::array<std::string_view, 0> none{};
    CHECK(s.batch_read(none).empty());

    // batch_erase: how many were live; absent keys are skipped.
    CHECK(s.batch_erase({"a", "b", "absent"}) == 2);
    CHECK(!s.contains("a") && !s.contains("b"));
    CHECK(s.batch_erase(std::vector<std::string>{"a", "b"}) == 0);
    CHECK(s.batch_erase(many_keys) == 50);
    CHECK(!s.contains("k1") && s.contains("k0"));

    // The C form, passed as is.
    const rdrive_kv raw[] = {{reinterpret_cast<const std::uint8_t *>("c"), 1,
                              reinterpret_cast<const std::uint8_t *>("raw"), 3}};
    s.batch_write(raw, 1);
    CHECK(value_of(s, "c") == "raw");

    // Everything survives a reopen.
    const std::uint64_t live = s.size();
    s.close();
    rdrive::Store r{dir.file("batch.rdrive"), rdrive::read_only};
    CHECK(r.size() == live);
    CHECK(value_of(r, "k98") == "value-98" && value_of(r, "m3") == "three" && value_of(r, "dup") == "new");
    return finish("batches_take_standard_containers");
}
