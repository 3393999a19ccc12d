// Bench: a small stack-machine bytecode interpreter (switch dispatch) running a guest program that
// sums a polynomial hash over a loop and calls a subroutine; checksum = the guest's result.
// argv[1] = guest loop count in thousands (default 2000).
#include "bench.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, SHR, AND, JNZ, JMP, CALL, RET, DUP, DROP, HALT };

static uint32_t run(const int32_t *code, uint32_t n) {
    uint32_t stack[64], vars[8] = {0};
    int32_t rstack[16];
    int sp = 0, rsp = 0, pc = 0;
    vars[0] = n;
    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = (uint32_t)code[pc++]; break;
        case LOAD: stack[sp++] = vars[code[pc++]]; break;
        case STORE: vars[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHR: sp--; stack[sp - 1] >>= (stack[sp] & 31); break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case JNZ: { int32_t t = code[pc++]; if (stack[--sp]) pc = t; break; }
        case JMP: pc = code[pc]; break;
        case CALL: rstack[rsp++] = pc + 1; pc = code[pc]; break;
        case RET: pc = rstack[--rsp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case HALT: return vars[1];
        default: return 0xdeadu;
        }
    }
}

int main(int argc, char **argv) {
    uint32_t n = (uint32_t)bench_scale(argc, argv, 2000) * 1000;
    // vars: 0 = counter, 1 = accumulator, 2 = scratch
    const int32_t program[] = {
        /* 0 */ PUSH, 17, STORE, 1,
        /* 4: loop */ LOAD, 1, PUSH, 31, MUL, LOAD, 0, ADD, STORE, 1,
        /* 14 */ CALL, 35,
        /* 16 */ LOAD, 0, PUSH, 1, SUB, DUP, STORE, 0,
        /* 24 */ JNZ, 4,
        /* 26 */ HALT, HALT, HALT, HALT, HALT, HALT, HALT, HALT, HALT,
        /* 35: sub */ LOAD, 1, DUP, PUSH, 13, SHR, XOR, PUSH, 0x7fffffff, AND, STORE, 1, RET,
    };
    uint32_t r = run(program, n);
    bench_report("bytecode", r);
    return 0;
}
