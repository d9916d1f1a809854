# The body of the CMake build of librdrive, included by the CMakeLists.txt at
# the repository root and by cmake/CMakeLists.txt (after project(), which
# takes the version from cmake/version.cmake). It drives cargo, exposes
# rdrive::rdrive (shared) and rdrive::rdrive_static, builds the C tests and
# the `rdrive` command-line tool, and installs a relocatable CMake package
# and pkg-config file.

option(RDRIVE_BUILD_TESTS "Build and register the C and C++ tests" ON)
option(RDRIVE_SANITIZE "Build the C tests and tool with AddressSanitizer and UBSan" OFF)
option(RDRIVE_VALGRIND "Run the C tests under valgrind (leak check, errors fail)" OFF)
set(RDRIVE_CARGO_TARGET_DIR "${CMAKE_CURRENT_LIST_DIR}/../target" CACHE PATH
    "cargo target directory (shared by build trees so the Rust library builds once)")

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
find_package(Threads REQUIRED)
# C++ is optional: without a C++ compiler the C++ tests are skipped.
include(CheckLanguage)
check_language(CXX)
if(CMAKE_CXX_COMPILER)
  enable_language(CXX)
endif()
find_program(CARGO cargo HINTS "$ENV{HOME}/.cargo/bin")
if(NOT CARGO)
  message(FATAL_ERROR "cargo not found: install Rust (https://rustup.rs)")
endif()

