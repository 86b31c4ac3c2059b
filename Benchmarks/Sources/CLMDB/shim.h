#ifndef BTREE_BENCH_CLMDB_SHIM_H
#define BTREE_BENCH_CLMDB_SHIM_H
#include <lmdb.h>
#endif
