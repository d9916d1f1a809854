/**
 * @file rdrive.hpp
 * @brief rdrive for C++17 and later: RAII owners over the C API of rdrive.h.
 *
 * Header-only. Include it (it includes rdrive.h) and link the C library as
 * usual: `rdrive::rdrive` or `rdrive::rdrive_static` with CMake,
 * `pkg-config --cflags --libs rdrive` otherwise. Everything is in namespace
 * `rdrive`; the C names stay available.
 *
 * @code
 * rdrive::Store store{"data.rdrive"};            // read-write, created if missing
 * store.write("alice", "hello");
 * if (std::optional<rdrive::Entry> e = store.read("alice"))
 *     std::cout << e->view() << '\n';            // the bytes in place, no copy
 * for (const rdrive::Entry &x : store.entries()) // a snapshot, newest first
 *     std::cout << x.key_hash() << ' ' << x.size() << '\n';
 * @endcode
 *
 * @section cpp_ownership Ownership and lifetimes
 * - rdrive::Store owns an ::rdrive_store and closes it when destroyed.
 *   rdrive::Entry owns an ::rdrive_entry, rdrive::Entries an ::rdrive_iter.
 *   All three are move-only; a moved-from object owns nothing.
 * - An Entry's bytes are the stored value in place: they point into the
 *   store's read-only memory mapping. They stay valid and unchanged for as
 *   long as the Entry lives, even after later writes, a compaction, or the
 *   destruction of its Store. Entry::clone() makes a second owner of the same
 *   bytes without copying them.
 * - rdrive::ByteView, the type of key and value parameters, borrows the
 *   caller's bytes for the duration of one call and never keeps them.
 *
 * @section cpp_errors Errors
 * - Every C call that returns a status is checked. A failure throws
 *   rdrive::Error: Error::status() is the C status and what() the library's
 *   detail text (rdrive_last_error(), copied right after the failing call).
 * - #RDRIVE_NOT_FOUND is not an error: reads return std::nullopt; erase(),
 *   rename(), copy() and transfer() return false.
 * - The `try_` members return the C status instead of throwing.
 * - Callbacks (a peek visitor, a stream source, a compaction progress
 *   callable) may throw. The exception never passes through the library: it
 *   is caught at the boundary, the C call is stopped (a stream or a
 *   compaction then commits nothing), and the exception is rethrown,
 *   unchanged, once the C call has returned.
 *
 * @section cpp_threads Threads
 * - As in C, every member of a Store may be called from many threads at
 *   once, except close(), try_close(), assignment and destruction, which must
 *   not overlap any other call on that Store. Writes are serialized by the
 *   library; reads take no lock.
 * - An Entry is immutable: any number of threads may read it at once. Only
 *   destruction and assignment must not overlap other uses.
 * - An Entries range and its iterators are used by one thread at a time.
 *
 * @section cpp_cost Cost
 * The wrappers add no copy and no allocation to reads: read(), peek(),
 * read_into(), contains() and scan() allocate nothing in C++, and an Entry
 * is three words holding the library's handle and the value's address and
 * length. batch_write(), batch_read() and batch_erase() gather their
 * arguments into an array for the single C call: on the stack for up to 16
 * items, on the heap beyond; batch_read() returns a std::vector.
 */

#ifndef RDRIVE_HPP
#define RDRIVE_HPP

#include "rdrive.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__has_include)
#if __has_include(<version>)
#include <version>
#endif
#endif

#if defined(__cpp_lib_span) && __cpp_lib_span >= 202002L
#include <span>
/** 1 when std::span is available (C++20): Entry::bytes() and span callbacks exist. */
#define RDRIVE_HPP_HAS_SPAN 1
#else
#define RDRIVE_HPP_HAS_SPAN 0
#endif

namespace rdrive {

/**
 * A failed call: the C status and the library's detail text.
 *
 * Thrown for every negative status. Copying it never throws.
 */
class Error : public std::runtime_error {
public:
    /** An error with `status` (normally a negative RDRIVE_ERR_* code) and `message`. */
    Error(rdrive_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}

    /** The C status, e.g. #RDRIVE_ERR_CORRUPT. */
    [[nodiscard]] rdrive_status status() const noexcept { return status_; }

