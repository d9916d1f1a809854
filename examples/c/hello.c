/* A minimal program using rdrive: write a value, read it back in place. */
#include <stdio.h>
#include <string.h>

#include <rdrive.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "hello.rdrive";
    if (rdrive_version_number() != RDRIVE_VERSION_NUMBER) {
        fprintf(stderr, "header %s does not match library %s\n", RDRIVE_VERSION_STRING,
                rdrive_version_string());
        return 1;
    }
    rdrive_store *store = NULL;
    rdrive_status st = rdrive_store_open(path, 0, &store);
    if (st != RDRIVE_OK) {
        fprintf(stderr, "open: %s: %s\n", rdrive_status_str(st), rdrive_last_error());
        return 1;
    }
    const char *key = "greeting", *value = "hello, rdrive";
    st = rdrive_store_write(store, (const uint8_t *)key, strlen(key), (const uint8_t *)value, strlen(value));
    rdrive_entry *entry = NULL;
    if (st == RDRIVE_OK) st = rdrive_store_read(store, (const uint8_t *)key, strlen(key), &entry);
    if (st != RDRIVE_OK) {
        fprintf(stderr, "write/read: %s: %s\n", rdrive_status_str(st), rdrive_last_error());
        rdrive_store_close(store);
        return 1;
    }
    rdrive_bytes bytes = rdrive_entry_address_range(entry); /* points into the file's mapping */
    printf("%s = %.*s\n", key, (int)bytes.len, (const char *)bytes.ptr);
    rdrive_entry_free(entry);
    rdrive_store_close(store);
    return 0;
}
