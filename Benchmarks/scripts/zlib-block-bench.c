/*
 * zlib-block-bench: how fast zlib deflates and inflates the LSM's 4 KiB data blocks, for each
 * deflate setting DESIGN.md ("Compression by level") compares.
 *
 * It reads up to 800 consecutive 4 KiB pieces of an uncompressed table (a level-0 or level-1 `.ldb`
 * that lsm-bench left with `--dir`, whose blocks are stored raw), skipping the first 8 KiB, then for
 * each setting deflates every piece 10 times and inflates every result 10 times, and prints the
 * compressed fraction and the mean microseconds per block.
 *
 *   cc -O2 -o /tmp/zlib-block-bench Benchmarks/scripts/zlib-block-bench.c -lz
 *   /tmp/zlib-block-bench /tmp/lsm-bench-dir/ours/db/000123.ldb
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

enum { blockSize = 4096, maxBlocks = 800, rounds = 10, slack = 256 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void measure(const unsigned char *blocks, int count, int windowBits, int memLevel, int strategy,
                    const char *name) {
    unsigned char *out = malloc((size_t)count * (blockSize + slack));
    int *lengths = malloc(sizeof(int) * (size_t)count);
    z_stream deflater;
    memset(&deflater, 0, sizeof deflater);
    if (deflateInit2(&deflater, Z_BEST_SPEED, Z_DEFLATED, windowBits, memLevel, strategy) != Z_OK) exit(1);
    long total = 0;
    double start = now();
    for (int round = 0; round < rounds; round++) {
        for (int b = 0; b < count; b++) {
            deflateReset(&deflater);
            deflater.next_in = (unsigned char *)blocks + (size_t)b * blockSize;
            deflater.avail_in = blockSize;
            deflater.next_out = out + (size_t)b * (blockSize + slack);
            deflater.avail_out = blockSize + slack;
            if (deflate(&deflater, Z_FINISH) != Z_STREAM_END) exit(1);
            lengths[b] = blockSize + slack - (int)deflater.avail_out;
            if (round == 0) total += lengths[b];
        }
    }
    double deflateSeconds = now() - start;
    deflateEnd(&deflater);

    z_stream inflater;
    memset(&inflater, 0, sizeof inflater);
    if (inflateInit2(&inflater, -15) != Z_OK) exit(1);
    unsigned char plain[blockSize];
    start = now();
    for (int round = 0; round < rounds; round++) {
        for (int b = 0; b < count; b++) {
            inflateReset(&inflater);
            inflater.next_in = out + (size_t)b * (blockSize + slack);
            inflater.avail_in = (unsigned)lengths[b];
            inflater.next_out = plain;
            inflater.avail_out = blockSize;
            if (inflate(&inflater, Z_FINISH) != Z_STREAM_END) exit(1);
        }
    }
    double inflateSeconds = now() - start;
    inflateEnd(&inflater);
    printf("%-34s size %.3f  deflate %6.2f us/block  inflate %6.2f us/block\n", name,
           (double)total / ((double)count * blockSize), deflateSeconds / (rounds * count) * 1e6,
           inflateSeconds / (rounds * count) * 1e6);
    free(out);
    free(lengths);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s UNCOMPRESSED_TABLE\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 1;
    }
    unsigned char *blocks = malloc((size_t)maxBlocks * blockSize);
    fseek(file, 8192, SEEK_SET);
    int count = (int)(fread(blocks, 1, (size_t)maxBlocks * blockSize, file) / blockSize);
    fclose(file);
    if (count == 0) {
        fprintf(stderr, "%s: too small\n", argv[1]);
        return 1;
    }
    printf("%d blocks of %d bytes from %s\n", count, blockSize, argv[1]);
    measure(blocks, count, -15, 8, Z_DEFAULT_STRATEGY, "window 15, memLevel 8, dynamic");
    measure(blocks, count, -15, 8, Z_FIXED, "window 15, memLevel 8, fixed");
    measure(blocks, count, -12, 5, Z_DEFAULT_STRATEGY, "window 12, memLevel 5, dynamic");
    free(blocks);
    return 0;
}