    /** The static name of the status (rdrive_status_str()). */
    [[nodiscard]] const char *status_name() const noexcept { return rdrive_status_str(status_); }

private:
    rdrive_status status_;
};

namespace detail {

/** The Error for `status`, returned by `operation`. Call it right after the
 * failing call: the detail text is per thread and replaced by the next
 * failure. */
inline Error make_error(rdrive_status status, const char *operation) {
    const char *detail = status < 0 ? rdrive_last_error() : "";
    if (detail != nullptr && *detail != '\0') return Error(status, detail);
    std::string message(operation);
    message += ": ";
    message += rdrive_status_str(status);
    return Error(status, message);
}

/** Throws unless `status` is #RDRIVE_OK. */
inline void check(rdrive_status status, const char *operation) {
    if (status != RDRIVE_OK) throw make_error(status, operation);
}

/** True for #RDRIVE_OK, false for #RDRIVE_NOT_FOUND; throws for anything else. */
inline bool check_found(rdrive_status status, const char *operation) {
    if (status == RDRIVE_OK) return true;
    if (status == RDRIVE_NOT_FOUND) return false;
    throw make_error(status, operation);
}

template <class T>
using remove_cvref_t = std::remove_cv_t<std::remove_reference_t<T>>;

template <class>
inline constexpr bool always_false = false;

/** Character and byte types whose arrays and containers are byte strings. */
template <class T>
struct is_byte : std::false_type {};
template <>
struct is_byte<char> : std::true_type {};
template <>
struct is_byte<signed char> : std::true_type {};
template <>
struct is_byte<unsigned char> : std::true_type {};
template <>
struct is_byte<std::byte> : std::true_type {};
#if defined(__cpp_char8_t)
template <>
struct is_byte<char8_t> : std::true_type {};
#endif

/** Text character types: an array of them is a NUL-terminated string. */
template <class T>
struct is_text_char : std::false_type {};
template <>
struct is_text_char<char> : std::true_type {};
#if defined(__cpp_char8_t)
template <>
struct is_text_char<char8_t> : std::true_type {};
#endif

template <class C>
using data_pointer_t = decltype(std::data(std::declval<C &>()));

/** Element type of C's std::data() pointer, without const. */
template <class C>
using element_t = std::remove_cv_t<std::remove_pointer_t<data_pointer_t<C>>>;

/** Has std::data() and std::size(), and its elements are bytes. Arrays of
 * char are excluded: they go through the C-string constructor. */
template <class C, class = void>
struct is_byte_container : std::false_type {};
template <class C>
struct is_byte_container<C, std::void_t<data_pointer_t<const C>, decltype(std::size(std::declval<const C &>()))>>
    : std::bool_constant<std::is_pointer_v<data_pointer_t<const C>> && is_byte<element_t<const C>>::value &&
                         !(std::is_array_v<C> && is_text_char<std::remove_extent_t<std::remove_cv_t<C>>>::value)> {};

/** A writable byte container (a buffer for read_into()). */
template <class C, class = void>
struct is_writable_byte_container : std::false_type {};
template <class C>
struct is_writable_byte_container<C, std::void_t<data_pointer_t<C>, decltype(std::size(std::declval<C &>()))>>
    : std::bool_constant<std::is_pointer_v<data_pointer_t<C>> &&
                         !std::is_const_v<std::remove_pointer_t<data_pointer_t<C>>> &&
                         is_byte<element_t<C>>::value> {};

/** Types that only point at bytes owned elsewhere: safe to keep while a
 * batch is gathered, even as temporaries. */
template <class T>
struct is_view : std::is_pointer<T> {};
template <class CharT, class Traits>
struct is_view<std::basic_string_view<CharT, Traits>> : std::true_type {};
#if RDRIVE_HPP_HAS_SPAN
template <class T, std::size_t Extent>
struct is_view<std::span<T, Extent>> : std::true_type {};
#endif

template <class T, class = void>
struct is_view_pair : std::false_type {};
template <class T>
struct is_view_pair<T, std::enable_if_t<std::tuple_size<T>::value == 2>>
    : std::bool_constant<is_view<std::remove_cv_t<std::tuple_element_t<0, T>>>::value &&
                         is_view<std::remove_cv_t<std::tuple_element_t<1, T>>>::value> {};

/** A fixed array on the stack for up to N items, a vector beyond. For the
 * argument arrays of the batch calls. */
template <class T, std::size_t N>
class SmallBuffer {
public:
    void push_back(const T &item) {
        if (heap_.empty() && size_ < N) {
            local_[size_] = item;
        } else {
            if (heap_.empty()) {
                heap_.reserve(2 * N);
                heap_.assign(local_, local_ + size_);
            }
            heap_.push_back(item);
        }
        ++size_;
    }
    /** Sets the size of an empty buffer to `n` value-initialized items. */
    void resize(std::size_t n) {
        if (n > N) heap_.resize(n);
        size_ = n;
    }
    T *data() noexcept { return heap_.empty() ? local_ : heap_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    T &operator[](std::size_t i) noexcept { return data()[i]; }

private:
    T local_[N]{};
    std::vector<T> heap_;
    std::size_t size_ = 0;
};

}  // namespace detail

/**
 * A borrowed byte string: a pointer and a length, like std::string_view
 * for any bytes. It is the type of every key and value parameter, and
 * converts implicitly from:
 * - a C string (`const char *`, including string literals): the bytes up to
 *   the terminating NUL; a null pointer is the empty string;
 * - any container or view with std::data() and std::size() whose elements
 *   are bytes (`char`, `signed char`, `unsigned char`, `std::byte`,
 *   `char8_t`): std::string, std::string_view, std::vector<std::byte>,
 *   std::array<std::uint8_t, N>, std::span<const std::byte>, ...; arrays of
 *   `unsigned char`, `signed char` or `std::byte` count all their elements,
 *   while an array of `char` is read as a C string (pass `{buf, n}` for
 *   binary data in a char array); an rdrive::Entry too, so a stored value
 *   can be written elsewhere without a copy in between;
 * - `{pointer, length}` with any object pointer.
 *
 * A ByteView does not own its bytes: they must outlive it. The empty byte
 * string is a valid key; a value must be at least one byte and not the
 * single byte 0x00 (the library rejects those with #RDRIVE_ERR_INVALID_ARG).
 */
class ByteView {
public:
    /** The empty byte string. */
    constexpr ByteView() noexcept = default;

    /** `size` bytes at `data` (`data` may be null when `size` is 0). */
    ByteView(const void *data, std::size_t size) noexcept
        : data_(static_cast<const std::uint8_t *>(data)), size_(size) {}

    /** A NUL-terminated string, without its NUL; null is the empty string. */
    ByteView(const char *c_string) noexcept
        : data_(reinterpret_cast<const std::uint8_t *>(c_string)),
          size_(c_string != nullptr ? std::char_traits<char>::length(c_string) : 0) {}

    /** The bytes of a byte container or view (see the class description). */
    template <class C, std::enable_if_t<detail::is_byte_container<C>::value &&
                                            !std::is_same_v<detail::remove_cvref_t<C>, ByteView>,
                                        int> = 0>
    ByteView(const C &bytes) noexcept
        : data_(reinterpret_cast<const std::uint8_t *>(std::data(bytes))),
          size_(static_cast<std::size_t>(std::size(bytes))) {}

    /** First byte (may be null for the empty string). */
    [[nodiscard]] constexpr const std::uint8_t *data() const noexcept { return data_; }
    /** Number of bytes. */
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    /** Whether there are no bytes. */
    [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }

private:
    const std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
};

/**
 * A stored value, in place: the owner of an ::rdrive_entry.
 *
 * The bytes are read-only memory inside the store's mapping (writing to them
 * crashes the process). They stay valid and unchanged until this Entry is
 * destroyed, whatever happens to the store meanwhile (writes, compaction,
 * close). Move-only; clone() gives a second owner of the same bytes. A
 * moved-from Entry owns nothing: data() is null, size() 0.
 *
 * Immutable: any number of threads may read one Entry at once.
 */
class Entry {
public:
    /** Takes ownership of `raw` (freed with rdrive_entry_free() by the
     * destructor). `raw` may be null: an Entry that owns nothing. */
    explicit Entry(rdrive_entry *raw) noexcept : raw_(raw) {
        const rdrive_bytes bytes = rdrive_entry_address_range(raw);
        data_ = reinterpret_cast<const std::byte *>(bytes.ptr);
        size_ = bytes.len;
    }

    Entry(const Entry &) = delete;
    Entry &operator=(const Entry &) = delete;

