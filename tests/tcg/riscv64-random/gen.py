#!/usr/bin/env python3
"""Generate a random RV64 program for differential testing of the translator.

From a seed, writes a self-contained bare-metal assembly program for the virt
machine (RAM at 0x80000000, -bios none) that

  1. fills x1..x31 with seeded random 64-bit values, except BASE (x8..x15),
     which points into the middle of a 4 KiB scratch buffer initialised with
     seeded random bytes, and, in the looping variant, the loop counter;
  2. runs N random instructions from RV64I, M, A (on the buffer), C, and F/D
     (unless --no-fp):
     every ALU, W, shift, multiply and divide op (with injected 0, -1 and
     INT_MIN operands), loads and stores of every width and sign at aligned
     and misaligned addresses inside the buffer (addressed from BASE or from
     a register computed from random data), LUI/AUIPC, forward branches and
     jumps that end translation blocks, JAL/JALR to the next block, LR/SC
     pairs and every AMO; every F/D arithmetic, fused multiply-add, sqrt,
     sign-injection, min/max, compare, classify, convert and move, with all
     static rounding modes and a random frm, on random, NaN-boxed and special
     operands (signed zeros, infinities, quiet and signalling NaNs,
     subnormals, conversion bounds), FP loads/stores, and fflags/fcsr reads;
  3. with --loop K, runs that block K times so the translated blocks are
     chained and re-entered with different register values;
  4. saves x1..x31 (and f0..f31 and fcsr) and prints them, then the whole
     buffer, over the ns16550a UART in a fixed format and exits with status 0
     through the SiFive test device. A trap (there should be none) prints
     "TRAP mcause mepc mtval" and exits with status 1.

Left out on purpose: CSR writes in the block and fence.i (they change
translation, not data), ecall/ebreak, misaligned atomics (they trap, and
the trap path is not what this tests), and LR/SC sequences with
anything between the two (whether such an SC succeeds is up to the
implementation, RISC-V unprivileged spec 20191213 §8.3). Misaligned loads
and stores are generated because QEMU's virt machine and mimic both perform
them (the spec allows that or a trap, §2.6); the buffer straddles a page
boundary so some of them cross it.

Usage: gen.py SEED [--insns N] [--loop K] [--no-fp] [-o OUT.S]
"""

import argparse
import random
import sys

XLEN_MASK = (1 << 64) - 1
BUF_SIZE = 4096

# Operand values that hit the corner cases of division, shifts and overflow.
SPECIAL = [0, 1, -1, 2, -2, 0x7fffffffffffffff, -0x8000000000000000, 0x7fffffff,
           -0x80000000, 0x80000000, 0xffffffff, 0xffff, 0x8000, 0xff, 0x80, 63, 64, 31, 32]

ALU_R = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
         "addw", "subw", "sllw", "srlw", "sraw"]
MUL_R = ["mul", "mulh", "mulhsu", "mulhu", "mulw"]
DIV_R = ["div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw"]
ALU_I = ["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"]
SHIFT_I = [("slli", 63), ("srli", 63), ("srai", 63), ("slliw", 31), ("srliw", 31),
           ("sraiw", 31)]
LOADS = [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4), ("lwu", 4), ("ld", 8)]
STORES = [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)]
BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
AMOS = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu",
        "amomaxu"]
AQRL = ["", ".aq", ".rl", ".aqrl"]
C_ARITH = ["c.and", "c.or", "c.xor", "c.sub", "c.addw", "c.subw"]

# F/D operand bit patterns: signed zeros, infinities, quiet and signalling NaNs,
# subnormals, extremes, and single-precision values both NaN-boxed and not.
FP_SPECIAL = [0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
              0x7ff4000000000000, 0x0000000000000001, 0x000fffffffffffff, 0x7fefffffffffffff,
              0x3ff0000000000000, 0xbff0000000000000, 0x43e0000000000000, 0xc3e0000000000000,
              0x41e0000000000000, 0x3fe0000000000000, 0x4330000000000001,
              0xffffffff00000000, 0xffffffff80000000, 0xffffffff7f800000, 0xffffffffff800000,
              0xffffffff7fc00000, 0xffffffff7fa00000, 0xffffffff00000001, 0xffffffff3f800000,
              0xffffffff4f000000, 0xffffffffcf000000, 0xffffffff5f000000, 0xffffffff3f000000,
              0x000000003f800000, 0x7fffffff3f800000]
