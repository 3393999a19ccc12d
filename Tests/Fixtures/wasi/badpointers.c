// WASI fixture: calls preview1 functions directly with bad pointers, descriptors and clock ids, and prints
// the errno each one answers (the host must answer, never trap or crash).
#include <stdio.h>
#include <wasi/api.h>

int main(void) {
    __wasi_size_t n = 0;
    __wasi_ciovec_t bad_base = { (const uint8_t *)0xfffffff0u, 64 };
    __wasi_iovec_t bad_read = { (uint8_t *)0xfffffff0u, 64 };
    __wasi_timestamp_t t;
    __wasi_prestat_t pre;
    __wasi_fd_t fd;
    printf("fd_write_bad_iovs=%d\n", __wasi_fd_write(1, (const __wasi_ciovec_t *)0xfffffff8u, 1, &n));
    printf("fd_write_bad_buf=%d\n", __wasi_fd_write(1, &bad_base, 1, &n));
    printf("fd_write_bad_fd=%d\n", __wasi_fd_write(7, &bad_base, 0, &n));
    printf("fd_write_bad_result=%d\n", __wasi_fd_write(1, &bad_base, 0, (__wasi_size_t *)0xfffffffeu));
    printf("fd_write_too_many=%d\n", __wasi_fd_write(1, &bad_base, 1025, &n));
    printf("random_bad=%d\n", __wasi_random_get((uint8_t *)0xffffff00u, 0x200));
    printf("clock_bad_id=%d\n", __wasi_clock_time_get(99, 0, &t));
    printf("clock_bad_ptr=%d\n", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, (__wasi_timestamp_t *)0xfffffffcu));
    printf("args_bad=%d\n", __wasi_args_get((uint8_t **)0xfffffffcu, (uint8_t *)0xfffffff0u));
    printf("prestat_3=%d\n", __wasi_fd_prestat_get(3, &pre));
    printf("path_open=%d\n", __wasi_path_open(3, 0, "x", 0, 0, 0, 0, &fd));
    printf("fd_read_stdout=%d\n", __wasi_fd_read(1, &bad_read, 0, &n));
    printf("fd_seek_stdin=%d\n", (int)__wasi_fd_seek(0, 0, __WASI_WHENCE_CUR, &t));
    return 0;
}