    /** Takes `other`'s entry; `other` then owns nothing. */
    Entry(Entry &&other) noexcept
        : raw_(std::exchange(other.raw_, nullptr)),
          data_(std::exchange(other.data_, nullptr)),
          size_(std::exchange(other.size_, 0)) {}

    /** Frees this entry, then takes `other`'s. */
    Entry &operator=(Entry &&other) noexcept {
        if (this != &other) {
            rdrive_entry_free(raw_);
            raw_ = std::exchange(other.raw_, nullptr);
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }

    /** Frees the entry (rdrive_entry_free()); its bytes become invalid. */
    ~Entry() { rdrive_entry_free(raw_); }

    /** A second, independent owner of the same bytes (same address; nothing
     * is copied). Cloning an Entry that owns nothing gives another such
     * Entry. @throws std::bad_alloc if the library could not allocate. */
    [[nodiscard]] Entry clone() const {
        rdrive_entry *copy = rdrive_entry_clone(raw_);
        if (copy == nullptr && raw_ != nullptr) throw std::bad_alloc();
        return Entry(copy);
    }

    /** The value as characters, in place. Valid while this Entry lives. */
    [[nodiscard]] std::string_view view() const noexcept {
        return {reinterpret_cast<const char *>(data_), size_};
    }
    /** First byte of the value, in place. Regular values start on a 64-byte
     * boundary. Valid while this Entry lives. */
    [[nodiscard]] const std::byte *data() const noexcept { return data_; }
    /** Length of the value in bytes. */
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /** First byte, so that an Entry is a range of bytes (range-for, algorithms). */
    [[nodiscard]] const std::byte *begin() const noexcept { return data_; }
    /** One past the last byte of the value. */
    [[nodiscard]] const std::byte *end() const noexcept { return data_ + size_; }
#if RDRIVE_HPP_HAS_SPAN
    /** The value as a span, in place. Valid while this Entry lives. */
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
#endif

    /** Hash of the entry's key (see hash_key()). */
    [[nodiscard]] std::uint64_t key_hash() const noexcept { return rdrive_entry_key_hash(raw_); }
    /** The CRC-32 stored with the value. */
    [[nodiscard]] std::uint32_t checksum() const noexcept { return rdrive_entry_checksum(raw_); }
    /** Recomputes the value's CRC-32: false means the bytes are damaged (or
     * this Entry owns nothing). Reads the whole value. */
    [[nodiscard]] bool is_valid_checksum() const noexcept { return rdrive_entry_is_valid_checksum(raw_); }
    /** File offset of the value's first byte. */
    [[nodiscard]] std::uint64_t start_offset() const noexcept { return rdrive_entry_start_offset(raw_); }
    /** File offset one past the value's last byte (where its trailer starts). */
    [[nodiscard]] std::uint64_t end_offset() const noexcept { return rdrive_entry_end_offset(raw_); }
    /** size() plus the 20-byte trailer. */
    [[nodiscard]] std::size_t size_with_metadata() const noexcept { return rdrive_entry_size_with_metadata(raw_); }
    /** The decoded trailer: key hash, previous tail offset, checksum. */
    [[nodiscard]] rdrive_metadata metadata() const noexcept { return rdrive_entry_metadata(raw_); }

    /**
     * Copies up to `cap` bytes of the value, from `offset`, into `buffer`.
     * @return The number of bytes copied: `min(cap, size() - offset)`, 0 at
     *         the end.
     * @throws Error #RDRIVE_ERR_INVALID_ARG (`offset` past the end, a null
     *         buffer, or an Entry that owns nothing).
     */
    std::size_t read_at(std::uint64_t offset, void *buffer, std::size_t cap) const {
        std::size_t copied = 0;
        detail::check(rdrive_entry_read_at(raw_, offset, static_cast<std::uint8_t *>(buffer), cap, &copied),
                      "rdrive_entry_read_at");
        return copied;
    }

    /** The C handle, still owned by this Entry (null if it owns nothing). */
    [[nodiscard]] rdrive_entry *get() const noexcept { return raw_; }
    /** Gives up ownership: the caller frees the returned handle with
     * rdrive_entry_free(). This Entry then owns nothing. */
    [[nodiscard]] rdrive_entry *release() noexcept {
        data_ = nullptr;
        size_ = 0;
        return std::exchange(raw_, nullptr);
    }

private:
    rdrive_entry *raw_ = nullptr;
    const std::byte *data_ = nullptr;
    std::size_t size_ = 0;
};

/**
 * A snapshot of a store's live entries, newest first, one per key: the owner
 * of an ::rdrive_iter. Made by Store::entries().
 *
 * An input range: use it once, in a range-for loop or with standard
 * algorithms (`std::find_if(r.begin(), r.end(), pred)`; under C++20 it is a
 * `std::ranges::input_range`). Dereferencing an iterator gives a
 * `const Entry &` that is valid until the iterator advances; clone() it to
 * keep it. The snapshot is taken when the range is made: later writes do not
 * show up. It may outlive its Store.
 *
 * Move-only; do not move it while it is being iterated. One thread at a time.
 */
class Entries {
public:
    class iterator;

    /** Takes ownership of `raw` (freed with rdrive_iter_free()). */
    explicit Entries(rdrive_iter *raw) noexcept : raw_(raw) {}

    Entries(const Entries &) = delete;
    Entries &operator=(const Entries &) = delete;

    /** Takes `other`'s snapshot and position; `other` then owns nothing. */
    Entries(Entries &&other) noexcept
        : raw_(std::exchange(other.raw_, nullptr)),
          current_(std::move(other.current_)),
          started_(other.started_) {
        other.current_.reset();
    }

    /** Frees this range's snapshot, then takes `other`'s. */
    Entries &operator=(Entries &&other) noexcept {
        if (this != &other) {
            current_.reset();
            rdrive_iter_free(raw_);
            raw_ = std::exchange(other.raw_, nullptr);
            current_ = std::move(other.current_);
            other.current_.reset();
            started_ = other.started_;
        }
        return *this;
    }

    /** Frees the iterator. Entries taken from it (clones) stay valid. */
    ~Entries() {
        current_.reset();
        rdrive_iter_free(raw_);
    }

    /** The current position: the first entry on the first call. Single pass:
     * a later call continues where the last iterator stopped.
     * @throws Error if the library fails to advance. */
    iterator begin();
    /** The end of the range. */
    iterator end() noexcept;

