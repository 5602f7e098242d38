/* OpenBLAS side of benchmarks/gemm-vs-openblas.sh: best-of timing of row-major cblas_sgemm (no transposes,
 * alpha = 1, beta = 1 like our C += A B) for one M x N x K shape over a time budget. Prints "gflops <value>". */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* SGEMM_CPU_TIME=1: time with this thread's CPU clock (meaningful with OPENBLAS_NUM_THREADS=1 only, where the
 * product runs on the calling thread); it ignores time spent descheduled on a shared machine. */
static int cpu_time;

static double now(void) {
    struct timespec t;
    clock_gettime(cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double wall(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s M N K seconds\n", argv[0]); return 2; }
    int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
    double budget = atof(argv[4]);
    const char *ct = getenv("SGEMM_CPU_TIME");
    cpu_time = ct != NULL && ct[0] == '1';
    float *a = malloc(sizeof(float) * (size_t) m * k), *b = malloc(sizeof(float) * (size_t) k * n);
    float *c = calloc((size_t) m * n, sizeof(float));
    if (!a || !b || !c) { fprintf(stderr, "out of memory\n"); return 1; }
    unsigned s = 12345;
    for (size_t i = 0; i < (size_t) m * k; i++) { s = s * 1103515245u + 12345u; a[i] = (float) ((s >> 8) & 0xffff) / 32768.0f - 1.0f; }
    for (size_t i = 0; i < (size_t) k * n; i++) { s = s * 1103515245u + 12345u; b[i] = (float) ((s >> 8) & 0xffff) / 32768.0f - 1.0f; }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 1.0f, c, n); /* warm-up */
    double best = 1e30, t0 = wall();
    int iters = 0;
    while (iters < 3 || wall() - t0 < budget) {
        double st = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 1.0f, c, n);
        double el = now() - st;
        if (el < best) best = el;
        iters++;
    }
    printf("gflops %.3f iters %d\n", 2.0 * m * n * k / best / 1e9, iters);
    free(a); free(b); free(c);
    return 0;
}
