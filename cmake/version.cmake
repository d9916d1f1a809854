# The package version, read from Cargo.toml (the single source of truth)
# into RDRIVE_VERSION, before project() is called.
file(READ "${CMAKE_CURRENT_LIST_DIR}/../Cargo.toml" _cargo_toml)
string(REGEX MATCH "\nversion = \"([0-9]+\\.[0-9]+\\.[0-9]+)\"" _ "${_cargo_toml}")
set(RDRIVE_VERSION "${CMAKE_MATCH_1}")
if(RDRIVE_VERSION STREQUAL "")
  message(FATAL_ERROR "could not read the package version from Cargo.toml")
endif()
