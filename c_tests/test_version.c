/* The header's version macros equal what the library reports. */
#include "check.h"

#define STR_(x) #x
#define STR(x) STR_(x)

int main(void) {
    CHECK(rdrive_version_number() == RDRIVE_VERSION_NUMBER);
    CHECK(RDRIVE_VERSION_NUMBER ==
          RDRIVE_VERSION_MAJOR * 1000000 + RDRIVE_VERSION_MINOR * 1000 + RDRIVE_VERSION_PATCH);
    CHECK(strcmp(rdrive_version_string(), RDRIVE_VERSION_STRING) == 0);
    CHECK(strcmp(RDRIVE_VERSION_STRING,
                 STR(RDRIVE_VERSION_MAJOR) "." STR(RDRIVE_VERSION_MINOR) "." STR(RDRIVE_VERSION_PATCH)) == 0);
    return finish("version");
}