    /** The C handle, still owned by this range. */
    [[nodiscard]] rdrive_iter *get() const noexcept { return raw_; }

private:
    void advance() {
        current_.reset();
        rdrive_entry *raw = nullptr;
        if (detail::check_found(rdrive_iter_next(raw_, &raw), "rdrive_iter_next")) current_.emplace(raw);
    }

    rdrive_iter *raw_ = nullptr;
    std::optional<Entry> current_;
    bool started_ = false;
};

/** Input iterator of Entries. Equal to end() once the snapshot is exhausted. */
class Entries::iterator {
public:
    using iterator_category = std::input_iterator_tag;
    using iterator_concept = std::input_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry *;
    using reference = const Entry &;

    /** What `it++` returns: the entry the iterator was at, kept alive. */
    class Previous {
    public:
        const Entry &operator*() const noexcept { return entry_; }
        const Entry *operator->() const noexcept { return &entry_; }

    private:
        friend class iterator;
        explicit Previous(Entry &&entry) noexcept : entry_(std::move(entry)) {}
        Entry entry_;
    };

    /** An end iterator. */
    iterator() noexcept = default;

    reference operator*() const noexcept { return *owner_->current_; }
    pointer operator->() const noexcept { return &*owner_->current_; }

    /** Moves to the next entry (the previous one is freed).
     * @throws Error if the library fails to advance. */
    iterator &operator++() {
        owner_->advance();
        if (!owner_->current_) owner_ = nullptr;
        return *this;
    }
    /** Moves to the next entry and returns the previous one. */
    Previous operator++(int) {
        Previous previous(std::move(*owner_->current_));
        ++*this;
        return previous;
    }

    friend bool operator==(const iterator &a, const iterator &b) noexcept { return a.owner_ == b.owner_; }
    friend bool operator!=(const iterator &a, const iterator &b) noexcept { return a.owner_ != b.owner_; }

private:
    friend class Entries;
    explicit iterator(Entries *owner) noexcept : owner_(owner) {}
    Entries *owner_ = nullptr;
};

inline Entries::iterator Entries::begin() {
    if (!started_) {
        started_ = true;
        advance();
    }
    return current_ ? iterator(this) : iterator();
}

inline Entries::iterator Entries::end() noexcept { return iterator(); }

namespace detail {

/** Calls `f(lead..., value)` with the value as std::string_view or, under
 * C++20, std::span<const std::byte>, whichever `f` accepts. */
template <class F, class... Lead>
decltype(auto) call_with_value(F &f, const std::uint8_t *ptr, std::size_t len, Lead... lead) {
    if constexpr (std::is_invocable_v<F &, Lead..., std::string_view>) {
        return f(lead..., std::string_view(reinterpret_cast<const char *>(ptr), len));
#if RDRIVE_HPP_HAS_SPAN
    } else if constexpr (std::is_invocable_v<F &, Lead..., std::span<const std::byte>>) {
        return f(lead..., std::span<const std::byte>(reinterpret_cast<const std::byte *>(ptr), len));
#endif
    } else {
        static_assert(always_false<F>, "the callable must accept the value as std::string_view"
#if RDRIVE_HPP_HAS_SPAN
                                       " or std::span<const std::byte>"
#endif
        );
    }
}

/** Whether `f` can fill a stream buffer: f(std::byte *, std::size_t),
 * f(char *, std::size_t) or, under C++20, f(std::span<std::byte>). */
template <class F>
inline constexpr bool is_stream_source = std::is_invocable_v<F &, std::byte *, std::size_t> ||
                                         std::is_invocable_v<F &, char *, std::size_t>
#if RDRIVE_HPP_HAS_SPAN
                                         || std::is_invocable_v<F &, std::span<std::byte>>
#endif
    ;

template <class F>
auto call_source(F &f, std::uint8_t *buf, std::size_t cap) {
    if constexpr (std::is_invocable_v<F &, std::byte *, std::size_t>) {
        return f(reinterpret_cast<std::byte *>(buf), cap);
    } else if constexpr (std::is_invocable_v<F &, char *, std::size_t>) {
        return f(reinterpret_cast<char *>(buf), cap);
    } else {
#if RDRIVE_HPP_HAS_SPAN
        return f(std::span<std::byte>(reinterpret_cast<std::byte *>(buf), cap));
#endif
    }
}

}  // namespace detail

/** Tag for the read-only constructors of Store: `Store s{path, rdrive::read_only}`. */
struct ReadOnlyTag {
    explicit ReadOnlyTag() = default;
};
/** Opens a Store read-only (#RDRIVE_OPEN_READ_ONLY). */
inline constexpr ReadOnlyTag read_only{};

/**
 * An open store: the owner of an ::rdrive_store.
 *
 * Opening recovers the file (a torn end is discarded, keeping the longest
 * valid prefix; recovered_bytes() tells how much). The destructor closes the
 * store: it syncs pending writes, records a clean close and releases the
 * writer lock; errors of that last sync cannot be reported there, so call
 * close() (or sync()) first to see them.
 *
 * Move-only. A Store that owns nothing (default-constructed, moved from or
 * closed) makes every call fail with #RDRIVE_ERR_INVALID_ARG, except
 * close() and try_close(), which do nothing.
 *
 * Threads: every member may run concurrently with any other, except
 * close(), try_close(), assignment and destruction.
 */
class Store {
public:
    /** A Store that owns nothing (see try_open()). */
    Store() noexcept = default;

    /**
     * Opens the store at `path`.
     * @param flags Bitwise OR of RDRIVE_OPEN_* flags; 0 opens read-write and
     *        creates the file if missing.
     * @throws Error #RDRIVE_ERR_INVALID_ARG (empty path, unknown flag, a
     *         directory); #RDRIVE_ERR_IO (a missing file with
     *         #RDRIVE_OPEN_MUST_EXIST or #RDRIVE_OPEN_READ_ONLY,
     *         permissions); #RDRIVE_ERR_CORRUPT (not a store, or synced
     *         data damaged: the file is left untouched);
     *         #RDRIVE_ERR_LOCKED (another read-write handle has it open).
     */
    explicit Store(const char *path, std::uint32_t flags = 0) {
        detail::check(rdrive_store_open(path, flags, &raw_), "rdrive_store_open");
    }
    /** Store(const char *, std::uint32_t) with a std::string (or anything
     * converting to one, such as std::filesystem::path on POSIX). */
    explicit Store(const std::string &path, std::uint32_t flags = 0) : Store(path.c_str(), flags) {}
    /** Opens read-only: the file is never modified, nor created; write
     * calls throw #RDRIVE_ERR_READ_ONLY. `flags` adds other RDRIVE_OPEN_* flags. */
    Store(const char *path, ReadOnlyTag, std::uint32_t flags = 0) : Store(path, flags | RDRIVE_OPEN_READ_ONLY) {}
    /** Store(const char *, ReadOnlyTag, std::uint32_t) with a std::string. */
    Store(const std::string &path, ReadOnlyTag, std::uint32_t flags = 0)
        : Store(path.c_str(), flags | RDRIVE_OPEN_READ_ONLY) {}

