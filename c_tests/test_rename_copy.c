/* rename, copy and transfer; copying into the same file under another name
 * is refused; namespaced keys. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char a_path[256], b_path[256], link_path[256];
    path_in(a_path, sizeof a_path, dir, "a.rdrive");
    path_in(b_path, sizeof b_path, dir, "b.rdrive");
    path_in(link_path, sizeof link_path, dir, "a-link.rdrive");
    rdrive_store *a = NULL, *b = NULL, *same = NULL;
    REQUIRE_OK(rdrive_store_open(a_path, 0, &a));
    REQUIRE_OK(rdrive_store_open(b_path, 0, &b));
    uint8_t zeros[100] = {0};
    REQUIRE_OK(rdrive_store_write(a, KEY("old"), zeros, sizeof zeros));
    REQUIRE_OK(rdrive_store_write(a, KEY("keep"), (const uint8_t *)"kept", 4));
    REQUIRE_OK(rdrive_store_write(a, KEY("move"), (const uint8_t *)"moved", 5));

    CHECK_STATUS(rdrive_store_rename(a, KEY("old"), KEY("new")), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_rename(a, KEY("new"), KEY("new")), RDRIVE_ERR_INVALID_ARG);
    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(a, KEY("old"), &e), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_read(a, KEY("new"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, zeros, sizeof zeros)); /* all-zero values survive */
    rdrive_entry_free(e);

    CHECK_STATUS(rdrive_store_copy(a, KEY("keep"), b), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_transfer(a, KEY("move"), b), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_read(a, KEY("keep"), &e), RDRIVE_OK);
    rdrive_entry_free(e);
    CHECK_STATUS(rdrive_store_read(a, KEY("move"), &e), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_read(b, KEY("move"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, "moved", 5));
    rdrive_entry_free(e);

    /* The same file by another path (a hard link): detected by identity. */
    CHECK(link(a_path, link_path) == 0);
    REQUIRE_OK(rdrive_store_open(link_path, RDRIVE_OPEN_READ_ONLY, &same));
    CHECK_STATUS(rdrive_store_copy(a, KEY("keep"), same), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_copy(a, KEY("keep"), a), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_transfer(a, KEY("keep"), a), RDRIVE_ERR_INVALID_ARG);
    rdrive_store_close(same);

    /* Namespaced keys match simd-r-drive's NamespaceHasher. */
    uint8_t ns[RDRIVE_NAMESPACED_KEY_LEN];
    const uint8_t want[16] = {0x7c, 0x06, 0x6c, 0x9d, 0xf2, 0xe6, 0xec, 0xcb,
                              0xe2, 0x29, 0xd8, 0xd5, 0x0c, 0x07, 0x4d, 0x38};
    CHECK_STATUS(rdrive_namespace_key(KEY("namespace1"), KEY("key1"), ns), RDRIVE_OK);
    CHECK(memcmp(ns, want, 16) == 0);
    CHECK_STATUS(rdrive_store_write(a, ns, sizeof ns, (const uint8_t *)"nsv", 3), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_read(a, ns, sizeof ns, &e), RDRIVE_OK);
    CHECK(entry_equals(e, "nsv", 3));
    rdrive_entry_free(e);

    rdrive_store_close(a);
    rdrive_store_close(b);
    remove_tree(dir);
    return finish("rename_copy");
}
