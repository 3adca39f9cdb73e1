/* lowbit: the one C ABI of the native kernels (bound by JavaCPP in bindings/). */
#ifndef LOWBIT_H
#define LOWBIT_H
#include "format.h"
#include "runtime.h"
#include "ops.h"
#endif