    /**
     * Opens without throwing: on #RDRIVE_OK `out` owns the new store (its
     * previous store, if any, is closed); otherwise `out` is unchanged and
     * rdrive_last_error() holds the detail.
     */
    [[nodiscard]] static rdrive_status try_open(const char *path, std::uint32_t flags, Store &out) noexcept {
        rdrive_store *raw = nullptr;
        const rdrive_status status = rdrive_store_open(path, flags, &raw);
        if (status == RDRIVE_OK) out = adopt(raw);
        return status;
    }

    /** try_open() with a std::string path. */
    [[nodiscard]] static rdrive_status try_open(const std::string &path, std::uint32_t flags, Store &out) noexcept {
        return try_open(path.c_str(), flags, out);
    }

    /** Takes ownership of a store opened with the C API. */
    [[nodiscard]] static Store adopt(rdrive_store *raw) noexcept {
        Store store;
        store.raw_ = raw;
        return store;
    }

    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    /** Takes `other`'s store; `other` then owns nothing. */
    Store(Store &&other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}

    /** Closes this store (as the destructor does), then takes `other`'s. */
    Store &operator=(Store &&other) noexcept {
        if (this != &other) {
            rdrive_store_close(raw_);
            raw_ = std::exchange(other.raw_, nullptr);
        }
        return *this;
    }

    /** Closes the store (rdrive_store_close()). Entries read from it stay valid. */
    ~Store() { rdrive_store_close(raw_); }

    /**
     * Syncs, then closes the store; this Store then owns nothing. The store is
     * closed even when the sync fails. A Store that owns nothing is left as is.
     * @throws Error the sync's failure (#RDRIVE_ERR_IO,
     *         #RDRIVE_ERR_POISONED), after closing.
     */
    void close() {
        if (raw_ == nullptr) return;
        const rdrive_status status = rdrive_store_sync(raw_);
        if (status == RDRIVE_OK) {
            rdrive_store_close(std::exchange(raw_, nullptr));
            return;
        }
        const Error error = detail::make_error(status, "rdrive_store_sync");
        rdrive_store_close(std::exchange(raw_, nullptr));
        throw error;
    }

    /** close() without throwing: the sync's status (#RDRIVE_OK for a Store
     * that owns nothing). */
    [[nodiscard]] rdrive_status try_close() noexcept {
        if (raw_ == nullptr) return RDRIVE_OK;
        const rdrive_status status = rdrive_store_sync(raw_);
        rdrive_store_close(std::exchange(raw_, nullptr));
        return status;
    }

    /** Whether this Store owns an open store. */
    [[nodiscard]] bool is_open() const noexcept { return raw_ != nullptr; }
    /** The C handle, still owned by this Store. */
    [[nodiscard]] rdrive_store *get() const noexcept { return raw_; }
    /** Gives up ownership: the caller closes the returned handle with
     * rdrive_store_close(). This Store then owns nothing. */
    [[nodiscard]] rdrive_store *release() noexcept { return std::exchange(raw_, nullptr); }

    /** @name Writing
     * Each write reaches the operating system before it returns (call sync()
     * for durability, or open with #RDRIVE_OPEN_SYNC). Common errors:
     * #RDRIVE_ERR_INVALID_ARG (an empty value, or the single byte 0x00;
     * nothing is written), #RDRIVE_ERR_READ_ONLY, #RDRIVE_ERR_IO (the handle
     * is then poisoned), #RDRIVE_ERR_POISONED.
     * @{ */

    /** Writes `value` under `key`, replacing any earlier value. Both are copied
     * into the file. @throws Error as described above. */
    void write(ByteView key, ByteView value) {
        detail::check(try_write(key, value), "rdrive_store_write");
    }
    /** write() with the value given as pointer and length. */
    void write(ByteView key, const void *value, std::size_t size) { write(key, ByteView(value, size)); }
    /** write() without throwing: the C status. */
    [[nodiscard]] rdrive_status try_write(ByteView key, ByteView value) noexcept {
        return rdrive_store_write(raw_, key.data(), key.size(), value.data(), value.size());
    }
    /** write() under a key hash from hash_key(). */
    void write_hashed(std::uint64_t key_hash, ByteView value) {
        detail::check(rdrive_store_write_hashed(raw_, key_hash, value.data(), value.size()),
                      "rdrive_store_write_hashed");
    }

    /**
     * Writes many key/value pairs at once, all or nothing: if one is invalid
     * nothing is written. Within the batch the last write of a key wins; an
     * empty batch does nothing.
     * @param pairs Any range of pair-like elements (std::pair, std::tuple,
     *        2-element std::array or aggregate) whose two members convert to
     *        ByteView: `std::map<std::string, std::string>`,
     *        `std::vector<std::pair<std::string_view, std::vector<std::byte>>>`, ...
     *        Its elements must be stored in the range (lvalues), or be pairs of
     *        views (pointers, string views, spans).
     */
    template <class Pairs>
    void batch_write(const Pairs &pairs) {
        using Ref = decltype(*std::begin(pairs));
        static_assert(std::is_lvalue_reference_v<Ref> || detail::is_view_pair<detail::remove_cvref_t<Ref>>::value,
                      "batch_write: the range yields temporaries that own their bytes; "
                      "store the pairs in a container first, or yield pairs of views");
        detail::SmallBuffer<rdrive_kv, 16> items;
        for (auto &&item : pairs) {
            const auto &[item_key, item_value] = item;
            const ByteView k(item_key), v(item_value);
            items.push_back(rdrive_kv{k.data(), k.size(), v.data(), v.size()});
        }
        batch_write(items.data(), items.size());
    }
    /** batch_write() with a braced list: `s.batch_write({{"a", "1"}, {"b", "2"}})`. */
    void batch_write(std::initializer_list<std::pair<ByteView, ByteView>> pairs) {
        batch_write<std::initializer_list<std::pair<ByteView, ByteView>>>(pairs);
    }
    /** batch_write() with an array of C pairs, passed as is. */
    void batch_write(const rdrive_kv *items, std::size_t count) {
        detail::check(rdrive_store_batch_write(raw_, items, count), "rdrive_store_batch_write");
    }