get_filename_component(RDRIVE_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(RDRIVE_SONAME_VERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
set(RDRIVE_SONAME "librdrive.so.${RDRIVE_SONAME_VERSION}")
set(RDRIVE_REAL_NAME "librdrive.so.${PROJECT_VERSION}")
# The build type picks the cargo profile: Debug builds cargo's `dev` profile
# (target/debug), every other type, or none, the `release` profile.
if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  set(RDRIVE_CARGO_PROFILE dev)
  set(_cargo_out "${RDRIVE_CARGO_TARGET_DIR}/debug")
else()
  set(RDRIVE_CARGO_PROFILE release)
  set(_cargo_out "${RDRIVE_CARGO_TARGET_DIR}/release")
endif()
set(_lib_dir "${CMAKE_BINARY_DIR}/lib")

# What a program linking the static archive must link as well: the native
# libraries of the Rust standard library (rdrive's own dependencies are pure
# Rust), as the toolchain that builds it reports them
# (`--print native-static-libs` on an empty static library).
if(DEFINED ENV{RUSTC})
  set(RUSTC "$ENV{RUSTC}")
else()
  find_program(RUSTC rustc HINTS "$ENV{HOME}/.cargo/bin" REQUIRED)
endif()
set(_probe "${CMAKE_BINARY_DIR}/native-libs-probe")
file(MAKE_DIRECTORY "${_probe}")
file(WRITE "${_probe}/probe.rs" "")
execute_process(
  COMMAND "${RUSTC}" --crate-type staticlib --crate-name rdrive_probe --edition 2021
          --print native-static-libs -o "${_probe}/librdrive_probe.a" "${_probe}/probe.rs"
  RESULT_VARIABLE _probe_rc OUTPUT_VARIABLE _probe_out ERROR_VARIABLE _probe_out)
string(REGEX MATCH "native-static-libs: ([^\n]*)" _ "${_probe_out}")
set(RDRIVE_NATIVE_STATIC_LIBS "${CMAKE_MATCH_1}")
if(NOT _probe_rc EQUAL 0 OR RDRIVE_NATIVE_STATIC_LIBS STREQUAL "")
  message(FATAL_ERROR "could not ask ${RUSTC} for its native static libraries:\n${_probe_out}")
endif()
string(STRIP "${RDRIVE_NATIVE_STATIC_LIBS}" RDRIVE_NATIVE_STATIC_LIBS)
# As a CMake list of library names (-lm -> m) for INTERFACE_LINK_LIBRARIES.
string(REGEX REPLACE "(^| )-l" "\\1" RDRIVE_STATIC_DEPS "${RDRIVE_NATIVE_STATIC_LIBS}")
separate_arguments(RDRIVE_STATIC_DEPS UNIX_COMMAND "${RDRIVE_STATIC_DEPS}")
message(STATUS "librdrive.a also needs: ${RDRIVE_NATIVE_STATIC_LIBS}")

file(GLOB_RECURSE _rust_sources CONFIGURE_DEPENDS "${RDRIVE_SOURCE_DIR}/src/*.rs")
add_custom_command(
  OUTPUT "${_lib_dir}/${RDRIVE_REAL_NAME}" "${_lib_dir}/${RDRIVE_SONAME}"
         "${_lib_dir}/librdrive.so" "${_lib_dir}/librdrive.a"
  COMMAND "${CARGO}" build --profile "${RDRIVE_CARGO_PROFILE}" --lib --locked
          --manifest-path "${RDRIVE_SOURCE_DIR}/Cargo.toml"
          --target-dir "${RDRIVE_CARGO_TARGET_DIR}"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${_lib_dir}"
  COMMAND "${CMAKE_COMMAND}" -E copy "${_cargo_out}/librdrive.so" "${_lib_dir}/${RDRIVE_REAL_NAME}"
  COMMAND "${CMAKE_COMMAND}" -E create_symlink "${RDRIVE_REAL_NAME}" "${_lib_dir}/${RDRIVE_SONAME}"
  COMMAND "${CMAKE_COMMAND}" -E create_symlink "${RDRIVE_SONAME}" "${_lib_dir}/librdrive.so"
  COMMAND "${CMAKE_COMMAND}" -E copy "${_cargo_out}/librdrive.a" "${_lib_dir}/librdrive.a"
  DEPENDS ${_rust_sources} "${RDRIVE_SOURCE_DIR}/Cargo.toml" "${RDRIVE_SOURCE_DIR}/Cargo.lock"
          "${RDRIVE_SOURCE_DIR}/build.rs" "${RDRIVE_SOURCE_DIR}/cbindgen.toml"
  WORKING_DIRECTORY "${RDRIVE_SOURCE_DIR}"
  COMMENT "Building librdrive with cargo"
  USES_TERMINAL VERBATIM)
add_custom_target(rdrive_cargo ALL DEPENDS "${_lib_dir}/${RDRIVE_REAL_NAME}" "${_lib_dir}/librdrive.a")

add_library(rdrive SHARED IMPORTED GLOBAL)
set_target_properties(rdrive PROPERTIES
  IMPORTED_LOCATION "${_lib_dir}/${RDRIVE_REAL_NAME}"
  IMPORTED_SONAME "${RDRIVE_SONAME}"
  INTERFACE_INCLUDE_DIRECTORIES "${RDRIVE_SOURCE_DIR}/include")
add_dependencies(rdrive rdrive_cargo)
add_library(rdrive::rdrive ALIAS rdrive)

add_library(rdrive_static STATIC IMPORTED GLOBAL)
set_target_properties(rdrive_static PROPERTIES
  IMPORTED_LOCATION "${_lib_dir}/librdrive.a"
  INTERFACE_INCLUDE_DIRECTORIES "${RDRIVE_SOURCE_DIR}/include"
  INTERFACE_LINK_LIBRARIES "${RDRIVE_STATIC_DEPS}")
add_dependencies(rdrive_static rdrive_cargo)
add_library(rdrive::rdrive_static ALIAS rdrive_static)

set(RDRIVE_C_WARNINGS -Wall -Wextra -Wpedantic -Werror)
set(RDRIVE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)

# The command-line tool.
add_executable(rdrive_cli "${RDRIVE_SOURCE_DIR}/tools/rdrive.c")
set_target_properties(rdrive_cli PROPERTIES
  OUTPUT_NAME rdrive
  C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
target_compile_options(rdrive_cli PRIVATE ${RDRIVE_C_WARNINGS})
target_compile_definitions(rdrive_cli PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(rdrive_cli PRIVATE rdrive::rdrive)
if(RDRIVE_SANITIZE)
  target_compile_options(rdrive_cli PRIVATE ${RDRIVE_SANITIZER_FLAGS})
  target_link_options(rdrive_cli PRIVATE ${RDRIVE_SANITIZER_FLAGS})
endif()

# Installation: the library with its SONAME links, the headers, the tool, a
# relocatable CMake package and a relocatable pkg-config file.
install(FILES "${_lib_dir}/${RDRIVE_REAL_NAME}" "${_lib_dir}/librdrive.a"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(CODE "
  set(_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}\")
  file(CREATE_LINK \"${RDRIVE_REAL_NAME}\" \"\${_dir}/${RDRIVE_SONAME}\" SYMBOLIC)
  file(CREATE_LINK \"${RDRIVE_SONAME}\" \"\${_dir}/librdrive.so\" SYMBOLIC)
  message(STATUS \"Installing: \${_dir}/${RDRIVE_SONAME} -> ${RDRIVE_REAL_NAME}\")
")
install(FILES "${RDRIVE_SOURCE_DIR}/include/rdrive.h" "${RDRIVE_SOURCE_DIR}/include/rdrive.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS rdrive_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${RDRIVE_SOURCE_DIR}/tools/rdrive.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

set(_config_dir "${CMAKE_INSTALL_LIBDIR}/cmake/rdrive")
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/rdriveConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/rdriveConfig.cmake"
  INSTALL_DESTINATION "${_config_dir}"
  PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
# Before 1.0 every minor release may change the ABI.
write_basic_package_version_file(
  "${CMAKE_BINARY_DIR}/rdriveConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/rdriveConfig.cmake" "${CMAKE_BINARY_DIR}/rdriveConfigVersion.cmake"
        DESTINATION "${_config_dir}")

# pkg-config: paths relative to the .pc file, so the prefix can move.
file(RELATIVE_PATH RDRIVE_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" RDRIVE_PC_TO_PREFIX "${RDRIVE_PC_TO_PREFIX}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/rdrive.pc.in" "${CMAKE_BINARY_DIR}/rdrive.pc" @ONLY)
install(FILES "${CMAKE_BINARY_DIR}/rdrive.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

if(RDRIVE_BUILD_TESTS)
  enable_testing()
  # What the tests run under: valgrind with leaks as errors, or nothing.
  set(RDRIVE_TEST_LAUNCHER "")
  if(RDRIVE_VALGRIND)
    if(RDRIVE_SANITIZE)
      message(FATAL_ERROR "RDRIVE_VALGRIND and RDRIVE_SANITIZE cannot be combined")
    endif()
    find_program(VALGRIND valgrind REQUIRED)
    set(RDRIVE_TEST_LAUNCHER "${VALGRIND}" --error-exitcode=99 --leak-check=full
        --errors-for-leak-kinds=definite,possible --show-leak-kinds=definite,possible
        --child-silent-after-fork=yes -q)
  endif()
  add_subdirectory("${RDRIVE_SOURCE_DIR}/c_tests" "${CMAKE_BINARY_DIR}/c_tests")
  if(CMAKE_CXX_COMPILER)
    add_subdirectory("${RDRIVE_SOURCE_DIR}/cpp_tests" "${CMAKE_BINARY_DIR}/cpp_tests")
  else()
    message(STATUS "No C++ compiler found: the C++ tests are skipped")
  endif()
endif()
