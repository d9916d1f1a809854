/* The release functions accept NULL. */
#include "check.h"

int main(void) {
    rdrive_entry_free(NULL);
    rdrive_iter_free(NULL);
    rdrive_store_close(NULL);
    CHECK(1);
    return finish("free_null");
}
