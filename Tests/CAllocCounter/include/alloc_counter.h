// Counts heap allocations made by the calling thread between start and stop (tests only): the test
// executable's malloc family forwards to glibc's and counts while this thread has counting on.
#ifndef ALLOC_COUNTER_H
#define ALLOC_COUNTER_H
/// Starts counting this thread's allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign).
void alloc_counter_start(void);
/// Stops counting and returns the number of allocations since alloc_counter_start.
unsigned long alloc_counter_stop(void);
/// 1 when the interposed allocator is the one in use (a test of the counter itself can check this).
int alloc_counter_active(void);
#endif
