#ifndef LSM_BENCH_CROCKSDB_SHIM_H
#define LSM_BENCH_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
#endif