    /**
     * Writes a value pulled from `source` in chunks under `key`, without
     * holding it all in memory.
     * @param source A callable `n = source(buf, cap)` taking
     *        (std::byte *, std::size_t), (char *, std::size_t) or, under C++20,
     *        std::span<std::byte>: it fills up to `cap` bytes and returns how
     *        many (an integer), 0 at the end, or a negative number to abort.
     *        It runs on the calling thread while the store's writer is held:
     *        it must not write to this store.
     * @throws Error #RDRIVE_ERR_ABORTED (the source aborted or returned more
     *         than `cap`); #RDRIVE_ERR_INVALID_ARG (an empty stream or a lone
     *         0x00 byte); the errors of write(). Whatever `source` throws is
     *         rethrown. In every failing case nothing is committed.
     */
    template <class Source, std::enable_if_t<detail::is_stream_source<std::remove_reference_t<Source>>, int> = 0>
    void write_stream(ByteView key, Source &&source) {
        using F = std::remove_reference_t<Source>;
        using Result = decltype(detail::call_source(std::declval<F &>(), nullptr, 0));
        static_assert(std::is_integral_v<Result> && !std::is_same_v<Result, bool>,
                      "write_stream: the source must return the number of bytes it wrote");
        struct Context {
            F *source;
            std::exception_ptr error;
        } context{&source, nullptr};
        const rdrive_read_fn pull = [](void *ctx, std::uint8_t *buf, std::size_t cap) noexcept -> std::intptr_t {
            auto *c = static_cast<Context *>(ctx);
            try {
                const Result n = detail::call_source(*c->source, buf, cap);
                if constexpr (std::is_signed_v<Result>) {
                    if (n < 0) return -1;
                }
                if (static_cast<std::make_unsigned_t<Result>>(n) > cap) return -1;
                return static_cast<std::intptr_t>(n);
            } catch (...) {
                c->error = std::current_exception();
                return -1;
            }
        };
        const rdrive_status status = rdrive_store_write_stream(raw_, key.data(), key.size(), pull, &context);
        if (context.error) std::rethrow_exception(context.error);
        detail::check(status, "rdrive_store_write_stream");
    }

    /**
     * write_stream() from an input stream, read to its end (std::ifstream,
     * std::istringstream, std::cin, ...). A stream that fails (bad, or
     * failed before reaching its end) aborts: nothing is committed and
     * Error #RDRIVE_ERR_ABORTED is thrown; exceptions the stream throws are
     * rethrown.
     */
    template <class Traits>
    void write_stream(ByteView key, std::basic_istream<char, Traits> &in) {
        write_stream(key, [&in](char *buf, std::size_t cap) -> std::intptr_t {
            constexpr auto most = static_cast<std::size_t>(std::numeric_limits<std::streamsize>::max());
            if (in.bad() || (in.fail() && !in.eof())) return -1;
            in.read(buf, static_cast<std::streamsize>(cap < most ? cap : most));
            if (in.bad()) return -1;
            return static_cast<std::intptr_t>(in.gcount());
        });
    }

    /** Deletes `key` (appends a deletion marker).
     * @return true if it was deleted, false if it was absent (nothing written).
     * @throws Error as write(). */
    bool erase(ByteView key) { return detail::check_found(try_erase(key), "rdrive_store_delete"); }
    /** erase() without throwing: #RDRIVE_OK, #RDRIVE_NOT_FOUND, or an error. */
    [[nodiscard]] rdrive_status try_erase(ByteView key) noexcept {
        return rdrive_store_delete(raw_, key.data(), key.size());
    }

    /** Deletes every live key of `keys` (a range of elements converting to
     * ByteView) with one append; absent keys are skipped.
     * @return How many keys were deleted. @throws Error as write(). */
    template <class Keys>
    std::size_t batch_erase(const Keys &keys) {
        detail::SmallBuffer<rdrive_bytes, 16> raw_keys;
        gather_keys(keys, raw_keys);
        std::size_t deleted = 0;
        detail::check(rdrive_store_batch_delete(raw_, raw_keys.data(), raw_keys.size(), &deleted),
                      "rdrive_store_batch_delete");
        return deleted;
    }
    /** batch_erase() with a braced list: `s.batch_erase({"a", "b"})`. */
    std::size_t batch_erase(std::initializer_list<ByteView> keys) {
        return batch_erase<std::initializer_list<ByteView>>(keys);
    }

    /** Moves the value of `old_key` to `new_key` with one append.
     * @return false if `old_key` is absent (nothing written).
     * @throws Error #RDRIVE_ERR_INVALID_ARG if both are the same key; as write(). */
    bool rename(ByteView old_key, ByteView new_key) {
        return detail::check_found(
            rdrive_store_rename(raw_, old_key.data(), old_key.size(), new_key.data(), new_key.size()),
            "rdrive_store_rename");
    }
    /** Appends the current value of `key` to `target`; this store is unchanged.
     * @return false if `key` is absent.
     * @throws Error #RDRIVE_ERR_INVALID_ARG if both are open on the same file;
     *         the errors of writing to `target`. */
    bool copy(ByteView key, Store &target) {
        return detail::check_found(rdrive_store_copy(raw_, key.data(), key.size(), target.raw_),
                                   "rdrive_store_copy");
    }
    /** copy(), then deletes `key` here. Not atomic across the two files: a
     * crash in between leaves the key in both. */
    bool transfer(ByteView key, Store &target) {
        return detail::check_found(rdrive_store_transfer(raw_, key.data(), key.size(), target.raw_),
                                   "rdrive_store_transfer");
    }
    /** @} */

    /** @name Reading
     * Lock-free; never copies the value unless asked to (read_into()). Common
     * errors: #RDRIVE_ERR_CORRUPT (the file was modified by another program).
     * @{ */

