/*
 * vm: branchy. A small stack-based bytecode interpreter (a switch compiled to
 * a jump table: one indirect jump per bytecode) running two programs: a
 * sieve of Eratosthenes and an iterative Fibonacci modulo a prime, over and
 * over. Prints a checksum of their results.
 */
#include "test.h"

#define ROUNDS 120
#define SIEVE_N 8192
#define FIB_STEPS 20000

enum Op {
    OP_PUSH,  /* push imm */
    OP_LOAD,  /* push var[imm] */
    OP_STORE, /* var[imm] = pop */
    OP_ALOAD, /* push mem[pop] */
    OP_ASTORE, /* v = pop, i = pop: mem[i] = v */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_MOD,
    OP_LT,    /* push (a < b) */
    OP_JMP,   /* pc = imm */
    OP_JZ,    /* if pop == 0: pc = imm */
    OP_DUP,
    OP_HALT,
};

typedef struct Insn {
    uint8_t op;
    int32_t imm;
} Insn;

static int64_t vm_mem[SIEVE_N];

static int64_t vm_run(const Insn *code, int64_t *vars)
{
    int64_t stack[16];
    int sp = 0;
    int pc = 0;

    for (;;) {
        const Insn *in = &code[pc++];
        int64_t a, b;

        switch (in->op) {
        case OP_PUSH:
            stack[sp++] = in->imm;
            break;
        case OP_LOAD:
            stack[sp++] = vars[in->imm];
            break;
        case OP_STORE:
            vars[in->imm] = stack[--sp];
            break;
        case OP_ALOAD:
            a = stack[sp - 1];
            stack[sp - 1] = vm_mem[(uint64_t)a % SIEVE_N];
            break;
        case OP_ASTORE:
            b = stack[--sp];
            a = stack[--sp];
            vm_mem[(uint64_t)a % SIEVE_N] = b;
            break;
        case OP_ADD:
            b = stack[--sp];
            stack[sp - 1] += b;
            break;
        case OP_SUB:
            b = stack[--sp];
            stack[sp - 1] -= b;
            break;
        case OP_MUL:
            b = stack[--sp];
            stack[sp - 1] *= b;
            break;
        case OP_MOD:
            b = stack[--sp];
            stack[sp - 1] = b ? stack[sp - 1] % b : 0;
            break;
        case OP_LT:
            b = stack[--sp];
            stack[sp - 1] = stack[sp - 1] < b;
            break;
        case OP_JMP:
            pc = in->imm;
            break;
        case OP_JZ:
            if (stack[--sp] == 0) {
                pc = in->imm;
            }
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_HALT:
        default:
            return sp ? stack[sp - 1] : 0;
        }
    }
}

/* vars: 0 i, 1 j, 2 count */
static const Insn sieve_prog[] = {
    /* for i in 0..N: mem[i] = 1 */
    [0] = {OP_PUSH, 0}, {OP_STORE, 0},
    [2] = {OP_LOAD, 0}, {OP_PUSH, SIEVE_N}, {OP_LT, 0}, {OP_JZ, 14},
    [6] = {OP_LOAD, 0}, {OP_PUSH, 1}, {OP_ASTORE, 0},
    [9] = {OP_LOAD, 0}, {OP_PUSH, 1}, {OP_ADD, 0}, {OP_STORE, 0},
    [13] = {OP_JMP, 2},
    /* count = 0; for i = 2; i < N; i++ */
    [14] = {OP_PUSH, 0}, {OP_STORE, 2}, {OP_PUSH, 2}, {OP_STORE, 0},
    [18] = {OP_LOAD, 0}, {OP_PUSH, SIEVE_N}, {OP_LT, 0}, {OP_JZ, 51},
    /* if mem[i] */
    [22] = {OP_LOAD, 0}, {OP_ALOAD, 0}, {OP_JZ, 46},
    /* count++ ; j = i + i */
    [25] = {OP_LOAD, 2}, {OP_PUSH, 1}, {OP_ADD, 0}, {OP_STORE, 2},
    [29] = {OP_LOAD, 0}, {OP_DUP, 0}, {OP_ADD, 0}, {OP_STORE, 1},
    /* while j < N: mem[j] = 0; j += i */
    [33] = {OP_LOAD, 1}, {OP_PUSH, SIEVE_N}, {OP_LT, 0}, {OP_JZ, 46},
    [37] = {OP_LOAD, 1}, {OP_PUSH, 0}, {OP_ASTORE, 0},
    [40] = {OP_LOAD, 1}, {OP_LOAD, 0}, {OP_ADD, 0}, {OP_STORE, 1}, {OP_JMP, 33},
    [45] = {OP_JMP, 46},
    /* i++ */
    [46] = {OP_LOAD, 0}, {OP_PUSH, 1}, {OP_ADD, 0}, {OP_STORE, 0}, {OP_JMP, 18},
    [51] = {OP_LOAD, 2}, {OP_HALT, 0},
};

/* vars: 0 a, 1 b, 2 n; fib mod 1000003 */
static const Insn fib_prog[] = {
    [0] = {OP_PUSH, 0}, {OP_STORE, 0}, {OP_PUSH, 1}, {OP_STORE, 1},
    [4] = {OP_PUSH, FIB_STEPS}, {OP_STORE, 2},
    [6] = {OP_PUSH, 0}, {OP_LOAD, 2}, {OP_LT, 0}, {OP_JZ, 25},
    /* t = (a + b) % P; a = b; b = t; n-- */
    [10] = {OP_LOAD, 0}, {OP_LOAD, 1}, {OP_ADD, 0}, {OP_PUSH, 1000003}, {OP_MOD, 0},
    [15] = {OP_LOAD, 1}, {OP_STORE, 0}, {OP_STORE, 1},
    [18] = {OP_LOAD, 2}, {OP_PUSH, 1}, {OP_SUB, 0}, {OP_STORE, 2}, {OP_JMP, 6},
    [23] = {OP_HALT, 0}, {OP_HALT, 0},
    [25] = {OP_LOAD, 0}, {OP_HALT, 0},
};

int main(void)
{
    uint64_t sum = 0;
    int64_t primes = 0, fib = 0;

    for (int r = 0; r < ROUNDS; r++) {
        int64_t vars[4] = {0};
        primes = vm_run(sieve_prog, vars);
        sum = sum * 33 + (uint64_t)primes;
        fib = vm_run(fib_prog, vars);
        sum = sum * 33 + (uint64_t)fib;
    }
    printf("vm: %d rounds, primes %ld fib %ld, checksum %lx\n", ROUNDS, primes, fib, sum);
    return 0;
}
