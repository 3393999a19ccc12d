// Bench: table-driven CRC-32 (IEEE, reflected 0xEDB88320) over a buffer, several passes; checksum = CRCs.
// argv[1] = buffer size in KiB (default 2048).
#include "bench.h"

static uint32_t table[256];

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        table[i] = c;
    }
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t c = ~crc;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

int main(int argc, char **argv) {
    size_t len = (size_t)bench_scale(argc, argv, 2048) * 1024;
    uint8_t *buf = malloc(len);
    if (!buf) return 1;
    make_table();
    if (crc32(0, (const uint8_t *)"123456789", 9) != 0xcbf43926u) { printf("crc32 self-test failed\n"); return 2; }
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)bench_next();
    uint32_t h = 0, crc = 0;
    for (int rep = 0; rep < 4; rep++) {
        crc = crc32(crc, buf, len);
        buf[rep] ^= (uint8_t)crc;
        h = bench_mix(h, crc);
    }
    bench_report("crc32", h);
    free(buf);
    return 0;
}
