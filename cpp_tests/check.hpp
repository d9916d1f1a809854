// Tiny test harness shared by the C++ tests: checks that report and count,
// a temporary directory that cleans up after itself, whole-file reads.
#ifndef RDRIVE_CPP_CHECK_HPP
#define RDRIVE_CPP_CHECK_HPP

#include <rdrive.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

inline int check_failures = 0;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            ++check_failures;                                                      \
        }                                                                          \
    } while (0)

// `expr` must throw rdrive::Error with status `want`.
#define CHECK_THROWS_STATUS(expr, want)                                                      \
    do {                                                                                     \
        try {                                                                                \
            (void)(expr);                                                                    \
            std::fprintf(stderr, "%s:%d: %s did not throw\n", __FILE__, __LINE__, #expr);    \
            ++check_failures;                                                                \
        } catch (const rdrive::Error &error_) {                                              \
            if (error_.status() != (want)) {                                                 \
                std::fprintf(stderr, "%s:%d: %s threw status %d (%s), expected %d: %s\n",    \
                             __FILE__, __LINE__, #expr, static_cast<int>(error_.status()),   \
                             error_.status_name(), static_cast<int>(want), error_.what());   \
                ++check_failures;                                                            \
            }                                                                                \
        }                                                                                    \
    } while (0)

// `expr` must throw an exception of type `type` (not rdrive::Error).
#define CHECK_THROWS_AS(expr, type)                                                              \
    do {                                                                                         \
        try {                                                                                    \
            (void)(expr);                                                                        \
            std::fprintf(stderr, "%s:%d: %s did not throw\n", __FILE__, __LINE__, #expr);        \
            ++check_failures;                                                                    \
        } catch (const type &) {                                                                 \
        } catch (...) {                                                                          \
            std::fprintf(stderr, "%s:%d: %s threw something else than %s\n", __FILE__, __LINE__, \
                         #expr, #type);                                                          \
            ++check_failures;                                                                    \
        }                                                                                        \
    } while (0)

// A new empty directory under /tmp, removed with its contents at the end.
class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/rdrive-cpptest-XXXXXX";
        if (mkdtemp(name) == nullptr) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        path_ = name;
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string file(const char *name) const { return path_ + "/" + name; }
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

// The whole file as bytes ("" if it cannot be read).
inline std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// prefix followed by i in decimal. (Spelled out rather than as
// `"literal" + std::to_string(i)`, which trips a false -Wrestrict in GCC 12.)
inline std::string numbered(const char *prefix, int i) {
    std::string out(prefix);
    out += std::to_string(i);
    return out;
}

inline int finish(const char *name) {
    if (check_failures != 0) {
        std::fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    std::printf("%s: ok\n", name);
    return 0;
}

#endif