    /** The current value of `key`, in place; std::nullopt if absent. The Entry
     * stays valid after later writes, compaction and the end of this Store. */
    [[nodiscard]] std::optional<Entry> read(ByteView key) const {
        std::optional<Entry> entry;
        detail::check_found(try_read(key, entry), "rdrive_store_read");
        return entry;
    }
    /** read() without throwing: on #RDRIVE_OK `out` holds the entry, otherwise
     * it is empty. */
    [[nodiscard]] rdrive_status try_read(ByteView key, std::optional<Entry> &out) const noexcept {
        out.reset();
        rdrive_entry *raw = nullptr;
        const rdrive_status status = rdrive_store_read(raw_, key.data(), key.size(), &raw);
        if (status == RDRIVE_OK) out.emplace(raw);
        return status;
    }
    /** read() by a key hash from hash_key() (or Entry::key_hash()). */
    [[nodiscard]] std::optional<Entry> read_hashed(std::uint64_t key_hash) const {
        rdrive_entry *raw = nullptr;
        if (!detail::check_found(rdrive_store_read_hashed(raw_, key_hash, &raw), "rdrive_store_read_hashed"))
            return std::nullopt;
        return std::optional<Entry>(std::in_place, raw);
    }
    /** The newest entry whose key is still live (never a deletion marker);
     * std::nullopt when the store has no live key. */
    [[nodiscard]] std::optional<Entry> read_last() const {
        rdrive_entry *raw = nullptr;
        if (!detail::check_found(rdrive_store_read_last(raw_, &raw), "rdrive_store_read_last"))
            return std::nullopt;
        return std::optional<Entry>(std::in_place, raw);
    }

    /** Reads many keys at once (a range of elements converting to ByteView).
     * @return One slot per key, in order: the entry, or std::nullopt if absent. */
    template <class Keys>
    [[nodiscard]] std::vector<std::optional<Entry>> batch_read(const Keys &keys) const {
        detail::SmallBuffer<rdrive_bytes, 16> raw_keys;
        gather_keys(keys, raw_keys);
        std::vector<std::optional<Entry>> result;
        result.reserve(raw_keys.size());
        detail::SmallBuffer<rdrive_entry *, 16> found;
        found.resize(raw_keys.size());
        detail::check(rdrive_store_batch_read(raw_, raw_keys.data(), raw_keys.size(), found.data(), nullptr),
                      "rdrive_store_batch_read");
        // Nothing below throws: the vector has its capacity.
        for (std::size_t i = 0; i < raw_keys.size(); ++i) {
            if (found[i] != nullptr) {
                result.emplace_back(std::in_place, found[i]);
            } else {
                result.emplace_back();
            }
        }
        return result;
    }
    /** batch_read() with a braced list: `s.batch_read({"a", "b"})`. */
    [[nodiscard]] std::vector<std::optional<Entry>> batch_read(std::initializer_list<ByteView> keys) const {
        return batch_read<std::initializer_list<ByteView>>(keys);
    }

    /**
     * Calls `visit(value)` with the current value of `key`, in place, without
     * creating an Entry or allocating: the cheapest read. `value` is a
     * std::string_view or, if `visit` takes one under C++20, a
     * std::span<const std::byte>; it is valid only during the call. `visit`
     * may read from this store, not write to it; whatever it throws is
     * rethrown.
     * @return true if `visit` was called, false if `key` is absent.
     */
    template <class Visitor>
    bool peek(ByteView key, Visitor &&visit) const {
        using F = std::remove_reference_t<Visitor>;
        struct Context {
            F *visit;
            std::exception_ptr error;
        } context{&visit, nullptr};
        const rdrive_view_fn view = [](void *ctx, const std::uint8_t *ptr, std::size_t len) noexcept {
            auto *c = static_cast<Context *>(ctx);
            try {
                detail::call_with_value(*c->visit, ptr, len);
            } catch (...) {
                c->error = std::current_exception();
            }
        };
        const rdrive_status status = rdrive_store_peek(raw_, key.data(), key.size(), view, &context);
        if (context.error) std::rethrow_exception(context.error);
        return detail::check_found(status, "rdrive_store_peek");
    }

    /**
     * Copies the current value of `key` into `buffer` (`cap` bytes).
     * @return The value's length, or std::nullopt if absent.
     * @throws Error #RDRIVE_ERR_BUFFER_TOO_SMALL (nothing copied; try_read_into()
     *         reports the size needed); #RDRIVE_ERR_CORRUPT.
     */
    std::optional<std::size_t> read_into(ByteView key, void *buffer, std::size_t cap) const {
        std::size_t size = 0;
        if (!detail::check_found(try_read_into(key, buffer, cap, size), "rdrive_store_read_into"))
            return std::nullopt;
        return size;
    }
    /** read_into() a writable byte container or span (std::vector<std::byte>,
     * std::array<char, N>, std::string, ...): up to its size. */
    template <class Buffer,
              std::enable_if_t<detail::is_writable_byte_container<std::remove_reference_t<Buffer>>::value, int> = 0>
    std::optional<std::size_t> read_into(ByteView key, Buffer &&buffer) const {
        return read_into(key, static_cast<void *>(std::data(buffer)), static_cast<std::size_t>(std::size(buffer)));
    }
    /** read_into() without throwing. `size` receives the value's length, also
     * with #RDRIVE_ERR_BUFFER_TOO_SMALL; 0 when absent or on other failures. */
    [[nodiscard]] rdrive_status try_read_into(ByteView key, void *buffer, std::size_t cap,
                                              std::size_t &size) const noexcept {
        return rdrive_store_read_into(raw_, key.data(), key.size(), static_cast<std::uint8_t *>(buffer), cap, &size);
    }

    /** Whether `key` has a live value. */
    [[nodiscard]] bool contains(ByteView key) const {
        bool live = false;
        detail::check(rdrive_store_exists(raw_, key.data(), key.size(), &live), "rdrive_store_exists");
        return live;
    }

    /** Number of live keys. */
    [[nodiscard]] std::uint64_t size() const {
        std::uint64_t count = 0;
        detail::check(rdrive_store_len(raw_, &count), "rdrive_store_len");
        return count;
    }
    /** Whether the store has no live key. */
    [[nodiscard]] bool empty() const { return size() == 0; }
    /** Length of the store's valid data in bytes (the file's size, without a
     * torn end a read-only open left in place). */
    [[nodiscard]] std::uint64_t file_size() const {
        std::uint64_t bytes = 0;
        detail::check(rdrive_store_file_size(raw_, &bytes), "rdrive_store_file_size");
        return bytes;
    }
    /** Bytes a compaction would reclaim now. Walks the live entries. */
    [[nodiscard]] std::uint64_t reclaimable_bytes() const {
        std::uint64_t bytes = 0;
        detail::check(rdrive_store_reclaimable_bytes(raw_, &bytes), "rdrive_store_reclaimable_bytes");
        return bytes;
    }
    /** Bytes of a torn or damaged end that the open discarded (0 for a clean file). */
    [[nodiscard]] std::uint64_t recovered_bytes() const {
        std::uint64_t bytes = 0;
        detail::check(rdrive_store_recovered_bytes(raw_, &bytes), "rdrive_store_recovered_bytes");
        return bytes;
    }

