/*
 * fp: floating point (D extension). An n-body simulation of five bodies
 * (add, mul, div, sqrt on doubles, as in the benchmarks game's nbody, written
 * afresh) and a dense double matrix product (fused multiply-adds). Prints
 * the bit patterns of the final energy and of the matrix sum, which every
 * correct emulator computes exactly alike (IEEE 754, round to nearest).
 */
#include "test.h"

#define STEPS 50000
#define MAT_N 48
#define MAT_ROUNDS 12
#define BODIES 5

typedef struct Body {
    double x, y, z, vx, vy, vz, mass;
} Body;

static Body bodies[BODIES];
static double mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint64_t bits(double d)
{
    uint64_t u;

    __builtin_memcpy(&u, &d, sizeof(u));
    return u;
}

static void bodies_init(void)
{
    const double pi = 3.141592653589793, solar_mass = 4 * pi * pi, days = 365.24;
    static const double init[BODIES][7] = {
        {0, 0, 0, 0, 0, 0, 1},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
         9.54791938424326609e-04},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
         2.85885980666130812e-04},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
         4.36624404335156298e-05},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
         5.15138902046611451e-05},
    };
    double px = 0, py = 0, pz = 0;

    for (int i = 0; i < BODIES; i++) {
        Body *b = &bodies[i];
        b->x = init[i][0];
        b->y = init[i][1];
        b->z = init[i][2];
        b->vx = init[i][3] * days;
        b->vy = init[i][4] * days;
        b->vz = init[i][5] * days;
        b->mass = init[i][6] * solar_mass;
        px += b->vx * b->mass;
        py += b->vy * b->mass;
        pz += b->vz * b->mass;
    }
    bodies[0].vx = -px / solar_mass;
    bodies[0].vy = -py / solar_mass;
    bodies[0].vz = -pz / solar_mass;
}

static void bodies_advance(double dt)
{
    for (int i = 0; i < BODIES; i++) {
        Body *a = &bodies[i];
        for (int j = i + 1; j < BODIES; j++) {
            Body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * __builtin_sqrt(d2));
            a->vx -= dx * b->mass * mag;
            a->vy -= dy * b->mass * mag;
            a->vz -= dz * b->mass * mag;
            b->vx += dx * a->mass * mag;
            b->vy += dy * a->mass * mag;
            b->vz += dz * a->mass * mag;
        }
    }
    for (int i = 0; i < BODIES; i++) {
        Body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

static double bodies_energy(void)
{
    double e = 0;

    for (int i = 0; i < BODIES; i++) {
        Body *a = &bodies[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < BODIES; j++) {
            Body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static double matmul(void)
{
    double sum = 0;

    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (double)(i + 1) / (double)(j + 2);
            mat_b[i][j] = (double)(i - j) * 0.125;
        }
    }
    for (int r = 0; r < MAT_ROUNDS; r++) {
        for (int i = 0; i < MAT_N; i++) {
            for (int j = 0; j < MAT_N; j++) {
                double acc = 0;
                for (int k = 0; k < MAT_N; k++) {
                    acc = __builtin_fma(mat_a[i][k], mat_b[k][j], acc);
                }
                mat_c[i][j] = acc;
            }
        }
        for (int i = 0; i < MAT_N; i++) {
            for (int j = 0; j < MAT_N; j++) {
                mat_b[i][j] = mat_c[i][j] * (1.0 / 64);
                sum += mat_c[i][j];
            }
        }
    }
    return sum;
}

/* Not inlined into main: no F/D instruction may run before mstatus.FS is on. */
static __attribute__((noinline)) void run(void)
{
    double e0, e1, m;

    bodies_init();
    e0 = bodies_energy();
    for (int s = 0; s < STEPS; s++) {
        bodies_advance(0.01);
    }
    e1 = bodies_energy();
    m = matmul();
    printf("fp: energy %lx -> %lx, matrix %lx, checksum %lx\n", bits(e0), bits(e1), bits(m),
           bits(e1) ^ bits(m));
}

int main(void)
{
    csr_set(mstatus, MSTATUS_FS);
    run();
    return 0;
}
