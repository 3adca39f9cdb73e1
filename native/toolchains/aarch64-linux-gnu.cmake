# Cross-build for linux-arm64 with Debian's aarch64 gcc (apt-get install g++-aarch64-linux-gnu qemu-user):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=native/toolchains/aarch64-linux-gnu.cmake
#   cmake --build build-arm64 -j2 && ctest --test-dir build-arm64
# ctest runs each test binary under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR); native/tests/run_arm64.sh does all three.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(LOWBIT_SYSROOT /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH ${LOWBIT_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# qemu's -L: where the aarch64 loader and libraries (libgomp, libstdc++) are found
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;${LOWBIT_SYSROOT})
