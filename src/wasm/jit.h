/* The baseline JIT: validated function bodies compiled once, at module load,
 * to x86-64 machine code (see jit.c for the model). Internal to src/wasm. */
#ifndef CX_WASM_JIT_H
#define CX_WASM_JIT_H

#include "wasm_int.h"

/* Machine code of one module (a few bytes per bytecode byte, up to ~40 for
 * division): a module that would need more is interpreted. */
#define CX_WASM_JIT_MAX_CODE (64u << 20)

/* Compile the module's functions when the JIT supports all of them and
 * m->lim.jit is set. Never fails the load: without memory for code or
 * permission to map it executable, the module is interpreted. */
void cx_wasm_jit_compile(cx_wasm_module *m);
void cx_wasm_jit_free(cx_wasm_module *m);

/* Run compiled code c of instance I with its frame at fp (arguments in
 * place, results written there). `depth`: call frames in use below it;
 * `*budget`: the caller's fuel budget, taken and given back. A trap kind. */
int cx_wasm_jit_run(cx_wasm_instance *I, const code *c, uint64_t *fp, uint32_t depth,
                    int64_t *budget);

/* interp.c, for the JIT's slow paths: the interpreter's budget refill, and
 * a call of any function with its arguments at args (results replace them)
 * as a nested entry at the given depth. */
int64_t cx_wasm_refill(cx_wasm_instance *E, int *trap);
int cx_wasm_call_nested(cx_wasm_instance *E, cx_wasm_func *f, uint64_t *args, uint32_t depth);

#endif