FP_RM = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]
FP_BIN = ["fadd", "fsub", "fmul", "fdiv"]
FP_NORM = ["fsgnj", "fsgnjn", "fsgnjx", "fmin", "fmax"]
FP_FMA = ["fmadd", "fmsub", "fnmsub", "fnmadd"]
FP_CMP = ["feq", "flt", "fle"]
FP_TO_INT = ["fcvt.w", "fcvt.wu", "fcvt.l", "fcvt.lu"]
INT_TO_FP = ["w", "wu", "l", "lu"]


def reg(n):
    return f"x{n}"


def imm12(rng):
    return rng.choice([rng.randint(-2048, 2047), rng.choice([-2048, -1, 0, 1, 2047])])


class Generator:
    def __init__(self, seed, loop, fp):
        self.fp = fp
        self.fp_t = "d"
        self.rng = random.Random(seed)
        rng = self.rng
        self.base = rng.randint(8, 15)
        self.counter = rng.randint(16, 31) if loop > 1 else None
        reserved = {self.base, self.counter}
        self.writable = [r for r in range(1, 32) if r not in reserved]
        self.writable_c = [r for r in range(8, 16) if r not in reserved]  # rd' of RVC
        self.label = 0
        self.lines = []
        self.rvc = True  # the block starts under .option rvc

    # ---- operand choice ----

    def rd(self):
        """A destination: occasionally x0 (the write must vanish)."""
        return 0 if self.rng.random() < 0.03 else self.rng.choice(self.writable)

    def rs(self):
        """A source: any register, x0 and BASE included."""
        return self.rng.randint(0, 31)

    def new_label(self):
        self.label += 1
        return f".Lr{self.label}"

    def emit(self, text):
        self.lines.append("    " + text)

    # ---- instruction kinds; each emits one instruction or a short idiom ----

    def gen_alu_r(self):
        self.emit(f"{self.rng.choice(ALU_R)} {reg(self.rd())}, {reg(self.rs())}, {reg(self.rs())}")

    def gen_mul(self):
        self.emit(f"{self.rng.choice(MUL_R)} {reg(self.rd())}, {reg(self.rs())}, {reg(self.rs())}")

    def gen_div(self):
        self.emit(f"{self.rng.choice(DIV_R)} {reg(self.rd())}, {reg(self.rs())}, {reg(self.rs())}")

    def gen_div_corner(self):
        """Division by zero and INT_MIN / -1, in both widths."""
        rng = self.rng
        a, b = rng.sample(self.writable, 2)
        dividend = rng.choice([-0x8000000000000000, -0x80000000, 0x80000000,
                               rng.getrandbits(64)])
        self.emit(f"li {reg(a)}, {dividend & XLEN_MASK:#x}")
        self.emit(f"li {reg(b)}, {rng.choice([0, -1, 1])}")
        self.emit(f"{rng.choice(DIV_R + MUL_R)} {reg(self.rd())}, {reg(a)}, {reg(b)}")

    def gen_special(self):
        value = self.rng.choice(SPECIAL)
        self.emit(f"li {reg(self.rng.choice(self.writable))}, {value & XLEN_MASK:#x}")

    def gen_alu_i(self):
        self.emit(f"{self.rng.choice(ALU_I)} {reg(self.rd())}, {reg(self.rs())}, {imm12(self.rng)}")

    def gen_shift_i(self):
        op, top = self.rng.choice(SHIFT_I)
        shamt = self.rng.choice([0, top, self.rng.randint(0, top)])
        self.emit(f"{op} {reg(self.rd())}, {reg(self.rs())}, {shamt}")

    def gen_upper(self):
        op = self.rng.choice(["lui", "auipc"])
        imm = self.rng.choice([self.rng.getrandbits(20), 0, 0x80000, 0xfffff, 0x7ffff])
        self.emit(f"{op} {reg(self.rd())}, {imm:#x}")

    def _offset(self, lo, hi, width, aligned):
        """A random offset in [lo, hi], a multiple of width when aligned."""
        if aligned:
            return self.rng.randint(-(-lo // width), hi // width) * width
        return self.rng.randint(lo, hi)

    def _address(self, width, aligned):
        """(offset, base register) of an access of width bytes inside the buffer.

        BASE is the buffer's middle, so BASE-relative offsets cover imm12 whole;
        a computed address is BASE + (random data & 0x7f8 or 0x7ff) with an
        offset that keeps the access inside the buffer.
        """
        rng = self.rng
        if rng.random() < 0.6:
            return self._offset(-2048, 2048 - width, width, aligned), self.base
        tmp = rng.choice(self.writable)
        self.emit(f"andi {reg(tmp)}, {reg(self.rs())}, {0x7f8 if aligned else 0x7ff}")
        self.emit(f"add {reg(tmp)}, {reg(tmp)}, {reg(self.base)}")
        return self._offset(-2048, 1 - width, width, aligned), tmp

    def gen_load(self):
        op, width = self.rng.choice(LOADS)
        off, base = self._address(width, self.rng.random() < 0.7)
        self.emit(f"{op} {reg(self.rd())}, {off}({reg(base)})")

    def gen_store(self):
        op, width = self.rng.choice(STORES)
        off, base = self._address(width, self.rng.random() < 0.7)
        self.emit(f"{op} {reg(self.rs())}, {off}({reg(base)})")

    def _amo_address(self, width):
        """A register holding an aligned address inside the buffer."""
        tmp = self.rng.choice(self.writable)
        off = self._offset(-2048, 2048 - width, width, True)
        self.emit(f"addi {reg(tmp)}, {reg(self.base)}, {off}")
        return tmp

    def gen_amo(self):
        rng = self.rng
        suffix = rng.choice([".w", ".d"])
        addr = self._amo_address(4 if suffix == ".w" else 8)
        op = rng.choice(AMOS) + suffix + rng.choice(AQRL)
        self.emit(f"{op} {reg(self.rd())}, {reg(self.rs())}, ({reg(addr)})")

    def gen_lr_sc(self):
        """An LR and the SC right after it to the same address: the SC succeeds."""
        rng = self.rng
        suffix = rng.choice([".w", ".d"])
        addr = self._amo_address(4 if suffix == ".w" else 8)
        loaded = rng.choice([r for r in self.writable if r != addr])
        self.emit(f"lr{suffix}{rng.choice(AQRL)} {reg(loaded)}, ({reg(addr)})")
        self.emit(f"sc{suffix}{rng.choice(AQRL)} {reg(self.rd())}, {reg(self.rs())}, ({reg(addr)})")

    def gen_branch(self):
        """A forward branch over a few instructions: ends a block either way."""
        rng = self.rng
        a = self.rs()
        b = a if rng.random() < 0.2 else self.rs()
        target = self.new_label()
        self.emit(f"{rng.choice(BRANCHES)} {reg(a)}, {reg(b)}, {target}")
        self.gen_straight(rng.randint(1, 4))
        self.lines.append(f"{target}:")

    def gen_jump(self):
        """JAL or JALR forward, to the next instruction or over a few."""
        rng = self.rng
        target = self.new_label()
        if rng.random() < 0.5:
            self.emit(f"jal {reg(self.rd())}, {target}")
        else:
            tmp = rng.choice(self.writable)
            self.emit(f"lla {reg(tmp)}, {target}")
            self.emit(f"jalr {reg(self.rd())}, 0({reg(tmp)})")
        self.gen_straight(rng.choice([0, 0, rng.randint(1, 3)]))
        self.lines.append(f"{target}:")

    def gen_compressed(self):
        """An explicit RVC form (the assembler also compresses others under .option rvc)."""
        rng = self.rng
        if not self.rvc:
            self.gen_rvc_toggle(True)
        rdc = rng.choice(self.writable_c)
        rsc = rng.randint(8, 15)
        kind = rng.randrange(12)
        if kind == 0:
            self.emit(f"c.li {reg(rng.choice(self.writable))}, {rng.randint(-32, 31)}")
        elif kind == 1:
            rd = rng.choice([r for r in self.writable if r != 2])
            imm = rng.choice([rng.randint(1, 31), rng.randint(0xfffe0, 0xfffff)])
            self.emit(f"c.lui {reg(rd)}, {imm:#x}")
        elif kind == 2:
            imm = rng.choice([-32, 31, rng.randint(1, 31)])
            self.emit(f"c.addi {reg(rng.choice(self.writable))}, {imm}")
        elif kind == 3:
            self.emit(f"c.addiw {reg(rng.choice(self.writable))}, {rng.randint(-32, 31)}")
        elif kind == 4 and 2 in self.writable:
            self.emit(f"c.addi16sp sp, {rng.choice([-512, 496, rng.randint(-32, 31) * 16 or 16])}")
        elif kind == 5:
            self.emit(f"c.addi4spn {reg(rdc)}, sp, {rng.randint(1, 255) * 4}")
        elif kind == 6:
            op = rng.choice(["c.slli", "c.srli", "c.srai"])
            rd = rng.choice(self.writable) if op == "c.slli" else rdc
            self.emit(f"{op} {reg(rd)}, {rng.randint(1, 63)}")
        elif kind == 7:
            self.emit(f"c.andi {reg(rdc)}, {rng.randint(-32, 31)}")
        elif kind == 8:
            op = rng.choice(["c.mv", "c.add"])
            self.emit(f"{op} {reg(rng.choice(self.writable))}, {reg(rng.randint(1, 31))}")
        elif kind == 9:
            self.emit(f"{rng.choice(C_ARITH)} {reg(rdc)}, {reg(rsc)}")
        elif kind == 10:
            op, width = rng.choice([("c.lw", 4), ("c.ld", 8), ("c.sw", 4), ("c.sd", 8)])
            off = rng.randint(0, 31) * width
            data = rdc if op in ("c.lw", "c.ld") else rsc
            self.emit(f"{op} {reg(data)}, {off}({reg(self.base)})")
        else:
            target = self.new_label()
            if rng.random() < 0.3:
                self.emit(f"c.j {target}")
            else:
                self.emit(f"{rng.choice(['c.beqz', 'c.bnez'])} {reg(rsc)}, {target}")
            self.gen_straight(rng.randint(0, 3))
            self.lines.append(f"{target}:")

    # ---- F and D ----

    def fr(self):
        return f"f{self.rng.randint(0, 31)}"

    def fp_type(self):
        """s or d, in runs: mixing them at random would turn most values into NaN
        (a double read of a NaN-boxed single is a NaN, a single read of a
        double is the canonical NaN), so switch only now and then."""
        if self.rng.random() < 0.1:
            self.fp_t = "d" if self.fp_t == "s" else "s"
        return self.fp_t

    def rm(self):
        return self.rng.choice(FP_RM)

    def gen_fp_arith(self):
        rng = self.rng
        t = self.fp_type()
        kind = rng.randrange(4)
        if kind == 0:
            self.emit(f"{rng.choice(FP_BIN)}.{t} {self.fr()}, {self.fr()}, {self.fr()}, "
                      f"{self.rm()}")
        elif kind == 1:
            self.emit(f"{rng.choice(FP_FMA)}.{t} {self.fr()}, {self.fr()}, {self.fr()}, "
                      f"{self.fr()}, {self.rm()}")
        elif kind == 2:
            self.emit(f"fsqrt.{t} {self.fr()}, {self.fr()}, {self.rm()}")
        else:
            self.emit(f"{rng.choice(FP_NORM)}.{t} {self.fr()}, {self.fr()}, {self.fr()}")

    def gen_fp_convert(self):
        rng = self.rng
        t = self.fp_type()
        kind = rng.randrange(6)
        if kind == 0:
            self.emit(f"{rng.choice(FP_TO_INT)}.{t} {reg(self.rd())}, {self.fr()}, {self.rm()}")
        elif kind == 1:
            src = rng.choice(INT_TO_FP)
            exact = t == "d" and src in ("w", "wu")  # GAS takes no rounding mode there
            self.emit(f"fcvt.{t}.{src} {self.fr()}, {reg(self.rs())}"
                      + ("" if exact else f", {self.rm()}"))
        elif kind == 2:
            op = "fcvt.s.d" if t == "s" else "fcvt.d.s"
            self.emit(f"{op} {self.fr()}, {self.fr()}" + (f", {self.rm()}" if t == "s" else ""))
        elif kind == 3:
            self.emit(f"{rng.choice(FP_CMP)}.{t} {reg(self.rd())}, {self.fr()}, {self.fr()}")
        elif kind == 4:
            self.emit(f"fclass.{t} {reg(self.rd())}, {self.fr()}")
        else:
            w = "w" if t == "s" else "d"
            if rng.random() < 0.5:
                self.emit(f"fmv.x.{w} {reg(self.rd())}, {self.fr()}")
            else:
                self.emit(f"fmv.{w}.x {self.fr()}, {reg(self.rs())}")

    def gen_fp_special(self):
        tmp = self.rng.choice(self.writable)
        self.emit(f"li {reg(tmp)}, {self.rng.choice(FP_SPECIAL):#x}")
        self.emit(f"fmv.d.x {self.fr()}, {reg(tmp)}")

    def gen_fp_mem(self):
        rng = self.rng
        op, width = rng.choice([("flw", 4), ("fld", 8), ("fsw", 4), ("fsd", 8)])
        off, base = self._address(width, rng.random() < 0.8)
        self.emit(f"{op} {self.fr()}, {off}({reg(base)})")

    def gen_fp_csr(self):
        """Read fflags/frm/fcsr (reads only: writes could change translation)."""
        self.emit(f"csrr {reg(self.rd())}, {self.rng.choice(['fflags', 'frm', 'fcsr'])}")

    def gen_rvc_toggle(self, on=None):
        """Switch compression on or off: the same ops then come in both encodings."""
        self.rvc = self.rng.random() < 0.5 if on is None else on
        self.emit(f".option {'rvc' if self.rvc else 'norvc'}")

    STRAIGHT = [(gen_alu_r, 20), (gen_alu_i, 16), (gen_shift_i, 8), (gen_mul, 5), (gen_div, 5),
                (gen_div_corner, 2), (gen_special, 3), (gen_upper, 3), (gen_load, 12),
                (gen_store, 10), (gen_amo, 3), (gen_lr_sc, 1), (gen_compressed, 10),
                (gen_rvc_toggle, 1)]
    FP = [(gen_fp_arith, 8), (gen_fp_convert, 6), (gen_fp_special, 4), (gen_fp_mem, 3),
          (gen_fp_csr, 1)]
    CONTROL = [(gen_branch, 5), (gen_jump, 2)]

    def straight_kinds(self):
        return self.STRAIGHT + (self.FP if self.fp else [])

    def gen_straight(self, count):
        kinds, weights = zip(*self.straight_kinds())
        for kind in self.rng.choices(kinds, weights, k=count):
            kind(self)

    def gen_block(self, count):
        kinds, weights = zip(*(self.straight_kinds() + self.CONTROL))
        for kind in self.rng.choices(kinds, weights, k=count):
            kind(self)


PROLOGUE = """\
/* Generated by tests/tcg/riscv64-random/gen.py {args} -- do not edit. */
#define UART 0x10000000
#define TEST_DEV 0x100000

    .section .text.start, "ax"
    .globl _start
_start:
    .option norvc
    csrr t0, mhartid
1:  bnez t0, 1b
    lla t0, trap
    csrw mtvec, t0
    lla {base}, buffer + 2048
"""

EPILOGUE = """\
    .option norvc
    .balign 4
finish:
    csrw mscratch, x1
    lla x1, saved
{saves}
    csrr x2, mscratch
    sd x2, 8(x1)

    /* "xNN 0123456789abcdef" for x1..x31, then "fNN ..." for f0..f31 and "f32" for fcsr */
    li s2, 1
1:  li a0, 'x'
    mv s8, s2
    li t2, 32
    bltu s2, t2, 6f
    li a0, 'f'
    addi s8, s2, -32
6:  call putc
    li t2, 10
    divu a0, s8, t2
    addi a0, a0, '0'
    call putc
    li t2, 10
    remu a0, s8, t2
    addi a0, a0, '0'
    call putc
    li a0, ' '
    call putc
    lla t2, saved
    slli t3, s2, 3
    add t2, t2, t3
    ld a0, 0(t2)
    li a1, 16
    call puthex
    li a0, '\\n'
    call putc
    addi s2, s2, 1
    li t2, {nregs}
    bne s2, t2, 1b

    /* "mOOO q q q q": the buffer as little-endian doublewords, 32 bytes a line */
    lla s3, buffer
    li s2, 0
2:  li a0, 'm'
    call putc
    mv a0, s2
    li a1, 3
    call puthex
    li s4, 4
3:  li a0, ' '
    call putc
    add t2, s3, s2
    ld a0, 0(t2)
    li a1, 16
    call puthex
    addi s2, s2, 8
    addi s4, s4, -1
    bnez s4, 3b
    li a0, '\\n'
    call putc
    li t2, {buf_size}
    bltu s2, t2, 2b

    li t0, TEST_DEV
    li t1, 0x5555
    sw t1, 0(t0)
4:  j 4b

/* Print "TRAP mcause mepc mtval" and exit with status 1. */
    .balign 4
trap:
    lla a0, trap_msg
    call puts
    csrr a0, mcause
    li a1, 16
    call puthex
    li a0, ' '
    call putc
    csrr a0, mepc
    li a1, 16
    call puthex
    li a0, ' '
    call putc
    csrr a0, mtval
    li a1, 16
    call puthex
    li a0, '\\n'
    call putc
    li t0, TEST_DEV
    li t1, 0x13333
    sw t1, 0(t0)
5:  j 5b

/* putc(a0): poll LSR.THRE, write THR. Clobbers t0, t1. */
putc:
    li t0, UART
1:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    sb a0, 0(t0)
    ret

/* puts(a0): a NUL-terminated string. Clobbers t0..t1, s5, s6. */
puts:
    mv s5, ra
    mv s6, a0
1:  lbu a0, 0(s6)
    beqz a0, 2f
    call putc
    addi s6, s6, 1
    j 1b
2:  mv ra, s5
    ret

/* puthex(a0 = value, a1 = digits): the low a1 hex digits. Clobbers t0..t6, s7. */
puthex:
    mv s7, ra
    mv t3, a0
    mv t4, a1
1:  addi t4, t4, -1
    slli t5, t4, 2
    srl t6, t3, t5
    andi t6, t6, 15
    addi a0, t6, '0'
    li t5, 10
    bltu t6, t5, 2f
    addi a0, t6, 'a' - 10
2:  call putc
    bnez t4, 1b
    mv ra, s7
    ret

    .section .rodata
trap_msg:
    .asciz "TRAP "

    .data
    .balign 8
saved:
    .skip 528
    /* The buffer straddles a page boundary at offset 3072. */
    .balign 4096
    .skip 1024
buffer:
{buffer}
"""


def generate(seed, insns, loop, fp):
    gen = Generator(seed, loop, fp)
    rng = gen.rng
    args = f"{seed} --insns {insns} --loop {loop}" + ("" if fp else " --no-fp")
    out = [PROLOGUE.format(args=args, base=reg(gen.base))]
    if fp:
        # mstatus.FS = Initial (priv 1.12 §3.1.6.6); frm for the dyn rounding mode.
        out.append("    li t0, 1 << 13")
        out.append("    csrs mstatus, t0")
        out.append(f"    csrwi frm, {rng.randint(0, 4)}")
        for f in range(32):
            value = rng.choice([rng.getrandbits(64), rng.getrandbits(32) | 0xffffffff00000000,
                                rng.choice(FP_SPECIAL)])
            out.append(f"    li t0, {value:#x}")
            out.append(f"    fmv.d.x f{f}, t0")
    for r in gen.writable:
        out.append(f"    li {reg(r)}, {rng.getrandbits(64):#x}")
    if gen.counter is not None:
        out.append(f"    li {reg(gen.counter)}, {loop}")
    out.append("    .option rvc")
    out.append(".Lloop:")
    gen.gen_block(insns)
    out.extend(gen.lines)
    if gen.counter is not None:
        out.append("    .option norvc")
        out.append(f"    addi {reg(gen.counter)}, {reg(gen.counter)}, -1")
        # A far conditional branch back: the block may be longer than B-type reach.
        out.append(f"    beqz {reg(gen.counter)}, finish")
        out.append("    j .Lloop")
    saves = "\n".join(f"    sd x{r}, {8 * r}(x1)" for r in range(2, 32))
    if fp:
        saves += "\n" + "\n".join(f"    fsd f{r}, {256 + 8 * r}(x1)" for r in range(32))
        saves += "\n    csrr x2, fcsr\n    sd x2, 512(x1)"
    nregs = 65 if fp else 32
    data = []
    for i in range(0, BUF_SIZE, 8):
        data.append(f"    .quad {rng.getrandbits(64):#018x}")
    out.append(EPILOGUE.format(saves=saves, nregs=nregs, buf_size=BUF_SIZE,
                               buffer="\n".join(data)))
    return "\n".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("--insns", type=int, default=2000,
                        help="random instructions (idioms count once) in the block")
    parser.add_argument("--loop", type=int, default=1, help="times to run the block")
    parser.add_argument("--no-fp", dest="fp", action="store_false",
                        help="leave out F and D (for a hart without them)")
    parser.add_argument("-o", "--output", help="output file (default stdout)")
    args = parser.parse_args(argv)
    if args.loop < 1:
        parser.error("--loop must be at least 1")
    text = generate(args.seed, args.insns, args.loop, args.fp)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
