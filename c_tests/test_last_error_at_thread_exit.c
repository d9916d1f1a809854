/* rdrive_last_error() and failing calls work from a thread's exit
 * destructors too, when the library's own thread-local state may already
 * be gone: no crash, and a string (possibly empty) every time. */
#include <pthread.h>

#include "check.h"

static pthread_key_t key;
static int destructor_ran;

static void at_exit(void *value) {
    (void)value;
    rdrive_store *s = NULL;
    rdrive_status st = rdrive_store_open(NULL, 0, &s);
    const char *detail = rdrive_last_error();
    if (st == RDRIVE_ERR_INVALID_ARG && detail != NULL && s == NULL) destructor_ran = 1;
}

static void *worker(void *arg) {
    (void)arg;
    /* Touch the library's thread-local state first, then register the
     * destructor, so it runs after the library's state is torn down on some
     * systems and before it on others. */
    rdrive_store *s = NULL;
    (void)rdrive_store_open(NULL, 0, &s);
    (void)rdrive_last_error();
    pthread_setspecific(key, (void *)1);
    return NULL;
}

int main(void) {
    CHECK(pthread_key_create(&key, at_exit) == 0);
    for (int i = 0; i < 20; i++) {
        destructor_ran = 0;
        pthread_t t;
        CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
        CHECK(pthread_join(t, NULL) == 0);
        CHECK(destructor_ran == 1);
    }
    return finish("last_error_at_thread_exit");
}