    /** A snapshot of the live entries, newest first, one per key, taken now
     * (see Entries). It may outlive this Store. */
    [[nodiscard]] Entries entries() const {
        rdrive_iter *raw = nullptr;
        detail::check(rdrive_store_iter(raw_, &raw), "rdrive_store_iter");
        return Entries(raw);
    }

    /**
     * Calls `visit(key_hash, value)` for each live entry of a snapshot taken
     * now, newest first, without creating entries or allocating: the fastest
     * scan. `value` is a std::string_view or, if `visit` takes one under
     * C++20, a std::span<const std::byte>, valid only during the call.
     * `visit` returns void, or a bool: false stops the scan. Whatever it
     * throws propagates.
     */
    template <class Visitor>
    void scan(Visitor &&visit) const {
        Entries snapshot = entries();
        constexpr std::size_t batch = 64;
        rdrive_bytes values[batch];
        std::uint64_t hashes[batch];
        using Result = decltype(detail::call_with_value(visit, nullptr, 0, std::uint64_t{}));
        for (;;) {
            std::size_t count = 0;
            if (!detail::check_found(rdrive_iter_next_batch(snapshot.get(), values, hashes, batch, &count),
                                     "rdrive_iter_next_batch"))
                return;
            for (std::size_t i = 0; i < count; ++i) {
                if constexpr (std::is_void_v<Result>) {
                    detail::call_with_value(visit, values[i].ptr, values[i].len, hashes[i]);
                } else {
                    if (!detail::call_with_value(visit, values[i].ptr, values[i].len, hashes[i])) return;
                }
            }
        }
    }
    /** @} */

    /** @name Maintenance
     * @{ */

    /** Makes every write so far durable (fdatasync). A no-op when read-only.
     * @throws Error #RDRIVE_ERR_IO (the handle is then poisoned; the sync is
     *         never retried); #RDRIVE_ERR_POISONED. */
    void sync() { detail::check(try_sync(), "rdrive_store_sync"); }
    /** sync() without throwing. */
    [[nodiscard]] rdrive_status try_sync() noexcept { return rdrive_store_sync(raw_); }

    /** Rewrites the store with only its live entries and switches this handle
     * to the new file. The Store keeps working; entries read before stay
     * valid. Readers are not blocked; writers wait.
     * @throws Error #RDRIVE_ERR_READ_ONLY; #RDRIVE_ERR_IO; #RDRIVE_ERR_POISONED. */
    void compact() { detail::check(try_compact(), "rdrive_store_compact"); }
    /** compact() without throwing. */
    [[nodiscard]] rdrive_status try_compact() noexcept { return rdrive_store_compact(raw_); }

    /**
     * compact(), calling `progress(done, total)` (bytes of the new file
     * written so far and their total, both std::uint64_t; at least every MiB)
     * as it goes. `progress` returns void,
     * or a bool: false stops the compaction and leaves the store as it was.
     * Whatever it throws is rethrown, with the store left as it was.
     * @return true if the store was compacted, false if `progress` stopped it.
     * @throws Error as compact().
     */
    template <class Progress>
    bool compact(Progress &&progress) {
        using F = std::remove_reference_t<Progress>;
        using Result = std::invoke_result_t<F &, std::uint64_t, std::uint64_t>;
        struct Context {
            F *progress;
            std::exception_ptr error;
            bool stopped;
        } context{&progress, nullptr, false};
        const rdrive_progress_fn report = [](void *ctx, std::uint64_t done, std::uint64_t total) noexcept {
            auto *c = static_cast<Context *>(ctx);
            try {
                if constexpr (std::is_void_v<Result>) {
                    (*c->progress)(done, total);
                } else {
                    if (!static_cast<bool>((*c->progress)(done, total))) c->stopped = true;
                }
            } catch (...) {
                c->error = std::current_exception();
            }
            return (c->stopped || c->error) ? std::int32_t{1} : std::int32_t{0};
        };
        const rdrive_status status = rdrive_store_compact_with_progress(raw_, report, &context);
        if (context.error) std::rethrow_exception(context.error);
        if (context.stopped && status == RDRIVE_ERR_ABORTED) return false;
        detail::check(status, "rdrive_store_compact_with_progress");
        return true;
    }
    /** @} */

private:
    /** Gathers the keys of a range into `out`, for one batch call. */
    template <class Keys, std::size_t N>
    static void gather_keys(const Keys &keys, detail::SmallBuffer<rdrive_bytes, N> &out) {
        using Ref = decltype(*std::begin(keys));
        static_assert(std::is_lvalue_reference_v<Ref> || detail::is_view<detail::remove_cvref_t<Ref>>::value,
                      "the range yields temporaries that own their bytes; store the keys in a container first");
        for (auto &&key : keys) {
            const ByteView k(key);
            out.push_back(rdrive_bytes{k.data(), k.size()});
        }
    }

    rdrive_store *raw_ = nullptr;
};

/** The 64-bit hash identifying `key` in a store (xxh3-64, seed 0); use it
 * with write_hashed() and read_hashed(). */
[[nodiscard]] inline std::uint64_t hash_key(ByteView key) noexcept { return rdrive_hash_key(key.data(), key.size()); }

/** The 16-byte key for `key` within namespace `prefix` (xxh3(prefix) then
 * xxh3(key), little-endian; compatible with simd-r-drive's NamespaceHasher).
 * Use the result as an ordinary key. */
[[nodiscard]] inline std::array<std::uint8_t, RDRIVE_NAMESPACED_KEY_LEN> namespace_key(ByteView prefix, ByteView key) {
    std::array<std::uint8_t, RDRIVE_NAMESPACED_KEY_LEN> out{};
    detail::check(rdrive_namespace_key(prefix.data(), prefix.size(), key.data(), key.size(), out.data()),
                  "rdrive_namespace_key");
    return out;
}

}  // namespace rdrive

#endif /* RDRIVE_HPP */
