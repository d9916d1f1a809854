// A minimal C++ program using rdrive: write values, read one back in place,
// keep it past the store's end, list the store, and report errors.
#include <iomanip>
#include <iostream>
#include <optional>

#include <rdrive.hpp>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "hello.rdrive";
    try {
        std::optional<rdrive::Entry> kept;
        {
            rdrive::Store store{path};  // read-write, created if missing
            store.write("greeting", "hello, rdrive");
            store.batch_write({{"one", "1"}, {"two", "2"}});
            kept = store.read("greeting");  // std::nullopt if absent
            for (const rdrive::Entry &entry : store.entries())  // a snapshot, newest first
                std::cout << std::hex << std::setfill('0') << std::setw(16) << entry.key_hash() << std::dec
                          << ": " << entry.size() << " bytes\n";
        }  // the store is closed here; the entry stays valid
        if (kept) std::cout << "greeting = " << kept->view() << '\n';  // in place, no copy
        return kept ? 0 : 1;
    } catch (const rdrive::Error &error) {
        std::cerr << "rdrive: " << error.status_name() << " (" << error.status() << "): " << error.what() << '\n';
        return 1;
    }
}
